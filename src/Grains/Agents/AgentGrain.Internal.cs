using Acd.Agents;
using Acd.Common;

namespace Acd.Grains.Agents;

/// <summary>
/// Reservations for calls the agent did not get from a queue (an outbound call it places, an internal call it places or
/// receives): taken from Ready or Not Ready, and given back to that state when the call is over.
/// </summary>
public sealed partial class AgentGrain
{
    public async Task<Result<AgentReservation>> ReserveForInternalAsync(string callId, TimeSpan lease, bool needsPhone)
    {
        if (NotConfigured() is { } missing)
        {
            return missing;
        }

        if (S.Status == AgentStatus.LoggedOut)
        {
            return Result.Fail(AcdError.IllegalTransition, $"Agent '{AgentId}' is not logged in.");
        }

        if (S.Status is not (AgentStatus.Ready or AgentStatus.NotReady) || _claiming)
        {
            return Result.Fail(AcdError.Busy, $"Agent '{AgentId}' is busy ({S.Status}).");
        }

        if (needsPhone && !LiveDevices().Any())
        {
            return Result.Fail(AcdError.Conflict, $"Agent '{AgentId}' has no registered phone.");
        }

        return await ReserveKeepingStateAsync(callId, lease, outbound: false);
    }

    /// <summary>Ready/NotReady -> Reserved; a Not Ready reason is kept as pending, so the agent comes back to it after the call.</summary>
    private async Task<Result<AgentReservation>> ReserveKeepingStateAsync(string callId, TimeSpan lease, bool outbound)
    {
        if (S.Status == AgentStatus.NotReady)
        {
            S.PendingReasonCode ??= S.ReasonCode;
        }

        Reserve(callId, lease, outbound);
        await SaveAndNotifyAsync();
        return Result<AgentReservation>.Ok(Reservation());
    }
}

using System.Collections.Immutable;
using Acd.Agents;
using Acd.Calls;
using Acd.Common;
using Acd.Events;
using Acd.Queues;
using Microsoft.Extensions.Logging;

namespace Acd.Grains.Agents;

public sealed partial class AgentGrain
{
    private const int MaxMatchAttempts = 8;

    /// <summary>
    /// Takes the best waiting call across the agent's queues: highest priority first, then the longest wait.
    /// The agent reserves itself before telling the call, so it can never be offered two calls.
    /// </summary>
    private async Task FindWorkCoreAsync()
    {
        for (var attempt = 0; attempt < MaxMatchAttempts; attempt++)
        {
            if (S.Status != AgentStatus.Ready || S.Profile is not { } profile || profile.Queues.IsDefaultOrEmpty)
            {
                return;
            }

            var skills = profile.Skills;
            var candidates = await Task.WhenAll(profile.Queues.Select(q =>
                GrainFactory.GetGrain<IQueueGrain>(q).PeekBestCallAsync(AgentId, skills)));
            var best = candidates.OfType<CallCandidate>().OrderBy(c => c.Call, QueuedCall.Order).FirstOrDefault();
            if (best is null || S.Status != AgentStatus.Ready || _claiming)
            {
                return;
            }

            var queue = GrainFactory.GetGrain<IQueueGrain>(best.QueueId);
            bool claimed;
            _claiming = true;
            try
            {
                claimed = await queue.ClaimCallAsync(best.Call.CallId, AgentId);
            }
            finally
            {
                _claiming = false;
            }

            if (!claimed)
            {
                continue;
            }

            if (S.Status != AgentStatus.Ready)
            {
                // Cannot happen while _claiming blocks reservations, but never strand a caller.
                await queue.ReturnCallAsync(best.Call);
                return;
            }

            Reserve(best.Call.CallId, best.RingTimeout + LeaseGrace, outbound: false);
            await SaveAndNotifyAsync();
            var call = GrainFactory.GetGrain<ICallGrain>(best.Call.CallId);
            Result offered;
            try
            {
                offered = await call.OfferAsync(Reservation(), best.RingTimeout);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The call's silo went away mid-offer (a rolling restart): whether the offer landed is unknown, so ask.
                // Left alone, the caller would be out of line and this agent Reserved until its lease ran out.
                if (await OfferOutcomeAsync(call, queue, best.Call, ex) is not { } outcome)
                {
                    return; // unknown: the lease frees the agent; the call grain, if it got the offer, carries on
                }

                offered = outcome;
            }

            if (offered.IsSuccess)
            {
                return;
            }

            LogOfferRefused(best.Call.CallId, offered.ToString());
            if (S.Status == AgentStatus.Reserved && S.CallId == best.Call.CallId)
            {
                StopTimer(ref _leaseTimer);
                AfterCall();
                await SaveAndNotifyAsync();
            }
        }
    }

    /// <summary>
    /// After an offer that threw: Ok when the call has it (offered to this agent), a failure when it is still waiting
    /// (then it goes back in line at its place), null when the call cannot be asked either.
    /// </summary>
    private async Task<Result?> OfferOutcomeAsync(ICallGrain call, IQueueGrain queue, QueuedCall queued, Exception error)
    {
        try
        {
            var snapshot = await call.GetAsync();
            if (snapshot.Status == CallStatus.Offered && snapshot.AgentId == AgentId)
            {
                return Result.Ok;
            }

            if (snapshot.Status == CallStatus.Queued)
            {
                await queue.ReturnCallAsync(queued);
            }

            return Result.Fail(AcdError.Conflict, $"the offer failed ({error.GetType().Name}); the call is {snapshot.Status}");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogOfferUnknown(queued.CallId, ex.Message);
            return null;
        }
    }

    /// <summary>Runs matching as the agent's own next turn, outside the caller's call chain.</summary>
    private void ScheduleFindWork()
    {
        if (S.Status == AgentStatus.Ready)
        {
            this.AsReference<IAgentGrain>().FindWorkAsync().Ignore();
        }
    }

    private void Reserve(string callId, TimeSpan lease, bool outbound)
    {
        var expiresAt = Now + lease;
        S.LeaseExpiresAt = expiresAt;
        S.OutboundReservation = outbound;
        S.CallConnected = false;
        S.OnHold = false;
        Transition(AgentStatus.Reserved, null, callId);
        ArmLeaseTimer(expiresAt);
    }

    /// <summary>Where an agent goes when its call (and wrap-up) is over: a pending logout or Not Ready, else Ready.</summary>
    private void AfterCall()
    {
        StopTimer(ref _wrapUpTimer);
        S.WrapUpEndsAt = null;
        S.LeaseExpiresAt = null;
        S.OnHold = false;
        S.OutboundReservation = false;
        if (S.PendingLogout)
        {
            Transition(AgentStatus.LoggedOut, null, null);
        }
        else if (S.PendingReasonCode is { } reason)
        {
            Transition(AgentStatus.NotReady, reason, null);
        }
        else
        {
            Transition(AgentStatus.Ready, null, null);
        }
    }

    private void EnterNotReadyOrLogout(string reason)
    {
        StopTimer(ref _leaseTimer);
        S.LeaseExpiresAt = null;
        S.OutboundReservation = false;
        if (S.PendingLogout)
        {
            Transition(AgentStatus.LoggedOut, null, null);
        }
        else
        {
            Transition(AgentStatus.NotReady, reason, null);
        }
    }

    private async Task FinishWrapUpAsync()
    {
        AfterCall();
        await SaveAndNotifyAsync();
        await FindWorkCoreAsync();
    }

    private void Transition(AgentStatus to, string? reason, string? callId)
    {
        var now = Now;
        var change = new AgentStateChange(S.Status, to, reason, callId ?? S.CallId, now, now - S.StateSince);
        S.Status = to;
        S.ReasonCode = to == AgentStatus.NotReady ? reason : null;
        S.CallId = to is AgentStatus.Reserved or AgentStatus.OnCall or AgentStatus.WrapUp ? callId : null;
        S.StateSince = now;
        if (to is AgentStatus.NotReady or AgentStatus.Ready or AgentStatus.LoggedOut)
        {
            // A pending request is consumed by the state it asked for; nothing stays pending between calls.
            S.PendingReasonCode = null;
            S.PendingLogout = false;
        }

        if (to == AgentStatus.Ready)
        {
            S.IdleSince = now;
        }

        S.History.Add(change);
        if (S.History.Count > AgentState.HistoryLimit)
        {
            S.History.RemoveRange(0, S.History.Count - AgentState.HistoryLimit);
        }

        PublishChange(change);
    }

    private void PublishChange(AgentStateChange? change) => Publish(new AgentChanged(Now, Snapshot(), change));

    private Task SaveAndNotifyAsync() => Task.WhenAll(Writer.WriteAsync(), NotifyQueuesAsync());

    /// <summary>Tells each of the agent's queues (but <paramref name="except"/>) what it needs for routing (Ready, idle since, calls handled, skills).</summary>
    private Task NotifyQueuesAsync(string? except = null)
    {
        if (S.Profile is not { } profile || profile.Queues.IsDefaultOrEmpty)
        {
            return Task.CompletedTask;
        }

        var member = Member(profile);
        return Task.WhenAll(profile.Queues.Where(q => q != except).Select(q => GrainFactory.GetGrain<IQueueGrain>(q).UpdateMemberAsync(member)));
    }

    private AgentReservation Reservation() => new(AgentId, [.. LiveDevices()]);

    private QueueMember Member(AgentProfile profile) => new(AgentId, S.Status == AgentStatus.Ready, S.Status != AgentStatus.LoggedOut,
        S.IdleSince, S.CallsHandled, profile.Skills, LiveDevices().Any(), S.Status);

    private AgentSnapshot Snapshot() => new(
        AgentId, S.Profile, S.Status, S.ReasonCode, S.StateSince, S.CallId, S.LeaseExpiresAt, S.OnHold,
        S.PendingReasonCode, S.PendingLogout, S.WrapUpEndsAt, S.IdleSince, S.CallsHandled, [.. LiveDevices()]);

    private IEnumerable<DeviceBinding> LiveDevices()
    {
        var now = Now;
        return S.Devices.Where(d => d.ExpiresAt > now);
    }

    private async Task DevicesChangedAsync()
    {
        S.Devices.RemoveAll(d => d.ExpiresAt <= Now);
        ArmDeviceTimer();
        PublishChange(null);
        await SaveAndNotifyAsync();
    }

    // ---- timers -------------------------------------------------------------------------------

    private void ArmLeaseTimer(DateTimeOffset expiresAt)
    {
        StartTimerAt(ref _leaseTimer, OnLeaseExpiredAsync, expiresAt);
    }

    private async Task OnLeaseExpiredAsync(CancellationToken cancellationToken)
    {
        StopTimer(ref _leaseTimer);
        if (S.Status != AgentStatus.Reserved || S.LeaseExpiresAt is not { } lease || lease > Now)
        {
            return;
        }

        // The call never confirmed the offer either way: free the agent rather than strand it.
        LogLeaseExpired(S.CallId);
        AfterCall();
        await SaveAndNotifyAsync();
        await FindWorkCoreAsync();
    }

    private void ArmWrapUpTimer(DateTimeOffset endsAt)
    {
        StartTimerAt(ref _wrapUpTimer, OnWrapUpEndedAsync, endsAt);
    }

    private async Task OnWrapUpEndedAsync(CancellationToken cancellationToken)
    {
        StopTimer(ref _wrapUpTimer);
        if (S.Status == AgentStatus.WrapUp)
        {
            await FinishWrapUpAsync();
        }
    }

    private void ArmDeviceTimer()
    {
        StopTimer(ref _deviceTimer);
        if (S.Devices.Count > 0)
        {
            StartTimerAt(ref _deviceTimer, OnDeviceExpiryAsync, S.Devices.Min(d => d.ExpiresAt));
        }
    }

    private async Task OnDeviceExpiryAsync(CancellationToken cancellationToken)
    {
        if (S.Devices.Any(d => d.ExpiresAt <= Now))
        {
            await DevicesChangedAsync();
        }
        else
        {
            ArmDeviceTimer();
        }
    }

    // ---- validation ---------------------------------------------------------------------------

    private Result? NotConfigured() =>
        S.Profile is null ? Result.Fail(AcdError.NotFound, $"Agent '{AgentId}' does not exist.") : null;

    private Result Illegal(string action, string why) =>
        Result.Fail(AcdError.IllegalTransition, $"Agent '{AgentId}' cannot {action}: {why}.");

    private static Result? ValidateProfile(AgentProfile profile)
    {
        if (string.IsNullOrWhiteSpace(profile.Name))
        {
            return Result.Fail(AcdError.InvalidArgument, "An agent needs a name.");
        }

        if (profile.Skills is null || profile.Queues.IsDefault || profile.Roles.IsDefault)
        {
            return Result.Fail(AcdError.InvalidArgument, "Skills, queues and roles must be given (may be empty).");
        }

        foreach (var (skill, level) in profile.Skills)
        {
            if (string.IsNullOrWhiteSpace(skill) || level is < AgentProfile.MinProficiency or > AgentProfile.MaxProficiency)
            {
                return Result.Fail(AcdError.InvalidArgument,
                    $"Skill '{skill}' has proficiency {level}; it must be {AgentProfile.MinProficiency}-{AgentProfile.MaxProficiency}.");
            }
        }

        if (profile.Queues.Any(string.IsNullOrWhiteSpace))
        {
            return Result.Fail(AcdError.InvalidArgument, "Queue ids must not be empty.");
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Offer of call {CallId} failed and the call cannot be asked ({Reason}); the reservation's lease frees the agent")]
    private partial void LogOfferUnknown(string callId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId} refused the offer: {Reason}")]
    private partial void LogOfferRefused(string callId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reservation for call {CallId} expired without an answer or release; agent freed")]
    private partial void LogLeaseExpired(string? callId);
}

using System.Collections.Immutable;
using Acd.Agents;
using Acd.Calls;
using Acd.Catalog;
using Acd.Common;
using Acd.Events;
using Acd.Grains.Hosting;
using Acd.Grains.Infrastructure;
using Acd.Queues;
using Microsoft.Extensions.Logging;

namespace Acd.Grains.Agents;

public sealed partial class AgentGrain : AcdGrain<AgentState>, IAgentGrain
{
    /// <summary>How much longer than the ring timeout a reservation lives, so the call's own RONA timer normally ends it first.</summary>
    public static readonly TimeSpan LeaseGrace = TimeSpan.FromSeconds(5);

    /// <summary>How long an outbound call may ring before the agent's reservation lapses.</summary>
    public static readonly TimeSpan OutboundLease = TimeSpan.FromMinutes(2);

    private readonly ILogger<AgentGrain> _logger;
    private IGrainTimer? _leaseTimer;
    private IGrainTimer? _wrapUpTimer;
    private IGrainTimer? _deviceTimer;

    /// <summary>Set while the agent is claiming a call from a queue, so no other queue reserves it meanwhile.</summary>
    private bool _claiming;

    public AgentGrain(
        [PersistentState("agent", AcdStorage.GrainState)] IPersistentState<AgentState> state,
        TimeProvider time,
        IReportingSink reporting,
        RoutingMetrics metrics,
        ILogger<AgentGrain> logger)
        : base(state, time, reporting, metrics, logger)
    {
        _logger = logger;
    }

    private string AgentId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Status == AgentStatus.Reserved && S.LeaseExpiresAt is { } lease)
        {
            ArmLeaseTimer(lease);
        }

        if (S.Status == AgentStatus.WrapUp && S.WrapUpEndsAt is { } wrapUpEnd)
        {
            ArmWrapUpTimer(wrapUpEnd);
        }

        ArmDeviceTimer();
        Metrics.AgentActivated(S.Status);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Metrics.AgentDeactivated(S.Status);
        return Task.CompletedTask;
    }

    // ---- profile ------------------------------------------------------------------------------

    public async Task<Result> ConfigureAsync(AgentProfile profile)
    {
        if (ValidateProfile(profile) is { } invalid)
        {
            return invalid;
        }

        var previousQueues = S.Profile?.Queues ?? [];
        var isNew = S.Profile is null;
        S.Profile = profile with { Queues = [.. profile.Queues.Distinct(StringComparer.Ordinal)] };
        if (isNew)
        {
            S.StateSince = Now;
            S.IdleSince = Now;
        }

        var dropped = previousQueues.Except(S.Profile.Queues, StringComparer.Ordinal).ToList();
        await Task.WhenAll(
            Writer.WriteAsync(),
            GrainFactory.GetGrain<ICatalogGrain>(CatalogKeys.Default).AddAgentAsync(AgentId, S.Profile.Extension),
            Task.WhenAll(dropped.Select(q => GrainFactory.GetGrain<IQueueGrain>(q).RemoveMemberAsync(AgentId))),
            NotifyQueuesAsync());
        PublishChange(null);
        return Result.Ok;
    }

    public async Task<Result> DeleteAsync()
    {
        if (S.Profile is null)
        {
            return Result.Fail(AcdError.NotFound, $"Agent '{AgentId}' does not exist.");
        }

        if (S.Status != AgentStatus.LoggedOut)
        {
            return Result.Fail(AcdError.IllegalTransition, $"Agent '{AgentId}' is {S.Status}; log out before deleting.");
        }

        var queues = S.Profile.Queues;
        await Task.WhenAll(
            GrainFactory.GetGrain<ICatalogGrain>(CatalogKeys.Default).RemoveAgentAsync(AgentId),
            Task.WhenAll(queues.Select(q => GrainFactory.GetGrain<IQueueGrain>(q).RemoveMemberAsync(AgentId))));
        S.Profile = null;
        S.Devices.Clear();
        PublishChange(null);
        await Writer.ClearAsync();
        DeactivateOnIdle();
        return Result.Ok;
    }

    public Task<AgentSnapshot> GetAsync() => Task.FromResult(Snapshot());

    public Task<ImmutableArray<AgentStateChange>> GetHistoryAsync() => Task.FromResult(S.History.ToImmutableArray());

    // ---- agent commands -----------------------------------------------------------------------

    public async Task<Result> LoginAsync()
    {
        if (NotConfigured() is { } missing)
        {
            return missing;
        }

        if (S.Status != AgentStatus.LoggedOut)
        {
            return Illegal("log in", "already logged in");
        }

        Transition(AgentStatus.NotReady, ReasonCodes.Login, callId: null);
        await SaveAndNotifyAsync();
        return Result.Ok;
    }

    public async Task<Result> LogoutAsync()
    {
        if (NotConfigured() is { } missing)
        {
            return missing;
        }

        switch (S.Status)
        {
            case AgentStatus.LoggedOut:
                return Illegal("log out", "not logged in");
            case AgentStatus.Ready or AgentStatus.NotReady:
                Transition(AgentStatus.LoggedOut, null, null);
                break;
            default:
                // Mid-call: finish the call (and wrap-up) first, then log out.
                S.PendingLogout = true;
                PublishChange(null);
                break;
        }

        await SaveAndNotifyAsync();
        return Result.Ok;
    }

    public async Task<Result> SetReadyAsync()
    {
        if (NotConfigured() is { } missing)
        {
            return missing;
        }

        switch (S.Status)
        {
            case AgentStatus.Ready:
                return Result.Ok;
            case AgentStatus.NotReady:
                Transition(AgentStatus.Ready, null, null);
                await SaveAndNotifyAsync();
                await FindWorkCoreAsync();
                return Result.Ok;
            case AgentStatus.WrapUp:
                S.PendingReasonCode = null;
                S.PendingLogout = false;
                await FinishWrapUpAsync();
                return Result.Ok;
            case AgentStatus.Reserved or AgentStatus.OnCall when S.PendingReasonCode is not null || S.PendingLogout:
                // Cancels a Not Ready/logout the agent asked for earlier in this call.
                S.PendingReasonCode = null;
                S.PendingLogout = false;
                PublishChange(null);
                await Writer.WriteAsync();
                return Result.Ok;
            default:
                return Illegal("go Ready", S.Status == AgentStatus.LoggedOut ? "not logged in" : "on a call");
        }
    }

    public async Task<Result> SetBusyElsewhereAsync(bool busy)
    {
        if (NotConfigured() is { } missing)
        {
            return missing;
        }

        if (busy && S.Status == AgentStatus.Ready)
        {
            Transition(AgentStatus.NotReady, ReasonCodes.BusyElsewhere, null);
            await SaveAndNotifyAsync();
        }
        else if (!busy && S.Status == AgentStatus.NotReady && S.ReasonCode == ReasonCodes.BusyElsewhere)
        {
            Transition(AgentStatus.Ready, null, null);
            await SaveAndNotifyAsync();
            await FindWorkCoreAsync();
        }

        return Result.Ok;
    }

    public async Task<Result> SetNotReadyAsync(string reasonCode)
    {
        if (NotConfigured() is { } missing)
        {
            return missing;
        }

        var reason = reasonCode?.Trim() ?? string.Empty;
        var known = await GrainFactory.GetGrain<ICatalogGrain>(CatalogKeys.Default).GetReasonCodesAsync();
        if (!known.Contains(reason, StringComparer.OrdinalIgnoreCase))
        {
            return Result.Fail(AcdError.InvalidArgument, $"Unknown reason code '{reason}'. Known: {string.Join(", ", known)}.");
        }

        reason = known.First(k => string.Equals(k, reason, StringComparison.OrdinalIgnoreCase));
        switch (S.Status)
        {
            case AgentStatus.LoggedOut:
                return Illegal("go Not Ready", "not logged in");
            case AgentStatus.NotReady when S.ReasonCode == reason:
                return Result.Ok;
            case AgentStatus.Ready or AgentStatus.NotReady:
                Transition(AgentStatus.NotReady, reason, null);
                break;
            default:
                // During a call the request waits for the call and wrap-up to end.
                S.PendingReasonCode = reason;
                PublishChange(null);
                break;
        }

        await SaveAndNotifyAsync();
        return Result.Ok;
    }

    public async Task<Result> EndWrapUpAsync()
    {
        if (NotConfigured() is { } missing)
        {
            return missing;
        }

        if (S.Status != AgentStatus.WrapUp)
        {
            return Illegal("end wrap-up", $"not in wrap-up ({S.Status})");
        }

        await FinishWrapUpAsync();
        return Result.Ok;
    }

    // ---- the reservation lease (called by queues and calls) -----------------------------------

    public async Task<Result<AgentReservation>> TryReserveAsync(string callId, TimeSpan lease, string? byQueueId = null)
    {
        if (NotConfigured() is { } missing)
        {
            return missing;
        }

        if (S.Status != AgentStatus.Ready || _claiming)
        {
            return Result.Fail(AcdError.Busy, $"Agent '{AgentId}' is {S.Status}.");
        }

        Reserve(callId, lease, outbound: false);
        // The reserving queue marked the agent busy itself: telling it again would be a round trip back into it.
        await Task.WhenAll(Writer.WriteAsync(), NotifyQueuesAsync(except: byQueueId));
        return Result<AgentReservation>.Ok(Reservation());
    }

    public async Task<Result<AgentReservation>> ReserveForOutboundAsync(string callId)
    {
        if (NotConfigured() is { } missing)
        {
            return missing;
        }

        if (S.Status is not (AgentStatus.Ready or AgentStatus.NotReady) || _claiming)
        {
            return Result.Fail(AcdError.Busy, $"Agent '{AgentId}' is {S.Status}.");
        }

        return await ReserveKeepingStateAsync(callId, OutboundLease, outbound: true);
    }

    public async Task<Result> ReleaseReservationAsync(string callId, ReservationRelease reason)
    {
        if (S.Status != AgentStatus.Reserved || S.CallId != callId)
        {
            return Result.Fail(AcdError.Conflict, $"Agent '{AgentId}' holds no reservation for call '{callId}'.");
        }

        switch (reason)
        {
            case ReservationRelease.NoAnswer:
                EnterNotReadyOrLogout(ReasonCodes.NoAnswer);
                break;
            case ReservationRelease.Rejected:
                EnterNotReadyOrLogout(ReasonCodes.Rejected);
                break;
            default:
                AfterCall();
                break;
        }

        await SaveAndNotifyAsync();
        ScheduleFindWork();
        return Result.Ok;
    }

    public async Task<Result> ConnectAsync(string callId)
    {
        if (S.Status == AgentStatus.OnCall && S.CallId == callId)
        {
            return Result.Ok;
        }

        if (S.Status != AgentStatus.Reserved || S.CallId != callId)
        {
            return Illegal("connect", $"no reservation for call '{callId}' ({S.Status})");
        }

        StopTimer(ref _leaseTimer);
        S.LeaseExpiresAt = null;
        S.CallConnected = true;
        Transition(AgentStatus.OnCall, null, callId);
        await SaveAndNotifyAsync();
        return Result.Ok;
    }

    public async Task<Result> SetHeldAsync(string callId, bool held)
    {
        if (S.Status != AgentStatus.OnCall || S.CallId != callId)
        {
            return Illegal(held ? "hold" : "resume", $"not on call '{callId}'");
        }

        if (S.OnHold != held)
        {
            S.OnHold = held;
            PublishChange(null);
            await Writer.WriteAsync();
        }

        return Result.Ok;
    }

    public async Task<Result> MoveCallAsync(string fromCallId, string toCallId)
    {
        if (S.Status != AgentStatus.OnCall || S.CallId != fromCallId)
        {
            return Illegal("move to another call", $"not on call '{fromCallId}' ({S.Status})");
        }

        // Still talking to someone: the state and its time stay, only the call it belongs to changes.
        S.CallId = toCallId;
        S.OnHold = false;
        PublishChange(null);
        await SaveAndNotifyAsync();
        return Result.Ok;
    }

    public async Task<Result> EndCallAsync(string callId, TimeSpan wrapUp)
    {
        if (S.CallId != callId || S.Status is not (AgentStatus.OnCall or AgentStatus.Reserved or AgentStatus.WrapUp))
        {
            return Result.Fail(AcdError.Conflict, $"Agent '{AgentId}' is not on call '{callId}'.");
        }

        switch (S.Status)
        {
            case AgentStatus.WrapUp:
                return Result.Ok;
            case AgentStatus.Reserved:
                // The call ended before it was answered.
                StopTimer(ref _leaseTimer);
                AfterCall();
                break;
            case AgentStatus.OnCall when wrapUp > TimeSpan.Zero:
                S.CallsHandled++;
                S.OnHold = false;
                var endsAt = Now + wrapUp;
                S.WrapUpEndsAt = endsAt;
                Transition(AgentStatus.WrapUp, null, callId);
                ArmWrapUpTimer(endsAt);
                break;
            default:
                S.CallsHandled++;
                AfterCall();
                break;
        }

        await SaveAndNotifyAsync();
        ScheduleFindWork();
        return Result.Ok;
    }

    public Task FindWorkAsync() => FindWorkCoreAsync();

    public Task<QueueMember?> GetQueueMemberAsync(string queueId) =>
        Task.FromResult(S.Profile is { } profile && !profile.Queues.IsDefault && profile.Queues.Contains(queueId) ? Member(profile) : null);

    // ---- devices ------------------------------------------------------------------------------

    public async Task<Result> RegisterDeviceAsync(DeviceBinding binding)
    {
        if (NotConfigured() is { } missing)
        {
            return missing;
        }

        if (string.IsNullOrWhiteSpace(binding.Contact))
        {
            return Result.Fail(AcdError.InvalidArgument, "A device binding needs a contact.");
        }

        S.Devices.RemoveAll(d => d.Contact == binding.Contact);
        if (binding.ExpiresAt > Now)
        {
            S.Devices.Add(binding);
        }

        await DevicesChangedAsync();
        return Result.Ok;
    }

    public async Task<Result> UnregisterDeviceAsync(string contact)
    {
        if (S.Devices.RemoveAll(d => d.Contact == contact) > 0)
        {
            await DevicesChangedAsync();
        }

        return Result.Ok;
    }

}

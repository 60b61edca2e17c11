using Acd.Agents;
using Acd.Calls;
using Acd.Common;
using Acd.Events;
using Acd.Grains.Agents;
using Acd.Grains.Hosting;
using Acd.Grains.Infrastructure;
using Acd.Queues;
using Microsoft.Extensions.Logging;

namespace Acd.Grains.Calls;

public sealed partial class CallGrain : AcdGrain<CallState>, ICallGrain
{
    /// <summary>How long an outbound call may ring at the far end before it counts as not answered.</summary>
    public static readonly TimeSpan OutboundRingTimeout = TimeSpan.FromSeconds(60);

    private readonly ILogger<CallGrain> _logger;
    private IGrainTimer? _ringTimer;
    private IGrainTimer? _maxWaitTimer;
    private long _commandEpoch = DateTime.UtcNow.Ticks;
    private int _commandNumber;

    public CallGrain(
        [PersistentState("call", AcdStorage.GrainState)] IPersistentState<CallState> state,
        TimeProvider time,
        IReportingSink reporting,
        RoutingMetrics metrics,
        ILogger<CallGrain> logger)
        : base(state, time, reporting, metrics, logger)
    {
        _logger = logger;
    }

    private string CallId => this.GetPrimaryKeyString();

    private bool IsOutbound => S.Info?.Direction == CallDirection.Outbound;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Status == CallStatus.Offered && S.OfferExpiresAt is { } ringEnd)
        {
            ArmRingTimer(ringEnd);
        }

        if (S.Status == CallStatus.Transferring && S.ConsultRingEndsAt is { } consultEnd)
        {
            ArmRingTimer(consultEnd);
        }

        if (S.Status == CallStatus.Queued)
        {
            ArmMaxWaitTimer();
        }

        // A failover starts a new epoch of commands: the edge orders this activation's after the last one's.
        _commandEpoch = DateTime.UtcNow.Ticks;
        return Task.CompletedTask;
    }

    // ---- start --------------------------------------------------------------------------------

    public async Task<Result<CallSnapshot>> StartInboundAsync(CallInfo info)
    {
        if (S.Info is not null)
        {
            // A repeated start: the SIP edge retries when a silo failure lost the answer, possibly before the queue had
            // stored the call. Entering the queue again is idempotent and keeps the caller's original place.
            if (S.Status is CallStatus.Arrived or CallStatus.Queued && S.Info.Direction != CallDirection.Outbound
                && S.Info.QueueId == info.QueueId && S.Info.Ani == info.Ani && info.QueueId is { } queueId)
            {
                var again = await EnterQueueAsync(queueId, S.JoinedAt ?? Now, newQueue: S.EnteredQueueAt is null);
                return again.IsSuccess ? Result<CallSnapshot>.Ok(Snapshot()) : again;
            }

            return Result.Fail(AcdError.Conflict, $"Call '{CallId}' has already started.");
        }

        if (string.IsNullOrWhiteSpace(info.QueueId))
        {
            return Result.Fail(AcdError.InvalidArgument, "An inbound call needs a queue.");
        }

        if (info.Direction is CallDirection.Outbound or CallDirection.Internal)
        {
            return Result.Fail(AcdError.InvalidArgument, "Use StartOutbound for outbound calls, StartInternal for internal ones.");
        }

        S.Info = info;
        S.ArrivedAt = Now;
        Publish(CallStatus.Arrived);
        var entered = await EnterQueueAsync(info.QueueId, Now, newQueue: true);
        if (!entered.IsSuccess)
        {
            await EndAsync(CallDisposition.Failed, entered.Message);
            return entered;
        }

        return Result<CallSnapshot>.Ok(Snapshot());
    }

    public async Task<Result<CallSnapshot>> StartOutboundAsync(string agentId, CallInfo info)
    {
        if (S.Info is not null)
        {
            return Result.Fail(AcdError.Conflict, $"Call '{CallId}' has already started.");
        }

        if (string.IsNullOrWhiteSpace(info.Dnis))
        {
            return Result.Fail(AcdError.InvalidArgument, "An outbound call needs a destination.");
        }

        var reserved = await Agent(agentId).ReserveForOutboundAsync(CallId);
        if (!reserved.IsSuccess)
        {
            return Result.Fail(reserved.Error, reserved.Message ?? "The agent cannot place a call now.");
        }

        S.Info = info with { Direction = CallDirection.Outbound };
        S.ArrivedAt = Now;
        S.AgentId = agentId;
        S.FirstAgentId = agentId;
        S.OfferedAt = Now;
        S.OfferCount = 1;
        S.OfferExpiresAt = Now + OutboundRingTimeout;
        var previous = S.Status;
        S.Status = CallStatus.Offered;
        Publish(previous);
        var devices = reserved.Value!.Devices;
        S.OfferRing = ToEdge((edge, seq) => edge.PlaceOutboundAsync(new PlaceOutbound(CallId, seq, agentId, info.Dnis, OutboundRingTimeout, devices)));
        ArmRingTimer(S.OfferExpiresAt.Value);
        await Writer.WriteAsync();
        return Result<CallSnapshot>.Ok(Snapshot());
    }

    public Task<CallSnapshot> GetAsync() => Task.FromResult(Snapshot());

    public Task AttachEdgeAsync(ICallEdgeObserver edge)
    {
        // Stored with the call's next write (StartInbound at the latest: the edge attaches before starting the call).
        S.Edge = edge;
        return Task.CompletedTask;
    }

    // ---- offer / answer -----------------------------------------------------------------------

    public async Task<Result> OfferAsync(AgentReservation agent, TimeSpan ringTimeout)
    {
        if (S.Status != CallStatus.Queued)
        {
            return Result.Fail(AcdError.Conflict, $"Call '{CallId}' is {S.Status}, not waiting.");
        }

        ApplyOffer(agent, ringTimeout);
        await Writer.WriteAsync();
        return Result.Ok;
    }

    public async Task<Result> AnswerAsync(string agentId, CommandSequence? ring = null)
    {
        if (S.Status is CallStatus.Connected or CallStatus.Held && S.AgentId == agentId)
        {
            return Result.Ok;
        }

        if (S.Status == CallStatus.Transferring && S.ConsultAgentId == agentId && (ring is null || ring == S.ConsultRing))
        {
            // The consulted agent picked up: it is on the call now, the transfer completes later.
            var consulting = await Agent(agentId).ConnectAsync(CallId);
            if (consulting.IsSuccess)
            {
                StopTimer(ref _ringTimer);
                S.ConsultRingEndsAt = null;
                S.ConsultAnswered = true;
                await Writer.WriteAsync();
            }

            return consulting;
        }

        if (S.Status != CallStatus.Offered || S.AgentId != agentId || (ring is not null && ring != S.OfferRing))
        {
            return Illegal("be answered", $"it is not offered to agent '{agentId}'{(ring is not null ? $" (ring {ring})" : "")}");
        }

        if (IsInternal)
        {
            return await AnswerInternalAsync(agentId);
        }

        var connected = await Agent(agentId).ConnectAsync(CallId);
        if (!connected.IsSuccess)
        {
            return connected;
        }

        await MarkAnsweredAsync();
        await Writer.WriteAsync();
        return Result.Ok;
    }

    public async Task<Result> RejectAsync(string agentId, CommandSequence? ring = null, OfferFailure failure = OfferFailure.Declined)
    {
        if (S.Status != CallStatus.Offered || S.AgentId != agentId || (ring is not null && ring != S.OfferRing))
        {
            return Illegal("be rejected", $"it is not offered to agent '{agentId}'{(ring is not null ? $" (ring {ring})" : "")}");
        }

        await RingEndedAsync(failure switch
        {
            OfferFailure.Unreachable => ReservationRelease.Unreachable,
            OfferFailure.NoAnswer => ReservationRelease.NoAnswer,
            _ => ReservationRelease.Rejected,
        });
        return Result.Ok;
    }

    // ---- in call ------------------------------------------------------------------------------

    public async Task<Result> HoldAsync()
    {
        if (S.Status == CallStatus.Held)
        {
            return Result.Ok;
        }

        if (S.Status != CallStatus.Connected || S.AgentId is not { } agentId)
        {
            return Illegal("be held", "it is not connected");
        }

        var held = await Agent(agentId).SetHeldAsync(CallId, true);
        if (!held.IsSuccess)
        {
            return held;
        }

        if (CallerAgentId is { } caller)
        {
            await Agent(caller).SetHeldAsync(CallId, true);
        }

        S.HeldSince = Now;
        SetStatus(CallStatus.Held);
        ToEdge((edge, seq) => edge.HoldAsync(new HoldCall(CallId, seq)));
        await Writer.WriteAsync();
        return Result.Ok;
    }

    public async Task<Result> UnholdAsync()
    {
        if (S.Status == CallStatus.Connected)
        {
            return Result.Ok;
        }

        if (S.Status != CallStatus.Held || S.AgentId is not { } agentId)
        {
            return Illegal("be resumed", "it is not on hold");
        }

        var resumed = await Agent(agentId).SetHeldAsync(CallId, false);
        if (!resumed.IsSuccess)
        {
            return resumed;
        }

        if (CallerAgentId is { } caller)
        {
            await Agent(caller).SetHeldAsync(CallId, false);
        }

        CloseHold();
        SetStatus(CallStatus.Connected);
        ToEdge((edge, seq) => edge.ResumeAsync(new ResumeCall(CallId, seq)));
        await Writer.WriteAsync();
        return Result.Ok;
    }

    public async Task<Result> SendDtmfAsync(string digits)
    {
        if (S.Status is not (CallStatus.Connected or CallStatus.Held or CallStatus.Transferring))
        {
            return Illegal("send DTMF", "it is not connected");
        }

        if (!DtmfDigits.IsValid(digits))
        {
            return Result.Fail(AcdError.InvalidArgument, $"DTMF digits must be {DtmfDigits.Rule}.");
        }

        var normalized = DtmfDigits.Normalize(digits);
        ToEdge((edge, seq) => edge.SendDtmfAsync(new SendDtmf(CallId, seq, normalized)));
        await Task.CompletedTask;
        return Result.Ok;
    }

    public Task ReportDigitAsync(char digit, bool fromCustomer)
    {
        if (S.Info is null || S.Status == CallStatus.Ended || !DtmfDigits.IsDigit(digit))
        {
            return Task.CompletedTask;
        }

        digit = char.ToUpperInvariant(digit);
        if (fromCustomer)
        {
            // Not written at once: digits matter while the call lives, and a keypad press must not cost a storage write.
            var kept = S.ReceivedDigits + digit;
            S.ReceivedDigits = kept.Length > DtmfDigits.Kept ? kept[^DtmfDigits.Kept..] : kept;
        }

        Publish(new CallDigitReceived(Now, CallId, S.AgentId, digit, fromCustomer));
        return Task.CompletedTask;
    }

    public Task<string> GetDigitsAsync() => Task.FromResult(S.ReceivedDigits);

    public async Task<Result> SetCustomerAsync(CustomerSnapshot customer)
    {
        if (S.Info is null)
        {
            return Result.Fail(AcdError.NotFound, $"Call '{CallId}' does not exist.");
        }

        S.Info = S.Info with { Customer = customer };
        Publish(S.Status);
        await Writer.WriteAsync();
        return Result.Ok;
    }

    // ---- ending -------------------------------------------------------------------------------

    public async Task<Result> HangupAsync(HangupSide side, string? reason = null)
    {
        if (S.Info is null)
        {
            return Result.Fail(AcdError.NotFound, $"Call '{CallId}' does not exist.");
        }

        if (S.Status == CallStatus.Ended)
        {
            return Result.Ok;
        }

        if (S.Status == CallStatus.Offered && side == HangupSide.Agent && !IsOutbound && !IsInternal)
        {
            // An agent hanging up a ringing offer declines it; the caller stays in line. (Either agent of an internal call
            // hanging up ends it.)
            await RingEndedAsync(ReservationRelease.Rejected);
            return Result.Ok;
        }

        // The system ending a call (its edge stopping) fails it unless it was answered: a conversation cut short is still
        // an answered call in every statistic, with the reason on its record.
        var failed = side == HangupSide.System && S.ConnectedAt is null;
        var disposition = await ReleaseEverythingAsync(failed);
        await EndAsync(failed ? CallDisposition.Failed : disposition, reason ?? $"{side} hung up");
        return Result.Ok;
    }

    public async Task<Result> FailAsync(string reason)
    {
        if (S.Info is null)
        {
            return Result.Fail(AcdError.NotFound, $"Call '{CallId}' does not exist.");
        }

        if (S.Status != CallStatus.Ended)
        {
            await ReleaseEverythingAsync(failed: true);
            await EndAsync(CallDisposition.Failed, reason);
        }

        return Result.Ok;
    }

    private IAgentGrain Agent(string agentId) => GrainFactory.GetGrain<IAgentGrain>(agentId);

    private IQueueGrain Queue(string queueId) => GrainFactory.GetGrain<IQueueGrain>(queueId);
}

using Acd.Agents;
using Acd.Calls;
using Acd.Common;
using Acd.Events;
using Acd.Grains.Agents;
using Acd.Queues;
using Microsoft.Extensions.Logging;

namespace Acd.Grains.Calls;

public sealed partial class CallGrain
{
    /// <summary>
    /// Puts the call in line at <paramref name="joinedAt"/> (its original join time on a re-queue) and takes
    /// the agent the queue reserved, if one was Ready.
    /// </summary>
    private async Task<Result> EnterQueueAsync(string queueId, DateTimeOffset joinedAt, bool newQueue)
    {
        var info = S.Info!;
        S.QueueId = queueId;
        S.AgentId = null;
        S.QueuedAt ??= Now;
        S.JoinedAt = joinedAt;
        var requeued = !newQueue && S.EnteredQueueAt is not null;
        if (!requeued)
        {
            S.EnteredQueueAt = Now;
        }

        SetStatus(CallStatus.Queued);
        var outcome = await Queue(queueId).EnqueueAsync(
            new QueuedCall(CallId, info.Priority, joinedAt, info.Ani, RequiresDevice: CallCarriers.RingsRegisteredPhones(info.EdgeId), Requeued: requeued));
        if (!outcome.IsSuccess)
        {
            return Result.Fail(outcome.Error, outcome.Message ?? "The queue refused the call.");
        }

        var config = outcome.Value!.Config;
        S.RingTimeoutSeconds = config.RingTimeoutSeconds;
        S.WrapUpSeconds = config.WrapUpSeconds;
        S.MaxWaitSeconds = config.MaxWaitSeconds;
        S.OverflowQueueId = config.OverflowQueueId;
        if (outcome.Value.Offered is { } agent)
        {
            ApplyOffer(agent, config.RingTimeout);
        }
        else
        {
            ArmMaxWaitTimer();
        }

        await Writer.WriteAsync();
        return Result.Ok;
    }

    private void ApplyOffer(AgentReservation agent, TimeSpan ringTimeout)
    {
        StopTimer(ref _maxWaitTimer);
        var agentId = agent.AgentId;
        S.AgentId = agentId;
        S.FirstAgentId ??= agentId;
        S.OfferedAt = Now;
        S.OfferCount++;
        S.OfferExpiresAt = Now + ringTimeout;
        SetStatus(CallStatus.Offered);
        S.OfferRing = ToEdge((edge, seq) => edge.RingAgentAsync(new RingAgent(CallId, seq, agentId, ringTimeout, agent.Devices)));
        ArmRingTimer(S.OfferExpiresAt.Value);
    }

    /// <summary>The offer ended unanswered (RONA or reject): free the agent, stop its phone, and get back in line.</summary>
    private async Task RingEndedAsync(ReservationRelease why)
    {
        if (IsInternal)
        {
            await EndUnansweredInternalAsync(why);
            return;
        }

        StopTimer(ref _ringTimer);
        var agentId = S.AgentId!;
        S.OfferExpiresAt = null;
        // An unanswered outbound call is the far end's doing, not the agent's: no Not Ready for it.
        await Agent(agentId).ReleaseReservationAsync(CallId, IsOutbound ? ReservationRelease.CallGone : why);
        CancelRing(agentId, S.OfferRing, why switch
        {
            ReservationRelease.NoAnswer => CancelReason.NoAnswer,
            ReservationRelease.Unreachable => CancelReason.Unreachable,
            ReservationRelease.Rejected => CancelReason.Rejected,
            _ => CancelReason.CallerGone,
        });
        if (S.ParkedSlot is not null)
        {
            // Nobody took the call out of its slot: it stays parked.
            S.AgentId = null;
            SetStatus(CallStatus.Parked);
            await Writer.WriteAsync();
            return;
        }

        if (IsOutbound || S.QueueId is null)
        {
            await EndAsync(CallDisposition.NotAnswered, why switch
            {
                ReservationRelease.NoAnswer => "no answer",
                ReservationRelease.Unreachable => "phone unreachable",
                _ => "declined",
            });
            return;
        }

        LogRequeued(agentId, why);
        var requeued = await EnterQueueAsync(S.QueueId, S.JoinedAt ?? Now, newQueue: false);
        if (!requeued.IsSuccess)
        {
            await EndAsync(CallDisposition.Failed, requeued.Message);
        }
    }

    /// <summary>Frees whatever the call holds (queue place, agent reservation, agent) and says how it ended.</summary>
    private async Task<CallDisposition> ReleaseEverythingAsync(bool failed)
    {
        StopTimer(ref _ringTimer);
        StopTimer(ref _maxWaitTimer);
        if (IsInternal)
        {
            return await ReleaseInternalAsync();
        }

        switch (S.Status)
        {
            case CallStatus.Arrived:
                return CallDisposition.Abandoned;
            case CallStatus.Queued:
                if (S.QueueId is { } queueId)
                {
                    await Queue(queueId).RemoveAsync(CallId);
                    await RecordQueueOutcomeAsync(failed ? CallOutcomeKind.Failed : CallOutcomeKind.Abandoned);
                }

                return CallDisposition.Abandoned;
            case CallStatus.Parked:
                await LeaveParkingAsync();
                return CallDisposition.Answered;
            case CallStatus.Offered:
                await Agent(S.AgentId!).ReleaseReservationAsync(CallId, ReservationRelease.CallGone);
                CancelRing(S.AgentId!, S.OfferRing, CancelReason.CallerGone);
                if (S.ParkedSlot is not null)
                {
                    await LeaveParkingAsync();
                    return CallDisposition.Answered;
                }

                if (IsOutbound)
                {
                    return CallDisposition.NotAnswered;
                }

                await RecordQueueOutcomeAsync(failed ? CallOutcomeKind.Failed : CallOutcomeKind.Abandoned);
                return CallDisposition.Abandoned;
            default:
                CloseHold();
                if (S.ConsultAgentId is { } consult)
                {
                    await FreeConsultAgentAsync(consult);
                    ClearConsultation();
                }

                if (S.AgentId is { } agentId)
                {
                    await Agent(agentId).EndCallAsync(CallId, TimeSpan.FromSeconds(S.WrapUpSeconds));
                }

                return CallDisposition.Answered;
        }
    }

    private async Task EndAsync(CallDisposition disposition, string? reason)
    {
        StopTimer(ref _ringTimer);
        StopTimer(ref _maxWaitTimer);
        S.Disposition = disposition;
        S.EndReason = reason;
        S.EndedAt = Now;
        S.OfferExpiresAt = null;
        S.PendingTransfer = null;
        SetStatus(CallStatus.Ended);
        ToEdge((edge, seq) => edge.HangUpAsync(new HangUpCall(CallId, seq, disposition)));
        await Writer.WriteAsync();
    }

    private Task RecordQueueOutcomeAsync(CallOutcomeKind kind) =>
        S.QueueId is { } queueId && !IsOutbound
            ? Queue(queueId).RecordOutcomeAsync(new CallOutcome(CallId, kind, WaitInQueue(), Now))
            : Task.CompletedTask;

    private TimeSpan WaitInQueue() => Now - (S.EnteredQueueAt ?? S.ArrivedAt ?? Now);

    // ---- timers -------------------------------------------------------------------------------

    private void ArmRingTimer(DateTimeOffset at)
    {
        StartTimerAt(ref _ringTimer, OnRingTimeoutAsync, at);
    }

    private async Task OnRingTimeoutAsync(CancellationToken cancellationToken)
    {
        StopTimer(ref _ringTimer);
        if (S.Status == CallStatus.Offered && S.OfferExpiresAt is { } end && end <= Now)
        {
            await RingEndedAsync(ReservationRelease.NoAnswer);
        }
        else if (S.Status == CallStatus.Transferring && S.ConsultRingEndsAt is { } consultEnd && consultEnd <= Now)
        {
            // Nobody picked up the consultation: the caller stays with the transferring agent.
            LogConsultationNotAnswered(S.ConsultAgentId);
            await EndConsultationAsync(CancelReason.NoAnswer);
        }
    }

    private void ArmMaxWaitTimer()
    {
        StopTimer(ref _maxWaitTimer);
        if (S.MaxWaitSeconds > 0 && S.EnteredQueueAt is { } entered)
        {
            StartTimerAt(ref _maxWaitTimer, OnMaxWaitAsync, entered + TimeSpan.FromSeconds(S.MaxWaitSeconds));
        }
    }

    /// <summary>Max wait reached: move to the overflow queue, or end the call if the queue has none.</summary>
    private async Task OnMaxWaitAsync(CancellationToken cancellationToken)
    {
        StopTimer(ref _maxWaitTimer);
        if (S.Status != CallStatus.Queued || S.QueueId is not { } queueId)
        {
            return;
        }

        if (!await Queue(queueId).RemoveAsync(CallId))
        {
            // An agent claimed the call in the meantime; its offer is on the way.
            return;
        }

        await RecordQueueOutcomeAsync(CallOutcomeKind.Overflowed);
        if (S.OverflowQueueId is { } overflow && overflow != queueId)
        {
            LogOverflow(queueId, overflow);
            S.OverflowedFrom = queueId;
            var moved = await EnterQueueAsync(overflow, S.JoinedAt ?? Now, newQueue: true);
            if (moved.IsSuccess)
            {
                return;
            }

            await EndAsync(CallDisposition.Failed, $"overflow to '{overflow}' failed: {moved.Message}");
            return;
        }

        await EndAsync(CallDisposition.Overflowed, "max wait reached");
    }

    // ---- state and events ---------------------------------------------------------------------

    private void CloseHold()
    {
        if (S.HeldSince is { } since)
        {
            S.TotalHold += Now - since;
            S.HeldSince = null;
        }
    }

    private void SetStatus(CallStatus status)
    {
        var previous = S.Status;
        S.Status = status;
        Publish(previous);
    }

    private void Publish(CallStatus previous) => Publish(new CallChanged(Now, Snapshot(), previous));

    /// <summary>
    /// Tells the edge carrying the legs what to do, numbered in the order decided (one-way: a dead edge never holds the
    /// grain up; a CTI-only call has no edge and its integration follows the state changes instead).
    /// </summary>
    private CommandSequence ToEdge(Func<ICallEdgeObserver, CommandSequence, Task> send)
    {
        var sequence = new CommandSequence(_commandEpoch, ++_commandNumber);
        if (S.Edge is { } edge)
        {
            SendToEdgeAsync(send, edge, sequence).Ignore();
        }

        return sequence;
    }

    /// <summary>
    /// Delivers one command, again after a short pause when the runtime could not (a silo shutting down lost a ring that
    /// way, and the caller waited out the reservation while later callers were served). The same sequence is sent, so
    /// the edge takes it once; one that comes after a later command has been applied is dropped there.
    /// </summary>
    private async Task SendToEdgeAsync(Func<ICallEdgeObserver, CommandSequence, Task> send, ICallEdgeObserver edge, CommandSequence sequence)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await send(edge, sequence);
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                if (attempt == EdgeSendAttempts || S.Status == CallStatus.Ended)
                {
                    LogEdgeCommandLost(sequence.ToString(), attempt, ex.Message);
                    return;
                }

                LogEdgeCommandRetried(sequence.ToString(), attempt, ex.Message);
                await Task.Delay(EdgeSendRetryDelay, Time);
            }
        }
    }

    private const int EdgeSendAttempts = 3;
    private static readonly TimeSpan EdgeSendRetryDelay = TimeSpan.FromMilliseconds(200);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Edge command {Sequence} not delivered (attempt {Attempt}: {Error}); sending it again")]
    private partial void LogEdgeCommandRetried(string sequence, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Edge command {Sequence} lost after {Attempts} attempts: {Error}")]
    private partial void LogEdgeCommandLost(string sequence, int attempts, string error);

    private void CancelRing(string agentId, CommandSequence? ring, CancelReason reason) =>
        ToEdge((edge, seq) => edge.CancelAgentAsync(new CancelAgent(CallId, seq, agentId, ring ?? seq, reason)));

    private void DropFromEdge(string agentId, DropReason reason) =>
        ToEdge((edge, seq) => edge.DropAgentAsync(new DropAgent(CallId, seq, agentId, reason)));

    private CallSnapshot Snapshot() => new(
        CallId, S.Info, S.Status, S.Disposition, S.QueueId, S.AgentId, S.ArrivedAt, S.QueuedAt, S.JoinedAt,
        S.OfferedAt, S.ConnectedAt, S.EndedAt, S.HeldSince, S.TotalHold, S.OfferCount, S.OverflowedFrom,
        S.PendingTransfer, S.EndReason, S.OfferExpiresAt, S.FirstAgentId, S.ParkedSlot);

    private Result Illegal(string action, string why) =>
        Result.Fail(S.Info is null ? AcdError.NotFound : AcdError.IllegalTransition,
            S.Info is null ? $"Call '{CallId}' does not exist." : $"Call '{CallId}' cannot {action}: {why} ({S.Status}).");

    [LoggerMessage(Level = LogLevel.Information, Message = "Offer to agent {AgentId} ended ({Why}); call back in line at its original place")]
    private partial void LogRequeued(string agentId, ReservationRelease why);

    [LoggerMessage(Level = LogLevel.Information, Message = "Consulted agent {AgentId} did not answer; the transfer is off")]
    private partial void LogConsultationNotAnswered(string? agentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Max wait reached in queue {QueueId}; overflowing to {OverflowQueueId}")]
    private partial void LogOverflow(string queueId, string overflowQueueId);
}

using Acd.Agents;
using Acd.Calls;
using Acd.Common;
using Acd.Events;
using Acd.Grains.Agents;

namespace Acd.Grains.Calls;

public sealed partial class CallGrain
{
    public async Task<Result> TransferAsync(TransferTarget target, TransferMode mode)
    {
        if (S.Status is not (CallStatus.Connected or CallStatus.Held) || S.AgentId is not { } agentId)
        {
            return Illegal("be transferred", "it is not connected");
        }

        if (RefuseInternal("transferred") is { IsSuccess: false } refused)
        {
            return refused;
        }

        if (target is null || string.IsNullOrWhiteSpace(target.Value))
        {
            return Result.Fail(AcdError.InvalidArgument, "A transfer needs a target.");
        }

        if (target.Kind == TransferTargetKind.Agent && target.Value == agentId)
        {
            return Result.Fail(AcdError.InvalidArgument, "A call cannot be transferred to the agent already on it.");
        }

        AgentReservation? targetAgent = null;
        if (target.Kind == TransferTargetKind.Agent)
        {
            // Hold the target agent first so a failed transfer changes nothing.
            var reserved = await Agent(target.Value).TryReserveAsync(CallId, RingTimeout() + AgentGrain.LeaseGrace);
            if (!reserved.IsSuccess)
            {
                return Result.Fail(reserved.Error, reserved.Message ?? "The target agent cannot take the call.");
            }

            targetAgent = reserved.Value;
        }

        if (mode == TransferMode.Blind)
        {
            await HandOverAsync(agentId, target, targetAgent);
            return Result.Ok;
        }

        S.StatusBeforeTransfer = S.Status;
        S.PendingTransfer = target;
        S.ConsultAgentId = targetAgent?.AgentId;
        SetStatus(CallStatus.Transferring);
        S.ConsultAnswered = false;
        if (targetAgent is { } consulted)
        {
            // The grain times the consultation ring as it times offers: the edge's own limit is only a safety net.
            var ringTimeout = RingTimeout();
            S.ConsultRingEndsAt = Now + ringTimeout;
            S.ConsultRing = ToEdge((edge, seq) => edge.ConsultAgentAsync(new RingAgent(CallId, seq, consulted.AgentId, ringTimeout, consulted.Devices)));
            ArmRingTimer(S.ConsultRingEndsAt.Value);
        }

        await Writer.WriteAsync();
        return Result.Ok;
    }

    public async Task<Result> CompleteTransferAsync()
    {
        if (S.Status != CallStatus.Transferring || S.PendingTransfer is not { } target || S.AgentId is not { } agentId)
        {
            return Illegal("complete a transfer", "no attended transfer is in progress");
        }

        if (target.Kind == TransferTargetKind.Agent)
        {
            var consult = S.ConsultAgentId!;
            if (!S.ConsultAnswered)
            {
                // Completed while the consulted phone still rings ("semi-attended"): the ring goes on as an offer, so
                // an agent who does not pick up puts the caller back in line instead of hanging it up.
                StopTimer(ref _ringTimer);
                CloseHold();
                await Agent(agentId).EndCallAsync(CallId, TimeSpan.FromSeconds(S.WrapUpSeconds));
                S.AgentId = consult;
                S.OfferedAt = Now;
                S.OfferCount++;
                S.OfferRing = S.ConsultRing;
                S.OfferExpiresAt = S.ConsultRingEndsAt ?? Now;
                ClearConsultation();
                SetStatus(CallStatus.Offered);
                ToEdge((edge, seq) => edge.CompleteConsultationAsync(new CompleteConsultation(CallId, seq, consult, agentId)));
                ArmRingTimer(S.OfferExpiresAt.Value);
                await Writer.WriteAsync();
                return Result.Ok;
            }

            // The consulted agent is already talking: it takes the call without ringing again.
            var connected = await Agent(consult).ConnectAsync(CallId);
            if (!connected.IsSuccess)
            {
                return connected;
            }

            CloseHold();
            await Agent(agentId).EndCallAsync(CallId, TimeSpan.FromSeconds(S.WrapUpSeconds));
            S.AgentId = consult;
            ClearConsultation();
            SetStatus(CallStatus.Connected);
            ToEdge((edge, seq) => edge.CompleteConsultationAsync(new CompleteConsultation(CallId, seq, consult, agentId)));
            await Writer.WriteAsync();
            return Result.Ok;
        }

        S.PendingTransfer = null;
        await HandOverAsync(agentId, target, null);
        return Result.Ok;
    }

    public async Task<Result> TakeOverFromAsync(string consultationCallId)
    {
        if (S.Status is not (CallStatus.Connected or CallStatus.Held) || S.AgentId is not { } agentId)
        {
            return Illegal("be taken over", "it is not connected");
        }

        if (RefuseInternal("taken over") is { IsSuccess: false } refused)
        {
            return refused;
        }

        var consultation = GrainFactory.GetGrain<ICallGrain>(consultationCallId);
        var other = await consultation.GetAsync();
        // An internal consultation has a second agent on it (its caller), which a take-over would leave behind.
        if (consultationCallId == CallId || other.Info?.Direction == CallDirection.Internal
            || other.Status is not (CallStatus.Connected or CallStatus.Held) || other.AgentId is not { } newAgentId
            || newAgentId == agentId)
        {
            return Result.Fail(AcdError.Conflict, $"Call '{consultationCallId}' is not a connected call answered by another agent.");
        }

        // The consulted agent moves first, so ending the consultation no longer concerns it.
        var moved = await Agent(newAgentId).MoveCallAsync(consultationCallId, CallId);
        if (!moved.IsSuccess)
        {
            return moved;
        }

        await consultation.EndReplacedAsync(CallId);
        CloseHold();
        await Agent(agentId).EndCallAsync(CallId, TimeSpan.FromSeconds(S.WrapUpSeconds));
        DropFromEdge(agentId, DropReason.Transferred);
        S.AgentId = newAgentId;
        ClearConsultation();
        SetStatus(CallStatus.Connected);
        await Writer.WriteAsync();
        return Result.Ok;
    }

    public async Task<Result> EndReplacedAsync(string byCallId)
    {
        if (S.Status is not (CallStatus.Connected or CallStatus.Held))
        {
            return Illegal("end as replaced", "it is not connected");
        }

        CloseHold();
        await EndAsync(CallDisposition.Transferred, $"its agent took over call {byCallId}");
        return Result.Ok;
    }

    public async Task<Result> CancelTransferAsync()
    {
        if (S.Status != CallStatus.Transferring)
        {
            return Illegal("cancel a transfer", "no attended transfer is in progress");
        }

        await EndConsultationAsync(CancelReason.TransferCancelled);
        return Result.Ok;
    }

    /// <summary>The attended transfer is off (cancelled, or the consulted agent never answered): back as before it.</summary>
    private async Task EndConsultationAsync(CancelReason reason)
    {
        StopTimer(ref _ringTimer);
        if (S.ConsultAgentId is { } consult)
        {
            await FreeConsultAgentAsync(consult);
            CancelRing(consult, S.ConsultRing, reason);
        }

        ClearConsultation();
        SetStatus(S.StatusBeforeTransfer == CallStatus.Held ? CallStatus.Held : CallStatus.Connected);
        await Writer.WriteAsync();
    }

    private void ClearConsultation()
    {
        S.ConsultAgentId = null;
        S.ConsultRingEndsAt = null;
        S.ConsultAnswered = false;
        S.PendingTransfer = null;
    }

    /// <summary>The current agent leaves the call (into wrap-up) and the call goes where the transfer points.</summary>
    private async Task HandOverAsync(string agentId, TransferTarget target, AgentReservation? targetAgent)
    {
        CloseHold();
        await Agent(agentId).EndCallAsync(CallId, TimeSpan.FromSeconds(S.WrapUpSeconds));
        ClearConsultation();
        if (target.Kind != TransferTargetKind.External)
        {
            // The caller stays in the ACD: only the agent's leg ends. An external transfer hands both over instead.
            DropFromEdge(agentId, DropReason.Transferred);
        }

        switch (target.Kind)
        {
            case TransferTargetKind.Agent:
                S.AgentId = null;
                ApplyOffer(targetAgent ?? new AgentReservation(target.Value, []), RingTimeout());
                await Writer.WriteAsync();
                break;
            case TransferTargetKind.Queue:
                var entered = await EnterQueueAsync(target.Value, Now, newQueue: true);
                if (!entered.IsSuccess)
                {
                    await EndAsync(CallDisposition.Failed, $"transfer to queue '{target.Value}' failed: {entered.Message}");
                }

                break;
            default:
                ToEdge((edge, seq) => edge.TransferOutAsync(new TransferOut(CallId, seq, agentId, target.Value, OutboundRingTimeout)));
                S.AgentId = agentId;
                await EndAsync(CallDisposition.Transferred, $"transferred to {target.Value}");
                break;
        }
    }

    /// <summary>The consulted agent may still be ringing (reserved) or already talking (on call).</summary>
    private async Task FreeConsultAgentAsync(string consult)
    {
        var released = await Agent(consult).ReleaseReservationAsync(CallId, ReservationRelease.CallGone);
        if (!released.IsSuccess)
        {
            await Agent(consult).EndCallAsync(CallId, TimeSpan.Zero);
        }
    }

    private TimeSpan RingTimeout() =>
        TimeSpan.FromSeconds(S.RingTimeoutSeconds > 0 ? S.RingTimeoutSeconds : Acd.Queues.QueueConfig.DefaultRingTimeoutSeconds);
}

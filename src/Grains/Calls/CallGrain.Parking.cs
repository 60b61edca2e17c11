using Acd.Agents;
using Acd.Calls;
using Acd.Common;
using Acd.Events;
using Acd.Grains.Agents;
using Acd.Parking;

namespace Acd.Grains.Calls;

/// <summary>
/// Park and pickup. A parked call waits on hold in a numbered slot without an agent (the parking agent goes to wrap-up);
/// any agent retrieves it by slot. Directed pickup lets an agent take a call ringing at someone else's phone. The slot
/// is kept until the retrieving agent answers, so an unanswered retrieval puts the call back in its slot.
/// </summary>
public sealed partial class CallGrain
{
    public async Task<Result<int>> ParkAsync()
    {
        if (S.Status is not (CallStatus.Connected or CallStatus.Held) || S.AgentId is not { } agentId)
        {
            return Illegal("be parked", "it is not connected");
        }

        if (RefuseInternal("parked") is { IsSuccess: false } refused)
        {
            return refused;
        }

        var slot = await Lot().ParkAsync(CallId);
        if (!slot.IsSuccess)
        {
            return slot;
        }

        await Agent(agentId).EndCallAsync(CallId, TimeSpan.FromSeconds(S.WrapUpSeconds));
        DropFromEdge(agentId, DropReason.Parked);
        S.AgentId = null;
        S.ParkedSlot = slot.Value;
        S.HeldSince ??= Now; // parked time is hold time
        SetStatus(CallStatus.Parked);
        await Writer.WriteAsync();
        return slot;
    }

    public async Task<Result> RetrieveAsync(string agentId, bool ring = true)
    {
        if (S.Status != CallStatus.Parked || S.ParkedSlot is null)
        {
            return Illegal("be retrieved", "it is not parked");
        }

        var reserved = await Agent(agentId).TryReserveAsync(CallId, RingTimeout() + AgentGrain.LeaseGrace);
        if (!reserved.IsSuccess)
        {
            return Result.Fail(reserved.Error, reserved.Message ?? "The agent cannot take the call.");
        }

        if (ring)
        {
            ApplyOffer(reserved.Value!, RingTimeout());
            await Writer.WriteAsync();
            return Result.Ok;
        }

        return await ConnectDirectAsync(agentId);
    }

    public async Task<Result> PickupAsync(string agentId, bool ring = true)
    {
        if (S.Status != CallStatus.Offered || S.AgentId is not { } ringing || ringing == agentId || IsOutbound || IsInternal)
        {
            return Illegal("be picked up", "it is not an inbound call ringing at another agent");
        }

        var reserved = await Agent(agentId).TryReserveAsync(CallId, RingTimeout() + AgentGrain.LeaseGrace);
        if (!reserved.IsSuccess)
        {
            return Result.Fail(reserved.Error, reserved.Message ?? "The agent cannot take the call.");
        }

        StopTimer(ref _ringTimer);
        // Not the ringing agent's fault: no Not Ready "no answer" for it.
        await Agent(ringing).ReleaseReservationAsync(CallId, ReservationRelease.CallGone);
        CancelRing(ringing, S.OfferRing, CancelReason.PickedUp);
        if (ring)
        {
            ApplyOffer(reserved.Value!, RingTimeout());
            await Writer.WriteAsync();
            return Result.Ok;
        }

        return await ConnectDirectAsync(agentId);
    }

    /// <summary>The agent dialled the slot or the pickup code itself: its phone is already in the call, no ringing.</summary>
    private async Task<Result> ConnectDirectAsync(string agentId)
    {
        var connected = await Agent(agentId).ConnectAsync(CallId);
        if (!connected.IsSuccess)
        {
            await Agent(agentId).ReleaseReservationAsync(CallId, ReservationRelease.CallGone);
            return connected;
        }

        S.AgentId = agentId;
        S.FirstAgentId ??= agentId;
        S.OfferedAt ??= Now;
        await MarkAnsweredAsync();
        await Writer.WriteAsync();
        return Result.Ok;
    }

    /// <summary>An agent is talking now: timers off, the parking slot (if any) freed, the queue told about a first answer.</summary>
    private async Task MarkAnsweredAsync()
    {
        StopTimer(ref _ringTimer);
        StopTimer(ref _maxWaitTimer);
        S.OfferExpiresAt = null;
        await LeaveParkingAsync();
        var firstAnswer = S.ConnectedAt is null;
        S.ConnectedAt ??= Now;
        SetStatus(CallStatus.Connected);
        if (firstAnswer && !IsOutbound && S.QueueId is { } queueId)
        {
            await Queue(queueId).RecordOutcomeAsync(new Acd.Queues.CallOutcome(CallId, Acd.Queues.CallOutcomeKind.Answered, WaitInQueue(), Now));
        }
    }

    private async Task LeaveParkingAsync()
    {
        if (S.ParkedSlot is { } slot)
        {
            S.ParkedSlot = null;
            CloseHold();
            await Lot().ReleaseAsync(slot, CallId);
        }
    }

    private IParkingLotGrain Lot() => GrainFactory.GetGrain<IParkingLotGrain>(ParkingLotKeys.Default);
}

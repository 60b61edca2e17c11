using Acd.Agents;
using Acd.Calls;
using Acd.Common;
using Acd.Grains.Agents;

namespace Acd.Grains.Calls;

/// <summary>
/// Internal calls: one agent calls another, dialled on the caller's phone or placed from its desktop. No queue takes part,
/// so nothing counts in queue statistics or service level, and there is no wrap-up. Both agents are held for the call
/// (Reserved while the callee's phone rings, OnCall once it answers), so neither is offered an ACD call meanwhile, and
/// both go back to the state they came from; an unanswered or declined internal call never makes the callee Not Ready.
/// The callee is the call's agent; the caller is the call's Ani (<see cref="CallSnapshot.CallerAgentId"/>), which is what
/// the call record's "from" shows.
/// </summary>
public sealed partial class CallGrain
{
    /// <summary>
    /// How long the callee's phone rings before the call ends not answered. A call placed from the desktop rings the
    /// caller's own phone first, for as long again.
    /// </summary>
    public static readonly TimeSpan InternalRingTimeout = TimeSpan.FromSeconds(30);

    private bool IsInternal => S.Info?.Direction == CallDirection.Internal;

    private string? CallerAgentId => IsInternal ? S.Info!.Ani : null;

    public async Task<Result<CallSnapshot>> StartInternalAsync(string fromAgentId, string toAgentId, CallInfo info, bool ringCallerFirst)
    {
        if (S.Info is not null)
        {
            return Result.Fail(AcdError.Conflict, $"Call '{CallId}' has already started.");
        }

        if (string.IsNullOrWhiteSpace(fromAgentId) || string.IsNullOrWhiteSpace(toAgentId))
        {
            return Result.Fail(AcdError.InvalidArgument, "An internal call needs a calling and a called agent.");
        }

        if (fromAgentId == toAgentId)
        {
            return Result.Fail(AcdError.InvalidArgument, "An agent cannot call itself.");
        }

        var ringLimit = ringCallerFirst ? InternalRingTimeout * 2 : InternalRingTimeout;
        var lease = ringLimit + AgentGrain.LeaseGrace;
        // Known before the agents are held, so a desktop reading the call for its agent's reservation sees who calls whom. The
        // caller is the call's Ani whatever the starter passed, so the record and the desktops name it the same way.
        S.Info = info with { Ani = fromAgentId, Direction = CallDirection.Internal, QueueId = null, Customer = null };
        // A SIP edge carries the call: it needs a phone to ring for each agent it rings.
        var carried = S.Edge is not null;
        // The callee first: it is the one most often busy, and a refusal then leaves the caller untouched.
        var callee = await Agent(toAgentId).ReserveForInternalAsync(CallId, lease, needsPhone: carried);
        if (!callee.IsSuccess)
        {
            S.Info = null;
            return Result.Fail(callee.Error, callee.Message ?? $"Agent '{toAgentId}' cannot take a call now.");
        }

        var caller = await Agent(fromAgentId).ReserveForInternalAsync(CallId, lease, needsPhone: carried && ringCallerFirst);
        if (!caller.IsSuccess)
        {
            S.Info = null;
            await Agent(toAgentId).ReleaseReservationAsync(CallId, ReservationRelease.CallGone);
            return Result.Fail(caller.Error, caller.Message ?? $"Agent '{fromAgentId}' cannot place a call now.");
        }

        S.ArrivedAt = Now;
        S.AgentId = toAgentId;
        S.FirstAgentId = toAgentId;
        S.OfferedAt = Now;
        S.OfferCount = 1;
        S.OfferExpiresAt = Now + ringLimit;
        var previous = S.Status;
        S.Status = CallStatus.Offered;
        Publish(previous);
        var callerDevices = caller.Value!.Devices;
        var calleeDevices = callee.Value!.Devices;
        S.OfferRing = ringCallerFirst
            ? ToEdge((edge, seq) => edge.PlaceInternalAsync(
                new PlaceInternal(CallId, seq, fromAgentId, callerDevices, toAgentId, calleeDevices, InternalRingTimeout)))
            : ToEdge((edge, seq) => edge.RingAgentAsync(new RingAgent(CallId, seq, toAgentId, InternalRingTimeout, calleeDevices)));
        ArmRingTimer(S.OfferExpiresAt.Value);
        await Writer.WriteAsync();
        return Result<CallSnapshot>.Ok(Snapshot());
    }

    /// <summary>The callee answered: both agents are on the call.</summary>
    private async Task<Result> AnswerInternalAsync(string calleeId)
    {
        var connected = await Agent(CallerAgentId!).ConnectAsync(CallId);
        if (connected.IsSuccess)
        {
            connected = await Agent(calleeId).ConnectAsync(CallId);
        }

        if (!connected.IsSuccess)
        {
            // One of them is no longer held for this call (its lease ran out): nobody can talk, so the call ends.
            await FreeInternalAgentsAsync();
            await EndAsync(CallDisposition.Failed, connected.Message);
            return connected;
        }

        StopTimer(ref _ringTimer);
        S.OfferExpiresAt = null;
        S.ConnectedAt ??= Now;
        SetStatus(CallStatus.Connected);
        await Writer.WriteAsync();
        return Result.Ok;
    }

    /// <summary>The callee's phone rang out, declined or could not be reached: the call ends, nobody goes Not Ready.</summary>
    private async Task EndUnansweredInternalAsync(ReservationRelease why)
    {
        StopTimer(ref _ringTimer);
        S.OfferExpiresAt = null;
        CancelRing(S.AgentId!, S.OfferRing, why switch
        {
            ReservationRelease.NoAnswer => CancelReason.NoAnswer,
            ReservationRelease.Unreachable => CancelReason.Unreachable,
            _ => CancelReason.Rejected,
        });
        await FreeInternalAgentsAsync();
        await EndAsync(CallDisposition.NotAnswered, why switch
        {
            ReservationRelease.NoAnswer => "no answer",
            ReservationRelease.Unreachable => "phone unreachable",
            _ => "declined",
        });
    }

    /// <summary>Hung up or failed: both agents are freed; answered or not, nobody goes Not Ready or into wrap-up.</summary>
    private async Task<CallDisposition> ReleaseInternalAsync()
    {
        StopTimer(ref _ringTimer);
        CloseHold();
        if (S.Status == CallStatus.Offered)
        {
            CancelRing(S.AgentId!, S.OfferRing, CancelReason.CallerGone);
        }

        await FreeInternalAgentsAsync();
        return S.ConnectedAt is null ? CallDisposition.NotAnswered : CallDisposition.Answered;
    }

    /// <summary>Ends both agents' part in the call, reserved or on it (each returns to where it came from: no wrap-up).</summary>
    private Task FreeInternalAgentsAsync() => Task.WhenAll(
        Agent(S.AgentId!).EndCallAsync(CallId, TimeSpan.Zero),
        Agent(CallerAgentId!).EndCallAsync(CallId, TimeSpan.Zero));

    private Result RefuseInternal(string action) => IsInternal
        ? Result.Fail(AcdError.IllegalTransition, $"Call '{CallId}' is an internal call, which cannot be {action}.")
        : Result.Ok;
}

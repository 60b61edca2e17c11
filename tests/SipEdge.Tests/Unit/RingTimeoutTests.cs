using Acd.Agents;
using Acd.Calls;
using Acd.Grains.Tests.Infrastructure;
using Acd.Sip.Messages;
using Acd.SipEdge.Tests.Unit.Infrastructure;
using Xunit.Abstractions;

namespace Acd.SipEdge.Tests.Unit;

/// <summary>
/// A phone that never answers, on the fake clock: the call grain's ring timer stops it (RONA) at the queue's ring
/// timeout, and only when that cancel never comes does the edge give up on its own, RingGraceSeconds later.
/// </summary>
[Collection(EdgeUnitCollection.Name)]
public sealed class RingTimeoutTests(AcdCluster cluster, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan RingTimeout = TimeSpan.FromSeconds(8);
    private EdgeRig _rig = null!;

    public async Task InitializeAsync() => _rig = await EdgeRig.StartAsync(cluster, output);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task The_grain_cancels_an_unanswered_phone_at_the_ring_timeout_and_the_call_goes_to_the_next_agent()
    {
        var (queueId, number) = await _rig.NewQueueAsync(ringTimeoutSeconds: (int)RingTimeout.TotalSeconds);
        var sleepy = await _rig.NewAgentAsync(queueId, "10.0.0.3");
        var next = await _rig.NewAgentAsync(queueId, "10.0.0.4", ready: false, mediaPort: 20400);
        var calling = _rig.Caller.CallAsync(number);
        await _rig.Until(() => sleepy.Phone.Invites.Count == 1, "the first agent's phone rings");
        var callId = EdgeRig.CallIdOf(sleepy.Phone.LastInvite.Invite);
        Assert.True((await next.Grain.SetReadyAsync()).IsSuccess); // Ready only now, so the first offer was not its

        // One step short of the ring timeout nothing has happened yet.
        _rig.AdvanceTo(RingTimeout - TimeSpan.FromMilliseconds(10));
        await _rig.UntilCallAsync(callId, c => c.Status == CallStatus.Offered && c.AgentId == sleepy.Id, "still offered to the first agent");
        Assert.Empty(_rig.RequestsBetween(EdgeRig.EdgeAddress, "10.0.0.3", SipMethods.Cancel));

        _rig.AdvanceTo(RingTimeout);
        await _rig.Until(() => _rig.RequestsBetween(EdgeRig.EdgeAddress, "10.0.0.3", SipMethods.Cancel).Count == 1, "the first phone is cancelled");
        Assert.Equal(RingTimeout, _rig.SentAt(p => p.IsRequest(SipMethods.Cancel)));
        Assert.Equal(CancelReason.NoAnswer, Assert.Single(_rig.Grains.Tap(callId).Of<CancelAgent>()).Reason);
        await _rig.Until(() => _rig.ResponsesBetween("10.0.0.3", EdgeRig.EdgeAddress, 487).Count == 1 &&
                               _rig.RequestsBetween(EdgeRig.EdgeAddress, "10.0.0.3", SipMethods.Ack).Count == 1, "the 487 is ACKed");
        await sleepy.UntilAsync(a => a.Status == AgentStatus.NotReady, "Not Ready after RONA");
        Assert.Equal(ReasonCodes.NoAnswer, (await sleepy.GetAsync()).ReasonCode);

        // Back in line and offered to the next agent, whose phone gets the caller's media too.
        await _rig.Until(() => next.Phone.Invites.Count == 1, "the next agent's phone rings");
        Assert.Equal(callId, EdgeRig.CallIdOf(next.Phone.LastInvite.Invite));
        Assert.Contains("m=audio 10000", next.Phone.LastInvite.Invite.BodyText, StringComparison.Ordinal);
        _rig.Advance(TimeSpan.FromSeconds(1));
        next.Phone.Answer();
        var callerLeg = await _rig.Net.RunUntilAsync(calling);
        Assert.True(callerLeg.Success);
        Assert.Contains("m=audio 20400", callerLeg.FinalResponse.BodyText, StringComparison.Ordinal);
        await _rig.UntilCallAsync(callId, c => c.Status == CallStatus.Connected, "connected to the next agent");
        var call = await _rig.CallAsync(callId);
        Assert.Equal((next.Id, sleepy.Id, 2), (call.AgentId, call.FirstAgentId, call.OfferCount));

        // The edge's own limit (ring timeout + grace) has nothing left to do: no second CANCEL, no warning.
        _rig.AdvanceTo(RingTimeout + TimeSpan.FromSeconds(_rig.Options.RingGraceSeconds + 1));
        Assert.Single(_rig.RequestsBetween(EdgeRig.EdgeAddress, "10.0.0.3", SipMethods.Cancel));
        Assert.Empty(_rig.RequestsBetween(EdgeRig.EdgeAddress, "10.0.0.4", SipMethods.Cancel));
        Assert.False(_rig.Log.Contains("did not cancel it"));
        Assert.Equal(CallStatus.Connected, (await _rig.CallAsync(callId)).Status);
        _rig.AssertNoErrors();
    }

    [Fact]
    public async Task Without_the_grains_cancel_the_edge_gives_up_ring_grace_seconds_after_the_ring_timeout()
    {
        // The grain's CancelAgent is lost (as to an edge that was briefly unreachable); everything else passes.
        _rig.Grains.DefaultFilter = c => c is CancelAgent ? TapAction.Drop : TapAction.Pass;
        var (queueId, number) = await _rig.NewQueueAsync(ringTimeoutSeconds: (int)RingTimeout.TotalSeconds);
        var sleepy = await _rig.NewAgentAsync(queueId, "10.0.0.3");
        var calling = _rig.Caller.CallAsync(number);
        await _rig.Until(() => sleepy.Phone.Invites.Count == 1, "the phone rings");
        var callId = EdgeRig.CallIdOf(sleepy.Phone.LastInvite.Invite);

        // The grain's RONA happens on time (the agent goes Not Ready, the call back in line), but its cancel never arrives.
        _rig.AdvanceTo(RingTimeout);
        await sleepy.UntilAsync(a => a.Status == AgentStatus.NotReady && a.ReasonCode == ReasonCodes.NoAnswer, "Not Ready after RONA");
        await _rig.UntilCallAsync(callId, c => c.Status == CallStatus.Queued, "back in line");
        await _rig.Until(() => _rig.Grains.Tap(callId).Of<CancelAgent>().Any(), "the grain's cancel reached the edge's process (and was lost)");
        Assert.Single(_rig.Grains.Tap(callId).Of<CancelAgent>());
        var limit = RingTimeout + TimeSpan.FromSeconds(_rig.Options.RingGraceSeconds);
        _rig.AdvanceTo(limit - TimeSpan.FromMilliseconds(10));
        Assert.Empty(_rig.RequestsBetween(EdgeRig.EdgeAddress, "10.0.0.3", SipMethods.Cancel));

        _rig.AdvanceTo(limit);
        await _rig.Until(() => _rig.RequestsBetween(EdgeRig.EdgeAddress, "10.0.0.3", SipMethods.Cancel).Count == 1, "the edge cancels on its own");
        Assert.Equal(limit, _rig.SentAt(p => p.IsRequest(SipMethods.Cancel)));
        await _rig.Until(() => _rig.Log.Contains("did not cancel it"), "the edge says it had to cancel the ring itself");

        // The edge's late rejection names a ring the grain has moved past: the agent keeps its RONA reason, the call waits.
        await _rig.Until(() => _rig.RequestsBetween(EdgeRig.EdgeAddress, "10.0.0.3", SipMethods.Ack).Count == 1, "the 487 is ACKed");
        var agent = await sleepy.GetAsync();
        Assert.Equal((AgentStatus.NotReady, ReasonCodes.NoAnswer), (agent.Status, agent.ReasonCode));
        Assert.Equal(CallStatus.Queued, (await _rig.CallAsync(callId)).Status);
        Assert.False(calling.IsCompleted);
        Assert.Equal(1, _rig.Edge.ActiveCalls);
        _rig.AssertNoErrors();
    }
}

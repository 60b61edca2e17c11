using Acd.Agents;
using Acd.Calls;
using Acd.Grains.Tests.Infrastructure;
using Acd.Sip.Messages;
using Acd.Sip.Transports;
using Acd.SipEdge.Tests.Unit.Infrastructure;
using Xunit.Abstractions;

namespace Acd.SipEdge.Tests.Unit;

/// <summary>
/// An offer the phone does not take: declined (486/603: the agent's doing, Not Ready "rejected") or unreachable (the
/// phone is gone: not the agent's doing, it stays Ready and the stale binding is dropped). Either way the call goes back
/// in line and reaches the next agent.
/// </summary>
[Collection(EdgeUnitCollection.Name)]
public sealed class OfferFailureTests(AcdCluster cluster, ITestOutputHelper output) : IAsyncLifetime
{
    private EdgeRig _rig = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    private async Task<(Agent First, Agent Next, Task<Acd.Sip.Dialogs.SipCallResult> Calling, string CallId)> OfferToFirstAsync(
        Action<SipEdgeOptionsTweaks>? tweak = null, Func<Agent, Task>? prepareFirst = null)
    {
        var tweaks = new SipEdgeOptionsTweaks();
        tweak?.Invoke(tweaks);
        _rig = await EdgeRig.StartAsync(cluster, output, o => o.TimerT1Ms = tweaks.TimerT1Ms);
        var (queueId, number) = await _rig.NewQueueAsync(ringTimeoutSeconds: 10);
        var first = await _rig.NewAgentAsync(queueId, "10.0.0.3", ready: false);
        if (prepareFirst is not null)
        {
            await prepareFirst(first);
        }

        Assert.True((await first.Grain.SetReadyAsync()).IsSuccess);
        var next = await _rig.NewAgentAsync(queueId, "10.0.0.4", ready: false, mediaPort: 20400);
        var calling = _rig.Caller.CallAsync(number);
        // The grain's ring command, not the agent's Reserved state: an unreachable phone may be Ready again before a poll sees it.
        await _rig.Until(() => _rig.Grains.Taps.Any(t => t.Of<RingAgent>().Any(r => r.AgentId == first.Id)), "the call is offered to the first agent");
        var callId = _rig.Grains.Taps.Single(t => t.Of<RingAgent>().Any(r => r.AgentId == first.Id)).CallId;
        Assert.True((await next.Grain.SetReadyAsync()).IsSuccess); // Ready only now, so the first offer was not its
        return (first, next, calling, callId);
    }

    [Theory]
    [InlineData(486)]
    [InlineData(603)]
    public async Task A_phone_that_declines_makes_the_agent_not_ready_rejected_and_the_call_is_offered_again(int status)
    {
        var (first, next, calling, callId) = await OfferToFirstAsync();
        await _rig.Until(() => first.Phone.Invites.Count == 1, "the first phone rings");

        first.Phone.LastInvite.Reject(status);

        await _rig.Until(() => _rig.RequestsBetween(EdgeRig.EdgeAddress, "10.0.0.3", SipMethods.Ack).Count == 1, $"the {status} is ACKed");
        await first.UntilAsync(a => a.Status == AgentStatus.NotReady, "Not Ready after declining");
        var declined = await first.GetAsync();
        Assert.Equal(ReasonCodes.Rejected, declined.ReasonCode);
        Assert.False(declined.Devices.IsDefaultOrEmpty); // a phone that answers is no stale binding
        await _rig.Until(() => next.Phone.Invites.Count == 1, "the call is offered to the next agent");
        Assert.Equal(callId, EdgeRig.CallIdOf(next.Phone.LastInvite.Invite));
        Assert.Empty(_rig.RequestsBetween(EdgeRig.EdgeAddress, "10.0.0.3", SipMethods.Cancel));
        Assert.DoesNotContain(_rig.Between(EdgeRig.EdgeAddress, EdgeRig.CallerAddress), p => p.Message is SipResponse { StatusCode: >= 300 });

        next.Phone.Answer();
        Assert.True((await _rig.Net.RunUntilAsync(calling)).Success);
        await _rig.UntilCallAsync(callId, c => c.Status == CallStatus.Connected && c.AgentId == next.Id, "connected to the next agent");
        _rig.AssertNoErrors();
    }

    [Fact]
    public async Task A_phone_that_never_answers_at_all_times_out_as_unreachable_the_agent_stays_ready_and_its_binding_is_dropped()
    {
        // T1 of 100 ms: the INVITE transaction gives up (Timer B, 64*T1 = 6.4 s) before the 10 s ring timeout.
        var (first, next, calling, callId) = await OfferToFirstAsync(t => t.TimerT1Ms = 100, a =>
        {
            _rig.Net.Drop = p => p.To.Equals(a.Phone.EndPoint);
            return Task.CompletedTask;
        });
        await _rig.Until(() => _rig.RequestsBetween(EdgeRig.EdgeAddress, "10.0.0.3", SipMethods.Invite).Count == 1, "the INVITE is sent");
        _rig.AdvanceTo(TimeSpan.FromMilliseconds(6300));
        Assert.Equal(AgentStatus.Reserved, (await first.GetAsync()).Status);

        _rig.AdvanceTo(TimeSpan.FromMilliseconds(6400));
        await _rig.Until(() => next.Phone.Invites.Count == 1, "the call is offered to the next agent");

        Assert.True(_rig.RequestsBetween(EdgeRig.EdgeAddress, "10.0.0.3", SipMethods.Invite).Count > 1, "the INVITE was retransmitted");
        Assert.Empty(first.Phone.Invites);
        Assert.Empty(_rig.RequestsBetween(EdgeRig.EdgeAddress, "10.0.0.3", SipMethods.Cancel));
        await AssertStaysReadyWithoutItsPhoneAsync(first);
        Assert.True(_rig.Log.Contains("its binding is dropped"));
        Assert.Equal(callId, EdgeRig.CallIdOf(next.Phone.LastInvite.Invite));
        next.Phone.Answer();
        Assert.True((await _rig.Net.RunUntilAsync(calling)).Success);
        _rig.AssertNoErrors();
    }

    [Fact]
    public async Task A_phone_whose_tcp_contact_refuses_the_connection_is_unreachable_at_once()
    {
        // The phone registered (over UDP) a TCP contact on a host where nothing listens.
        var (first, next, calling, callId) = await OfferToFirstAsync(prepareFirst: async a =>
        {
            Assert.Equal(200, (await a.Phone.RegisterAsync(a.Id, EdgeRig.SipPassword, EdgeRig.Domain, expires: 0)).StatusCode);
            await a.UntilAsync(s => s.Devices.IsDefaultOrEmpty, "the UDP contact is gone");
            await a.RegisterAsync(contact: $"sip:{a.Id}@10.0.0.9:5060;transport=tcp");
        });

        await _rig.Until(() => next.Phone.Invites.Count == 1, "the call is offered to the next agent");

        Assert.Equal(TimeSpan.Zero, _rig.Elapsed);
        Assert.Empty(_rig.RequestsBetween(EdgeRig.EdgeAddress, "10.0.0.9", SipMethods.Invite)); // never got onto a wire
        await AssertStaysReadyWithoutItsPhoneAsync(first);
        next.Phone.Answer();
        Assert.True((await _rig.Net.RunUntilAsync(calling)).Success);
        await _rig.UntilCallAsync(callId, c => c.Status == CallStatus.Connected && c.AgentId == next.Id, "connected to the next agent");
        _rig.AssertNoErrors();
    }

    [Fact]
    public async Task A_phone_whose_tcp_connection_closed_is_unreachable_once_and_the_call_waits_for_an_agent_the_edge_can_reach()
    {
        // The phone registered over TCP, so only that connection reaches it; then the connection closed (a browser tab, a
        // phone rebooting). Until the binding expires the agent's grain still lists the phone.
        _rig = await EdgeRig.StartAsync(cluster, output);
        var (queueId, number) = await _rig.NewQueueAsync(ringTimeoutSeconds: 10);
        var gone = await _rig.NewAgentAsync(queueId, "10.0.0.3", ready: false);
        Assert.Equal(200, (await gone.Phone.RegisterAsync(gone.Id, EdgeRig.SipPassword, EdgeRig.Domain, expires: 0)).StatusCode);
        await gone.UntilAsync(s => s.Devices.IsDefaultOrEmpty, "the UDP contact is gone");
        await gone.RegisterAsync(transport: SipTransportKind.Tcp);
        _rig.Net.CloseConnections("10.0.0.3");
        Assert.True((await gone.Grain.SetReadyAsync()).IsSuccess);
        var next = await _rig.NewAgentAsync(queueId, "10.0.0.4", ready: false, mediaPort: 20400);

        var calling = _rig.Caller.CallAsync(number);
        await _rig.Until(() => _rig.Log.Contains("has no reachable phone"), "the edge finds no way to the phone");
        var callId = Assert.Single(_rig.Grains.Taps).CallId;

        // Offered once: the stale phone is dropped, so the agent, Ready again, is not offered the call over and over.
        await AssertStaysReadyWithoutItsPhoneAsync(gone);
        await _rig.UntilCallAsync(callId, c => c.Status == CallStatus.Queued, "back in line");
        Assert.Equal(1, (await _rig.CallAsync(callId)).OfferCount);
        Assert.Single(_rig.Grains.Tap(callId).Of<RingAgent>());
        Assert.Empty(gone.Phone.Invites);

        // The call waits for an agent the edge can reach.
        Assert.True((await next.Grain.SetReadyAsync()).IsSuccess);
        await _rig.Until(() => next.Phone.Invites.Count == 1, "the call is offered to the next agent");
        next.Phone.Answer();
        Assert.True((await _rig.Net.RunUntilAsync(calling)).Success);
        await _rig.UntilCallAsync(callId, c => c.Status == CallStatus.Connected && c.AgentId == next.Id && c.OfferCount == 2, "connected to the next agent");
        _rig.AssertNoErrors();
    }

    private async Task AssertStaysReadyWithoutItsPhoneAsync(Agent agent)
    {
        await agent.UntilAsync(a => a.Status == AgentStatus.Ready && a.Devices.IsDefaultOrEmpty, "Ready, its stale phone dropped");
        Assert.Null((await agent.GetAsync()).ReasonCode);
        Assert.Null(_rig.Edge.Phones.Choose("any", (await agent.GetAsync()).Devices));
    }

    /// <summary>Edge settings a test of this class changes.</summary>
    private sealed class SipEdgeOptionsTweaks
    {
        public int TimerT1Ms { get; set; } = 500;
    }
}

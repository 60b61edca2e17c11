using Xunit.Abstractions;
using Acd.Agents;
using Acd.Calls;
using Acd.Grains.Tests.Infrastructure;
using Acd.Sip.Messages;
using Acd.SipEdge.Tests.Unit.Infrastructure;

namespace Acd.SipEdge.Tests.Unit;

/// <summary>An inbound call from INVITE to BYE: what each side sees on the wire and what the grains record.</summary>
[Collection(EdgeUnitCollection.Name)]
public sealed class AnsweredCallTests(AcdCluster cluster, ITestOutputHelper output) : IAsyncLifetime
{
    private EdgeRig _rig = null!;

    public async Task InitializeAsync() => _rig = await EdgeRig.StartAsync(cluster, output);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Theory]
    [InlineData("caller")]
    [InlineData("agent")]
    public async Task A_caller_reaches_a_ready_agent_and_a_bye_from_either_side_ends_both_legs_and_the_call(string hangsUp)
    {
        var (queueId, number) = await _rig.NewQueueAsync(ringTimeoutSeconds: 15, wrapUpSeconds: 0);
        var agent = await _rig.NewAgentAsync(queueId, "10.0.0.3");
        var caller = _rig.Caller;

        var calling = caller.CallAsync(number);
        await _rig.Until(() => agent.Phone.Invites.Count == 1, "the agent's phone rings");

        // The caller heard 100 and 180 before anything else; the agent's INVITE carries the caller's media and identity.
        var toCaller = _rig.Between(EdgeRig.EdgeAddress, EdgeRig.CallerAddress).Select(p => p.Message).OfType<SipResponse>().Select(r => r.StatusCode);
        Assert.Equal([100, 180], toCaller);
        var invite = agent.Phone.LastInvite.Invite;
        var callId = EdgeRig.CallIdOf(invite);
        Assert.Contains("c=IN IP4 10.0.0.2", invite.BodyText, StringComparison.Ordinal);
        Assert.Contains("m=audio 10000 RTP/AVP 0", invite.BodyText, StringComparison.Ordinal);
        Assert.Equal("+15550100", invite.From!.Uri.User);
        Assert.Contains("sip:+15550100@acd.test", invite.Headers["P-Asserted-Identity"], StringComparison.Ordinal);
        Assert.Equal($"sip:{agent.Id}@10.0.0.3:5060", invite.RequestUri.ToString());
        var offered = await _rig.CallAsync(callId);
        Assert.Equal(CallStatus.Offered, offered.Status);
        Assert.Equal(agent.Id, offered.AgentId);
        Assert.Equal(AgentStatus.Reserved, (await agent.GetAsync()).Status);

        _rig.Advance(TimeSpan.FromSeconds(3));
        var agentLeg = agent.Phone.Answer();
        var callerLeg = await _rig.Net.RunUntilAsync(calling);

        // The caller's 200 carries the agent's media; both 200s are ACKed.
        Assert.True(callerLeg.Success);
        Assert.Contains("c=IN IP4 10.0.0.3", callerLeg.FinalResponse.BodyText, StringComparison.Ordinal);
        Assert.Contains("m=audio 20000 RTP/AVP 0", callerLeg.FinalResponse.BodyText, StringComparison.Ordinal);
        await _rig.Until(() => _rig.RequestsBetween(EdgeRig.EdgeAddress, "10.0.0.3", SipMethods.Ack).Count == 1 &&
                               _rig.RequestsBetween(EdgeRig.CallerAddress, EdgeRig.EdgeAddress, SipMethods.Ack).Count == 1, "both 200s are ACKed");
        await _rig.UntilCallAsync(callId, c => c.Status == CallStatus.Connected, "connected");
        var connected = await _rig.CallAsync(callId);
        Assert.Equal(TimeSpan.FromSeconds(3), connected.ConnectedAt - connected.ArrivedAt);
        Assert.Equal(AgentStatus.OnCall, (await agent.GetAsync()).Status);

        _rig.Advance(TimeSpan.FromSeconds(30));
        var (leaving, staying, stayingAddress) = hangsUp == "caller"
            ? (caller, agent.Phone, agent.Phone.Address)
            : (agent.Phone, caller, caller.Address);
        var bye = await _rig.Net.RunUntilAsync(leaving.Ua.ByeAsync(hangsUp == "caller" ? callerLeg.Dialog! : agentLeg));
        Assert.Equal(200, bye.StatusCode);

        // The other leg gets the edge's BYE, answers it, and the call ends with one record.
        await _rig.Until(() => staying.Ended.Count == 1, "the other side is hung up");
        Assert.NotNull(staying.Ended.Single().Bye);
        Assert.Single(_rig.RequestsBetween(EdgeRig.EdgeAddress, stayingAddress, SipMethods.Bye));
        await _rig.UntilEndedAsync(callId);
        var record = Assert.Single(_rig.EndedRecords(callId));
        Assert.Equal(CallDisposition.Answered, record.Disposition);
        Assert.Equal(TimeSpan.FromSeconds(33), record.EndedAt - record.ArrivedAt);
        await agent.UntilAsync(a => a.Status == AgentStatus.Ready && a.CallsHandled == 1, "back to Ready after the call");
        Assert.Equal(0, _rig.Edge.ActiveCalls);
        Assert.Empty(_rig.Edge.UserAgent.Dialogs);
        _rig.AssertNoErrors();
    }
}

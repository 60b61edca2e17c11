using Acd.Agents;
using Acd.Calls;

namespace Acd.SipEdge.Tests;

/// <summary>
/// Calls leaving the ACD through the outbound trunk (a SIPp "carrier" that demands digest auth): click-to-dial, a number
/// dialled on the agent's own phone, and a blind transfer of a caller to an external number. On an anchoring edge and a
/// direct one.
/// </summary>
public abstract class SipEdgeOutboundTests(EdgeHost host)
{
    [Fact]
    public async Task Click_to_dial_rings_the_agent_phone_then_the_destination_through_the_trunk_and_records_an_outbound_call()
    {
        var (queueId, _) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var agentId = await host.ReadyAgentAsync(queueId);
        await using var phone = await host.StartPhoneAsync(agentId, "agent-answer-loop.xml");
        await using var trunk = Sipp.Start("trunk-answer-bye.xml", host.SipPort, host.TrunkPort, "trunk");
        await trunk.WaitListeningAsync();

        var placed = await host.Edge.DialAsync(agentId, new CallInfo("2001", "+15551234", null, CallDirection.Outbound, 0, null, null, null));
        Assert.NotNull(placed);
        Assert.True(placed.Value.IsSuccess, placed.Value.ToString());
        await trunk.AssertSucceededAsync(); // challenged, authenticated, answered, hung up
        // Direct: rung with an inactive placeholder, re-INVITEd to the trunk's media, BYE. Anchored: rung with the engine's
        // description (it hears ringback, then the trunk), BYE.
        await phone.AssertSucceededAsync();
        await EdgeHost.Eventually(async () => (await host.Grains.GetGrain<ICallGrain>(placed.Value.Value!.CallId).GetAsync()).Status == CallStatus.Ended,
            "the call to end");

        Assert.Contains(host.Anchored ? "o=- " : "a=inactive", phone.Messages, StringComparison.Ordinal);
        Assert.Contains("username=\"acd-trunk\"", trunk.Messages, StringComparison.Ordinal);
        var call = await host.Grains.GetGrain<ICallGrain>(placed.Value.Value!.CallId).GetAsync();
        Assert.Equal(CallStatus.Ended, call.Status);
        Assert.Equal(CallDisposition.Answered, call.Disposition);
        Assert.Equal(CallDirection.Outbound, call.Info!.Direction);
        Assert.Equal("+15551234", call.Info.Dnis);
        Assert.Equal(agentId, call.AgentId);
        await host.WaitReleasedAsync(call.CallId);
    }

    [Fact]
    public async Task A_number_dialled_on_the_agent_phone_goes_out_through_the_trunk_as_an_outbound_call()
    {
        var (queueId, _) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var agentId = await host.ReadyAgentAsync(queueId);
        var phonePort = Sipp.FreeUdpPort();
        await host.RegisterPhoneAsync(agentId, phonePort);
        await using var trunk = Sipp.Start("trunk-answer-bye.xml", host.SipPort, host.TrunkPort, "trunk");
        await trunk.WaitListeningAsync();

        await using var phone = Sipp.Start("agent-dial.xml", host.SipPort, phonePort, "+15557777", extraArguments: ["-set", "agent", agentId]);
        await EdgeHost.Eventually(async () => (await host.AgentAsync(agentId)).Status == AgentStatus.OnCall, "the agent to be on its outbound call");
        var callId = (await host.AgentAsync(agentId)).CallId!;
        await trunk.AssertSucceededAsync();
        await phone.AssertSucceededAsync();

        await EdgeHost.Eventually(async () => (await host.Grains.GetGrain<ICallGrain>(callId).GetAsync()).Status == CallStatus.Ended, "the call to end");
        var call = await host.Grains.GetGrain<ICallGrain>(callId).GetAsync();
        Assert.Equal(CallDirection.Outbound, call.Info!.Direction);
        Assert.Equal("+15557777", call.Info.Dnis);
        Assert.Equal(CallDisposition.Answered, call.Disposition);
        await host.WaitReleasedAsync(callId);
        await EdgeHost.Eventually(async () => (await host.AgentAsync(agentId)).Status is AgentStatus.Ready or AgentStatus.WrapUp, "the agent to be free");
    }

    [Fact]
    public async Task Blind_transfer_to_an_external_number_bridges_the_caller_to_the_trunk()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var agentId = await host.ReadyAgentAsync(queueId);
        await using var phone = await host.StartPhoneAsync(agentId, "agent-answer-loop.xml");
        await using var trunk = Sipp.Start("trunk-answer-bye.xml", host.SipPort, host.TrunkPort, "trunk");
        await trunk.WaitListeningAsync();
        await using var caller = Sipp.Start("caller-loop.xml", host.SipPort, Sipp.FreeUdpPort(), number);
        var call = await host.ConnectedCallAsync(agentId);

        Assert.True((await call.TransferAsync(new TransferTarget(TransferTargetKind.External, "+15559999"), TransferMode.Blind)).IsSuccess);
        await phone.AssertSucceededAsync();  // the agent's leg ended at once
        await trunk.AssertSucceededAsync();  // the external party got the caller, talked, hung up
        await caller.AssertSucceededAsync(); // re-INVITEd to the external party, then BYE relayed from it

        var record = await host.EndedCallAsync(queueId);
        Assert.Equal(CallDisposition.Transferred, record.Disposition);
        Assert.Contains("+15559999", trunk.Messages, StringComparison.Ordinal);
        await host.WaitReleasedAsync(record.CallId);
    }
}

[Collection(EdgeCollection.Name)]
public sealed class AnchoredOutboundTests(EdgeHost host) : SipEdgeOutboundTests(host);

[Collection(DirectEdgeCollection.Name)]
public sealed class DirectOutboundTests(DirectEdgeHost host) : SipEdgeOutboundTests(host);

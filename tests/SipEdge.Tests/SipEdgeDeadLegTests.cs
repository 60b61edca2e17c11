using Acd.Agents;
using Acd.Calls;

namespace Acd.SipEdge.Tests;

/// <summary>An edge that probes its legs every second and times UDP transactions out fast (T1 = 50 ms, so 3.2 s).</summary>
public sealed class ProbingEdgeHost : EdgeHost
{
    protected override void Configure(IDictionary<string, string?> settings)
    {
        settings["Sip:LegProbeSeconds"] = "1";
        settings["Sip:TimerT1Ms"] = "50";
        settings["Sip:EdgeId"] = "edge-test";
    }
}

[CollectionDefinition(Name)]
public sealed class ProbingEdgeCollection : ICollectionFixture<ProbingEdgeHost>
{
    public const string Name = "sip-edge-probing";
}

/// <summary>A phone that vanishes mid-call (no BYE, no CANCEL) must not leave the call stuck.</summary>
[Collection(ProbingEdgeCollection.Name)]
public sealed class SipEdgeDeadLegTests(ProbingEdgeHost host)
{
    [Fact]
    public async Task A_vanished_agent_phone_is_found_by_the_options_probe_and_the_call_ends_with_a_record()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var agentId = await host.CreateAgentAsync(queueId);
        var phonePort = Sipp.FreeUdpPort();
        await host.RegisterPhoneAsync(agentId, phonePort);
        Assert.True((await host.Grains.GetGrain<IAgentGrain>(agentId).SetReadyAsync()).IsSuccess);
        await using var phone = Sipp.Start("agent-answer-loop.xml", host.SipPort, phonePort, agentId, 60);
        await phone.WaitListeningAsync();
        await using var caller = Sipp.Start("caller-loop.xml", host.SipPort, Sipp.FreeUdpPort(), number, 60);
        await EdgeHost.Eventually(async () => (await host.AgentAsync(agentId)).Status == AgentStatus.OnCall, "the agent to be on the call");
        await EdgeHost.Eventually(async () => (await host.AgentAsync(agentId)) is { CallId: { } id } &&
                                               (await host.Grains.GetGrain<ICallGrain>(id).GetAsync()).Status == CallStatus.Connected,
            "the call to be connected");

        phone.Kill(); // the phone loses power: its UDP port goes silent, nothing is said on the wire

        await caller.AssertSucceededAsync(30); // the edge hung the caller up with BYE once the probe timed out
        var record = await host.EndedCallAsync(queueId);
        Assert.Equal(CallDisposition.Answered, record.Disposition);
        Assert.Equal("agent leg lost", record.EndReason);
        await host.WaitReleasedAsync(record.CallId);
        await EdgeHost.Eventually(async () => (await host.AgentAsync(agentId)).Status != AgentStatus.OnCall, "the agent to leave the call");
    }
}

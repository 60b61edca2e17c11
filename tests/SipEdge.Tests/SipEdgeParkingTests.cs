using Acd.Agents;
using Acd.Calls;

namespace Acd.SipEdge.Tests;

/// <summary>Park and pickup on real SIP legs: from the API (the taking agent's phone rings) and by feature codes dialled on a phone.</summary>
public abstract class SipEdgeParkingTests(EdgeHost host)
{
    [Fact]
    public async Task A_parked_caller_waits_on_hold_and_rings_the_retrieving_agents_phone()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var parker = await host.ReadyAgentAsync(queueId);
        var retriever = await host.CreateAgentAsync(queueId);
        await using var parkerPhone = await host.StartPhoneAsync(parker, "agent-answer-loop.xml");
        await using var retrieverPhone = await host.StartPhoneAsync(retriever, "agent-answer-loop.xml");
        await using var caller = Sipp.Start("caller-loop.xml", host.SipPort, Sipp.FreeUdpPort(), number);
        var call = await host.ConnectedCallAsync(parker);

        var slot = await call.ParkAsync();
        Assert.True(slot.IsSuccess, slot.ToString());
        await parkerPhone.AssertSucceededAsync(); // its leg ended with BYE
        Assert.True((await host.Grains.GetGrain<IAgentGrain>(retriever).SetReadyAsync()).IsSuccess);
        Assert.True((await call.RetrieveAsync(retriever)).IsSuccess);
        await EdgeHost.Eventually(async () => (await call.GetAsync()) is { Status: CallStatus.Connected } c && c.AgentId == retriever,
            "the retrieving agent to answer");
        Assert.True((await call.HangupAsync(HangupSide.Agent)).IsSuccess);
        await caller.AssertSucceededAsync();
        await retrieverPhone.AssertSucceededAsync();

        if (!host.Anchored)
        {
            Assert.Contains("a=sendonly", caller.Messages, StringComparison.Ordinal); // on hold while parked
        }
        else
        {
            Assert.DoesNotContain("a=sendonly", caller.Messages, StringComparison.Ordinal); // the engine played it music
        }
        var record = await host.EndedCallAsync(queueId);
        Assert.Equal(retriever, record.AgentId);
        Assert.True(record.HoldSeconds > 0, "parked time is hold time");
        await host.WaitReleasedAsync(record.CallId);
    }

    [Fact]
    public async Task Dialling_the_park_slot_on_a_phone_retrieves_the_call_at_once()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var parker = await host.ReadyAgentAsync(queueId);
        var retriever = await host.CreateAgentAsync(queueId);
        await using var parkerPhone = await host.StartPhoneAsync(parker, "agent-answer-loop.xml");
        await using var caller = Sipp.Start("caller-loop.xml", host.SipPort, Sipp.FreeUdpPort(), number);
        var call = await host.ConnectedCallAsync(parker);
        var slot = await call.ParkAsync();
        Assert.True(slot.IsSuccess, slot.ToString());
        Assert.True((await host.Grains.GetGrain<IAgentGrain>(retriever).SetReadyAsync()).IsSuccess);

        var retrieverPort = Sipp.FreeUdpPort();
        await host.RegisterPhoneAsync(retriever, retrieverPort);
        await using var retrieverPhone = Sipp.Start("agent-dial.xml", host.SipPort, retrieverPort, $"*8{slot.Value}",
            extraArguments: ["-set", "agent", retriever]);
        await EdgeHost.Eventually(async () => (await call.GetAsync()) is { Status: CallStatus.Connected } c && c.AgentId == retriever,
            "the dialling agent to have the call");
        Assert.True((await call.HangupAsync(HangupSide.Agent)).IsSuccess);
        await caller.AssertSucceededAsync();
        await retrieverPhone.AssertSucceededAsync();
        await parkerPhone.AssertSucceededAsync();

        var record = await host.EndedCallAsync(queueId);
        Assert.Equal(retriever, record.AgentId);
        await host.WaitReleasedAsync(record.CallId);
    }

    [Fact]
    public async Task Dialling_the_pickup_code_takes_a_call_ringing_at_another_agents_phone()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var ringing = await host.ReadyAgentAsync(queueId);
        var picker = await host.CreateAgentAsync(queueId);
        await using var ringingPhone = await host.StartPhoneAsync(ringing, "agent-ring-cancelled.xml");
        await using var caller = Sipp.Start("caller-loop.xml", host.SipPort, Sipp.FreeUdpPort(), number);
        await EdgeHost.Eventually(async () => (await host.AgentAsync(ringing)).Status == AgentStatus.Reserved, "the first agent's phone to ring");
        var callId = (await host.AgentAsync(ringing)).CallId!;
        Assert.True((await host.Grains.GetGrain<IAgentGrain>(picker).SetReadyAsync()).IsSuccess);

        var pickerPort = Sipp.FreeUdpPort();
        await host.RegisterPhoneAsync(picker, pickerPort);
        await using var pickerPhone = Sipp.Start("agent-dial.xml", host.SipPort, pickerPort, "**" + ringing,
            extraArguments: ["-set", "agent", picker]);
        var call = host.Grains.GetGrain<ICallGrain>(callId);
        await EdgeHost.Eventually(async () => (await call.GetAsync()) is { Status: CallStatus.Connected } c && c.AgentId == picker,
            "the picking agent to have the call");
        await ringingPhone.AssertSucceededAsync(); // its INVITE was CANCELled
        Assert.Equal(AgentStatus.Ready, (await host.AgentAsync(ringing)).Status);
        Assert.True((await call.HangupAsync(HangupSide.Agent)).IsSuccess);
        await caller.AssertSucceededAsync();
        await pickerPhone.AssertSucceededAsync();

        var record = await host.EndedCallAsync(queueId);
        Assert.Equal(picker, record.AgentId);
        Assert.Equal(CallDisposition.Answered, record.Disposition);
        await host.WaitReleasedAsync(record.CallId);
    }
}

[Collection(EdgeCollection.Name)]
public sealed class AnchoredParkingTests(EdgeHost host) : SipEdgeParkingTests(host);

[Collection(DirectEdgeCollection.Name)]
public sealed class DirectParkingTests(DirectEdgeHost host) : SipEdgeParkingTests(host);

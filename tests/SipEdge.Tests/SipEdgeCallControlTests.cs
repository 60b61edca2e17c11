using Acd.Agents;
using Acd.Calls;

namespace Acd.SipEdge.Tests;

/// <summary>
/// Call control on real SIP legs: hold and resume (from the API and from the phone), blind and attended transfers (from
/// the API and by the phone's REFER), DTMF by INFO in both directions. SIPp plays caller and agent phones. Each test runs
/// on an anchoring edge (re-pointing happens in its media engine: nobody is re-INVITEd) and on a direct one (re-pointing
/// is re-INVITEs carrying the other leg's description).
/// </summary>
public abstract class SipEdgeCallControlTests(EdgeHost host)
{
    [Fact]
    public async Task Hold_and_resume_from_the_api_repoint_both_legs()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var agentId = await host.ReadyAgentAsync(queueId);
        await using var phone = await host.StartPhoneAsync(agentId, "agent-answer-loop.xml");
        await using var caller = Sipp.Start("caller-loop.xml", host.SipPort, Sipp.FreeUdpPort(), number);
        var call = await host.ConnectedCallAsync(agentId);

        Assert.True((await call.HoldAsync()).IsSuccess);
        Assert.Equal(CallStatus.Held, (await call.GetAsync()).Status);
        Assert.True((await call.UnholdAsync()).IsSuccess);
        Assert.True((await call.HangupAsync(HangupSide.Agent)).IsSuccess);
        await caller.AssertSucceededAsync();
        await phone.AssertSucceededAsync();

        if (host.Anchored)
        {
            // The engine played the caller hold music and muted the agent: neither phone heard of it.
            Assert.Equal(0, CountReceived(caller.Messages, "INVITE"));
            Assert.Equal(1, CountReceived(phone.Messages, "INVITE"));
        }
        else
        {
            // Each leg got a sendonly offer (hold) and then a sendrecv one (resume), in that order.
            foreach (var log in new[] { caller.Messages, phone.Messages })
            {
                var held = log.IndexOf("a=sendonly", StringComparison.Ordinal);
                Assert.True(held > 0, "a hold re-INVITE (a=sendonly) reached the leg");
                Assert.Contains("a=sendrecv", log[held..], StringComparison.Ordinal);
            }
        }

        var record = await host.EndedCallAsync(queueId);
        Assert.Equal(CallDisposition.Answered, record.Disposition);
        Assert.True(record.HoldSeconds > 0, "the hold time is on the call record");
        await host.WaitReleasedAsync(record.CallId);
    }

    [Fact]
    public async Task Hold_from_the_phone_reaches_the_caller_and_shows_on_the_call()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var agentId = await host.ReadyAgentAsync(queueId);
        await using var phone = await host.StartPhoneAsync(agentId, "agent-phone-hold.xml");
        await using var caller = Sipp.Start("caller-loop.xml", host.SipPort, Sipp.FreeUdpPort(), number);
        var call = await host.ConnectedCallAsync(agentId);

        await EdgeHost.Eventually(async () => (await call.GetAsync()).Status == CallStatus.Held, "the phone's hold to reach the call");
        Assert.True((await host.AgentAsync(agentId)).OnHold);
        await EdgeHost.Eventually(async () => (await call.GetAsync()).Status == CallStatus.Connected, "the phone's resume to reach the call");
        Assert.True((await call.HangupAsync(HangupSide.Agent)).IsSuccess);
        await caller.AssertSucceededAsync();
        await phone.AssertSucceededAsync();

        if (host.Anchored)
        {
            Assert.Equal(0, CountReceived(caller.Messages, "INVITE")); // the engine answered the phone and played the caller music
        }
        else
        {
            var held = caller.Messages.IndexOf("a=sendonly", StringComparison.Ordinal);
            Assert.True(held > 0, "the phone's hold offer was relayed to the caller");
        }
        var record = await host.EndedCallAsync(queueId);
        Assert.Equal(CallDisposition.Answered, record.Disposition);
        await host.WaitReleasedAsync(record.CallId);
    }

    [Fact]
    public async Task Blind_transfer_from_the_api_moves_the_caller_to_the_second_agents_phone()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var first = await host.ReadyAgentAsync(queueId);
        var second = await host.CreateAgentAsync(queueId);
        await using var firstPhone = await host.StartPhoneAsync(first, "agent-answer-loop.xml");
        await using var secondPhone = await host.StartPhoneAsync(second, "agent-answer-loop.xml");
        await using var caller = Sipp.Start("caller-loop.xml", host.SipPort, Sipp.FreeUdpPort(), number);
        var call = await host.ConnectedCallAsync(first);
        Assert.True((await host.Grains.GetGrain<IAgentGrain>(second).SetReadyAsync()).IsSuccess); // only now: the call went to the first

        Assert.True((await call.TransferAsync(new TransferTarget(TransferTargetKind.Agent, second), TransferMode.Blind)).IsSuccess);
        await firstPhone.AssertSucceededAsync(); // its leg got BYE
        await EdgeHost.Eventually(async () => (await call.GetAsync()) is { Status: CallStatus.Connected } c && c.AgentId == second,
            "the second agent to answer the transferred call");
        Assert.True((await call.HangupAsync(HangupSide.Agent)).IsSuccess);
        await caller.AssertSucceededAsync();
        await secondPhone.AssertSucceededAsync();

        // Direct: re-pointed at the second phone by one re-INVITE; anchored: inside the engine.
        Assert.Equal(host.Anchored ? 0 : 1, CountReceived(caller.Messages, "INVITE"));
        var record = await host.EndedCallAsync(queueId);
        Assert.Equal(second, record.AgentId);
        Assert.Equal(CallDisposition.Answered, record.Disposition);
        await host.WaitReleasedAsync(record.CallId);
    }

    [Fact]
    public async Task Refer_from_the_agent_phone_transfers_the_call_and_reports_with_notify()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var first = await host.ReadyAgentAsync(queueId);
        var second = await host.CreateAgentAsync(queueId);
        await using var firstPhone = await host.StartPhoneAsync(first, "agent-refer.xml", ["-set", "target", second]);
        await using var secondPhone = await host.StartPhoneAsync(second, "agent-answer-loop.xml");
        await using var caller = Sipp.Start("caller-loop.xml", host.SipPort, Sipp.FreeUdpPort(), number);
        var call = await host.ConnectedCallAsync(first);
        Assert.True((await host.Grains.GetGrain<IAgentGrain>(second).SetReadyAsync()).IsSuccess); // only now: the call went to the first

        await firstPhone.AssertSucceededAsync(); // 202, NOTIFY 100, NOTIFY 200, then its own BYE
        await EdgeHost.Eventually(async () => (await call.GetAsync()) is { Status: CallStatus.Connected } c && c.AgentId == second,
            "the REFER target to answer");
        Assert.True((await call.HangupAsync(HangupSide.Agent)).IsSuccess);
        await caller.AssertSucceededAsync();
        await secondPhone.AssertSucceededAsync();

        var record = await host.EndedCallAsync(queueId);
        Assert.Equal(second, record.AgentId);
        await EdgeHost.Eventually(async () => (await host.AgentAsync(first)).Status is AgentStatus.Ready or AgentStatus.WrapUp,
            "the transferring agent to be free");
        await host.WaitReleasedAsync(record.CallId);
    }

    [Fact]
    public async Task Attended_transfer_from_the_api_consults_then_hands_the_caller_over()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var first = await host.ReadyAgentAsync(queueId);
        var second = await host.CreateAgentAsync(queueId);
        await using var firstPhone = await host.StartPhoneAsync(first, "agent-answer-loop.xml");
        await using var secondPhone = await host.StartPhoneAsync(second, "agent-answer-loop.xml");
        await using var caller = Sipp.Start("caller-loop.xml", host.SipPort, Sipp.FreeUdpPort(), number);
        var call = await host.ConnectedCallAsync(first);
        Assert.True((await host.Grains.GetGrain<IAgentGrain>(second).SetReadyAsync()).IsSuccess); // only now: the call went to the first

        Assert.True((await call.TransferAsync(new TransferTarget(TransferTargetKind.Agent, second), TransferMode.Attended)).IsSuccess);
        await EdgeHost.Eventually(async () => (await host.AgentAsync(second)).Status == AgentStatus.OnCall, "the consulted agent to answer");
        // The consultation re-INVITEs the first phone to the consulted agent and the caller to hold, before completion.
        await EdgeHost.Eventually(() => Task.FromResult(host.Edge.IsCarrying(call.GetPrimaryKeyString())), "the call to be on the edge");
        Assert.True((await call.CompleteTransferAsync()).IsSuccess);
        await firstPhone.AssertSucceededAsync();
        Assert.Equal(second, (await call.GetAsync()).AgentId);
        Assert.True((await call.HangupAsync(HangupSide.Agent)).IsSuccess);
        await caller.AssertSucceededAsync();
        await secondPhone.AssertSucceededAsync();

        if (host.Anchored)
        {
            // The caller heard hold music during the consultation and then the consulted agent, all inside the engine.
            Assert.Equal(0, CountReceived(caller.Messages, "INVITE"));
            Assert.Equal(1, CountReceived(secondPhone.Messages, "INVITE"));
        }
        else
        {
            Assert.Contains("a=sendonly", caller.Messages, StringComparison.Ordinal); // waited on hold during the consultation
            Assert.True(CountReceived(secondPhone.Messages, "INVITE") >= 2, "the consulted phone was re-pointed at the caller");
        }
        var record = await host.EndedCallAsync(queueId);
        Assert.Equal(second, record.AgentId);
        Assert.Equal(CallDisposition.Answered, record.Disposition);
        await host.WaitReleasedAsync(record.CallId);
    }

    [Fact]
    public async Task Dtmf_info_is_relayed_between_legs_and_sent_from_the_api()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var agentId = await host.ReadyAgentAsync(queueId);
        await using var phone = await host.StartPhoneAsync(agentId, "agent-dtmf.xml");
        await using var caller = Sipp.Start("caller-dtmf.xml", host.SipPort, Sipp.FreeUdpPort(), number);
        var call = await host.ConnectedCallAsync(agentId);

        // The caller waits for the API's 7 (INFO), then presses 5, which the agent's phone must receive, then hangs up.
        Assert.True((await call.SendDtmfAsync("7")).IsSuccess);
        await caller.AssertSucceededAsync();
        await phone.AssertSucceededAsync();

        Assert.Contains("application/dtmf-relay", phone.Messages, StringComparison.Ordinal);
        var record = await host.EndedCallAsync(queueId);
        Assert.Equal(CallDisposition.Answered, record.Disposition);
        await host.WaitReleasedAsync(record.CallId);
    }

    /// <summary>How many requests of <paramref name="method"/> SIPp received (its message log marks them "received").</summary>
    private static int CountReceived(string log, string method)
    {
        var count = 0;
        var blocks = log.Split("message received", StringSplitOptions.None);
        foreach (var block in blocks.Skip(1))
        {
            var firstLine = block.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith('['));
            if (firstLine is not null && firstLine.StartsWith(method + " ", StringComparison.Ordinal))
            {
                count++;
            }
        }

        return count;
    }
}

[Collection(EdgeCollection.Name)]
public sealed class AnchoredCallControlTests(EdgeHost host) : SipEdgeCallControlTests(host);

[Collection(DirectEdgeCollection.Name)]
public sealed class DirectCallControlTests(DirectEdgeHost host) : SipEdgeCallControlTests(host);

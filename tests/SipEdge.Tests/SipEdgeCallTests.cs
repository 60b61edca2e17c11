using System.Collections.Immutable;
using Acd.Agents;
using Acd.Calls;
using Acd.Customers;

namespace Acd.SipEdge.Tests;

/// <summary>
/// Real SIP through the edge: SIPp agent phones (digest REGISTER, then a UAS scenario) and SIPp callers (UAC) on loopback,
/// against the frontend host with its embedded silo.
/// </summary>
[Collection(EdgeCollection.Name)]
public sealed class SipEdgeCallTests(EdgeHost host)
{
    [Fact]
    public async Task Answered_call_runs_end_to_end_and_writes_the_call_record()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var agentId = await host.CreateAgentAsync(queueId);
        var phonePort = Sipp.FreeUdpPort();
        await host.RegisterPhoneAsync(agentId, phonePort);
        var device = Assert.Single((await host.AgentAsync(agentId)).Devices);
        Assert.Equal("edge-test", device.EdgeId);
        Assert.Equal("SIPp agent phone", device.UserAgent);
        Assert.True((await host.Grains.GetGrain<IAgentGrain>(agentId).SetReadyAsync()).IsSuccess);

        await using var phone = Sipp.Start("agent-answer.xml", host.SipPort, phonePort, agentId);
        await phone.WaitListeningAsync();
        await using var caller = Sipp.Start("caller-hangup.xml", host.SipPort, Sipp.FreeUdpPort(), number);
        await caller.AssertSucceededAsync();
        await phone.AssertSucceededAsync();

        var record = await host.EndedCallAsync(queueId);
        Assert.Equal(CallDisposition.Answered, record.Disposition);
        Assert.Equal(agentId, record.AgentId);
        Assert.Equal("+4930123456", record.Ani);
        Assert.Equal(number, record.Dnis);
        Assert.Equal("SIPp Caller", record.CallerName);
        Assert.NotNull(record.ConnectedAt);
        await EdgeHost.Eventually(async () => (await host.AgentAsync(agentId)).Status is AgentStatus.Ready or AgentStatus.WrapUp,
            "the agent to be free again");
        await host.WaitReleasedAsync(record.CallId);
    }

    [Fact]
    public async Task A_sip_call_from_a_known_customer_carries_the_customer_for_the_popup()
    {
        // The same use case as the API's inbound report: the caller is looked up before the call is offered.
        var directory = host.Grains.GetGrain<ICustomerDirectoryGrain>(CustomerDirectoryKeys.Default);
        var customerId = EdgeHost.NewId("cust");
        Assert.True((await directory.CreateAsync(new Customer(customerId, "Erika Mustermann", ["+49 30 123456"], "erika@example.com", "Example GmbH",
            "prefers e-mail", ImmutableDictionary<string, string>.Empty, DateTimeOffset.UtcNow))).IsSuccess);
        try
        {
            var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
            var agentId = await host.CreateAgentAsync(queueId);
            var phonePort = Sipp.FreeUdpPort();
            await host.RegisterPhoneAsync(agentId, phonePort);
            Assert.True((await host.Grains.GetGrain<IAgentGrain>(agentId).SetReadyAsync()).IsSuccess);

            await using var phone = Sipp.Start("agent-answer.xml", host.SipPort, phonePort, agentId);
            await phone.WaitListeningAsync();
            await using var caller = Sipp.Start("caller-wait-bye.xml", host.SipPort, Sipp.FreeUdpPort(), number);
            var call = await host.ConnectedCallAsync(agentId);
            var customer = (await call.GetAsync()).Info!.Customer;
            Assert.NotNull(customer);
            Assert.Equal(customerId, customer.CustomerId);
            Assert.Equal("Erika Mustermann", customer.Name);
            Assert.Equal("Example GmbH", customer.Company);
            Assert.Equal("builtin", customer.Source);

            Assert.True((await call.HangupAsync(HangupSide.Agent)).IsSuccess);
            await caller.AssertSucceededAsync();
            await phone.AssertSucceededAsync();
        }
        finally
        {
            await directory.DeleteAsync(customerId);
        }
    }

    [Fact]
    public async Task Hangup_from_the_acd_sends_bye_on_both_legs()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var agentId = await host.CreateAgentAsync(queueId);
        var phonePort = Sipp.FreeUdpPort();
        await host.RegisterPhoneAsync(agentId, phonePort);
        Assert.True((await host.Grains.GetGrain<IAgentGrain>(agentId).SetReadyAsync()).IsSuccess);

        await using var phone = Sipp.Start("agent-answer.xml", host.SipPort, phonePort, agentId);
        await phone.WaitListeningAsync();
        await using var caller = Sipp.Start("caller-wait-bye.xml", host.SipPort, Sipp.FreeUdpPort(), number);
        string? callId = null;
        await EdgeHost.Eventually(async () =>
        {
            var agent = await host.AgentAsync(agentId);
            callId = agent.CallId;
            return agent.Status == AgentStatus.OnCall;
        }, "the agent to be on the call");

        // What the desktop's hang-up button does: the grain ends the call and tells the edge to tear the legs down.
        Assert.True((await host.Grains.GetGrain<ICallGrain>(callId!).HangupAsync(HangupSide.Agent)).IsSuccess);
        await caller.AssertSucceededAsync();
        await phone.AssertSucceededAsync();

        var record = await host.EndedCallAsync(queueId);
        Assert.Equal(CallDisposition.Answered, record.Disposition);
        await host.WaitReleasedAsync(record.CallId);
    }

    [Fact]
    public async Task Ring_no_answer_cancels_the_first_phone_and_reoffers_to_the_second_agent()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 2);
        var silent = await host.CreateAgentAsync(queueId);
        var answering = await host.CreateAgentAsync(queueId);
        var silentPort = Sipp.FreeUdpPort();
        var answeringPort = Sipp.FreeUdpPort();
        await host.RegisterPhoneAsync(silent, silentPort);
        await host.RegisterPhoneAsync(answering, answeringPort);
        // Longest idle first: the silent agent turns Ready first, so it gets the first offer.
        Assert.True((await host.Grains.GetGrain<IAgentGrain>(silent).SetReadyAsync()).IsSuccess);
        await host.AfterAsync((await host.AgentAsync(silent)).StateSince); // the second agent is Ready strictly later
        Assert.True((await host.Grains.GetGrain<IAgentGrain>(answering).SetReadyAsync()).IsSuccess);

        await using var silentPhone = Sipp.Start("agent-ring-cancelled.xml", host.SipPort, silentPort, silent);
        await using var answeringPhone = Sipp.Start("agent-answer.xml", host.SipPort, answeringPort, answering);
        await silentPhone.WaitListeningAsync();
        await answeringPhone.WaitListeningAsync();
        await using var caller = Sipp.Start("caller-hangup.xml", host.SipPort, Sipp.FreeUdpPort(), number);
        await silentPhone.AssertSucceededAsync();
        await caller.AssertSucceededAsync();
        await answeringPhone.AssertSucceededAsync();

        var record = await host.EndedCallAsync(queueId);
        Assert.Equal(CallDisposition.Answered, record.Disposition);
        Assert.Equal(answering, record.AgentId);
        var call = await host.Grains.GetGrain<ICallGrain>(record.CallId).GetAsync();
        Assert.Equal(2, call.OfferCount);
        Assert.Equal(silent, call.FirstAgentId);
        var ronaAgent = await host.AgentAsync(silent);
        Assert.Equal(AgentStatus.NotReady, ronaAgent.Status);
        // The call grain's ring timer ends the offer: the phone rang out, it did not decline.
        Assert.Equal(ReasonCodes.NoAnswer, ronaAgent.ReasonCode);
        await host.WaitReleasedAsync(record.CallId);
    }

    [Fact]
    public async Task Caller_abandoning_while_queued_ends_the_call_abandoned()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var notReady = await host.CreateAgentAsync(queueId); // a member, but nobody is Ready

        await using var caller = Sipp.Start("caller-cancel.xml", host.SipPort, Sipp.FreeUdpPort(), number);
        await caller.AssertSucceededAsync();

        var record = await host.EndedCallAsync(queueId);
        Assert.Equal(CallDisposition.Abandoned, record.Disposition);
        Assert.Null(record.AgentId);
        Assert.Equal(AgentStatus.NotReady, (await host.AgentAsync(notReady)).Status);
        await host.WaitReleasedAsync(record.CallId);
    }

    [Fact]
    public async Task Caller_abandoning_while_the_phone_rings_cancels_both_legs_and_frees_the_agent()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 30);
        var agentId = await host.CreateAgentAsync(queueId);
        var phonePort = Sipp.FreeUdpPort();
        await host.RegisterPhoneAsync(agentId, phonePort);
        Assert.True((await host.Grains.GetGrain<IAgentGrain>(agentId).SetReadyAsync()).IsSuccess);

        await using var phone = Sipp.Start("agent-ring-cancelled.xml", host.SipPort, phonePort, agentId);
        await phone.WaitListeningAsync();
        await using var caller = Sipp.Start("caller-cancel.xml", host.SipPort, Sipp.FreeUdpPort(), number);
        await caller.AssertSucceededAsync();
        await phone.AssertSucceededAsync();

        var record = await host.EndedCallAsync(queueId);
        Assert.Equal(CallDisposition.Abandoned, record.Disposition);
        await EdgeHost.Eventually(async () => (await host.AgentAsync(agentId)).Status == AgentStatus.Ready, "the agent back to Ready");
        await host.WaitReleasedAsync(record.CallId);
    }

    [Fact]
    public async Task Busy_phone_rejects_the_offer_and_the_call_goes_to_the_next_agent()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var busy = await host.CreateAgentAsync(queueId);
        var answering = await host.CreateAgentAsync(queueId);
        var busyPort = Sipp.FreeUdpPort();
        var answeringPort = Sipp.FreeUdpPort();
        await host.RegisterPhoneAsync(busy, busyPort);
        await host.RegisterPhoneAsync(answering, answeringPort);
        Assert.True((await host.Grains.GetGrain<IAgentGrain>(busy).SetReadyAsync()).IsSuccess);
        await host.AfterAsync((await host.AgentAsync(busy)).StateSince); // the second agent is Ready strictly later
        Assert.True((await host.Grains.GetGrain<IAgentGrain>(answering).SetReadyAsync()).IsSuccess);

        await using var busyPhone = Sipp.Start("agent-busy.xml", host.SipPort, busyPort, busy);
        await using var answeringPhone = Sipp.Start("agent-answer.xml", host.SipPort, answeringPort, answering);
        await busyPhone.WaitListeningAsync();
        await answeringPhone.WaitListeningAsync();
        await using var caller = Sipp.Start("caller-hangup.xml", host.SipPort, Sipp.FreeUdpPort(), number);
        await busyPhone.AssertSucceededAsync();
        await caller.AssertSucceededAsync();
        await answeringPhone.AssertSucceededAsync();

        var record = await host.EndedCallAsync(queueId);
        Assert.Equal(CallDisposition.Answered, record.Disposition);
        Assert.Equal(answering, record.AgentId);
        var rejecting = await host.AgentAsync(busy);
        Assert.Equal(AgentStatus.NotReady, rejecting.Status);
        Assert.Equal(ReasonCodes.Rejected, rejecting.ReasonCode);
        await host.WaitReleasedAsync(record.CallId);
    }

    [Fact]
    public async Task Caller_over_tcp_whose_connection_closes_while_queued_ends_abandoned()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        await using (var caller = Sipp.Start("caller-hangup.xml", host.SipPort, Sipp.FreeUdpPort(), number, extraArguments: ["-t", "t1"]))
        {
            await EdgeHost.Eventually(async () => !(await host.Grains.GetGrain<Acd.Queues.IQueueGrain>(queueId).GetAsync()).Waiting.IsDefaultOrEmpty,
                "the TCP caller to wait in the queue");
        } // killing SIPp closes its connection: no CANCEL, no BYE

        var record = await host.EndedCallAsync(queueId);
        Assert.Equal(CallDisposition.Abandoned, record.Disposition);
        await host.WaitReleasedAsync(record.CallId);
    }

    [Fact]
    public async Task Unknown_number_is_answered_404()
    {
        await using var caller = Sipp.Start("caller-unknown-number.xml", host.SipPort, Sipp.FreeUdpPort(), "+4900000000001");
        await caller.AssertSucceededAsync();
    }

    [Fact]
    public async Task Unregister_removes_the_phone_from_the_agent()
    {
        var (queueId, _) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var agentId = await host.CreateAgentAsync(queueId);
        var phonePort = Sipp.FreeUdpPort();
        await host.RegisterPhoneAsync(agentId, phonePort);
        await host.RegisterPhoneAsync(agentId, phonePort, expires: 0);
        Assert.True((await host.AgentAsync(agentId)).Devices.IsDefaultOrEmpty);
    }
}

using Acd.Agents;
using Acd.Calls;
using Acd.Common;
using Acd.Grains.Tests.Infrastructure;
using Acd.Queues;

namespace Acd.Grains.Tests;

[Collection(AcdCollection.Name)]
public sealed class RoutingTests(AcdCluster fixture) : AcdTestBase(fixture)
{
    [Fact]
    public async Task New_call_goes_to_a_ready_agent_at_once()
    {
        var queue = await NewQueueAsync();
        var agent = await NewAgentAsync([queue]);

        var call = await NewCallAsync(queue);

        var snapshot = await Call(call).GetAsync();
        Assert.Equal(CallStatus.Offered, snapshot.Status);
        Assert.Equal(agent, snapshot.AgentId);
        var agentState = await Agent(agent).GetAsync();
        Assert.Equal(AgentStatus.Reserved, agentState.Status);
        Assert.Equal(call, agentState.CallId);
    }

    [Fact]
    public async Task Waiting_calls_are_served_by_priority_then_original_join_time()
    {
        var queue = await NewQueueAsync();
        var first = await NewCallAsync(queue);
        await AdvanceAsync(TimeSpan.FromSeconds(1));
        var second = await NewCallAsync(queue);
        await AdvanceAsync(TimeSpan.FromSeconds(1));
        var urgent = await NewCallAsync(queue, priority: 5);

        var waiting = (await Queue(queue).GetAsync()).Waiting.Select(c => c.CallId).ToList();
        Assert.Equal([urgent, first, second], waiting);

        var served = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var agent = await NewAgentAsync([queue]);
            served.Add((await Agent(agent).GetAsync()).CallId!);
        }

        Assert.Equal([urgent, first, second], served);
    }

    [Fact]
    public async Task Only_agents_with_the_required_skill_levels_get_the_call()
    {
        var queue = await NewQueueAsync(c => c with { RequiredSkills = Skills(("spanish", 5), ("billing", 2)) });
        var novice = await NewAgentAsync([queue], Skills(("spanish", 4), ("billing", 9)));
        var noBilling = await NewAgentAsync([queue], Skills(("spanish", 9)));
        var qualified = await NewAgentAsync([queue], Skills(("SPANISH", 5), ("billing", 2)));

        var call = await NewCallAsync(queue);

        Assert.Equal(qualified, (await Call(call).GetAsync()).AgentId);
        Assert.Equal(AgentStatus.Ready, await StatusOf(novice));
        Assert.Equal(AgentStatus.Ready, await StatusOf(noBilling));
    }

    [Fact]
    public async Task Unqualified_agent_turning_ready_leaves_the_call_waiting()
    {
        var queue = await NewQueueAsync(c => c with { RequiredSkills = Skills(("french", 3)) });
        var call = await NewCallAsync(queue);
        var agent = await NewAgentAsync([queue], Skills(("french", 2)));

        Assert.Equal(AgentStatus.Ready, await StatusOf(agent));
        Assert.Equal(CallStatus.Queued, await StatusOfCall(call));
    }

    [Fact]
    public async Task Agent_turning_ready_takes_the_best_call_across_its_queues()
    {
        var sales = await NewQueueAsync();
        var support = await NewQueueAsync();
        var oldSales = await NewCallAsync(sales);
        await AdvanceAsync(TimeSpan.FromSeconds(10));
        var newerSupport = await NewCallAsync(support);
        await AdvanceAsync(TimeSpan.FromSeconds(10));
        var urgentSupport = await NewCallAsync(support, priority: 3);

        var first = await NewAgentAsync([sales, support]);
        var second = await NewAgentAsync([sales, support]);
        var third = await NewAgentAsync([sales, support]);

        Assert.Equal(urgentSupport, (await Agent(first).GetAsync()).CallId);
        Assert.Equal(oldSales, (await Agent(second).GetAsync()).CallId);
        Assert.Equal(newerSupport, (await Agent(third).GetAsync()).CallId);
    }

    [Fact]
    public async Task Longest_idle_agent_gets_the_next_call()
    {
        var queue = await NewQueueAsync();
        var early = await NewAgentAsync([queue]);
        await AdvanceAsync(TimeSpan.FromSeconds(30));
        var late = await NewAgentAsync([queue]);

        var call = await NewCallAsync(queue);

        Assert.Equal(early, (await Call(call).GetAsync()).AgentId);
        Assert.Equal(AgentStatus.Ready, await StatusOf(late));
    }

    [Fact]
    public async Task Fewest_calls_strategy_prefers_the_agent_with_fewer_handled_calls()
    {
        var queue = await NewQueueAsync(c => c with { Strategy = RoutingStrategy.FewestCalls });
        var busy = await NewAgentAsync([queue]);
        var call = await NewCallAsync(queue);
        Ok(await Call(call).AnswerAsync(busy));
        Ok(await Call(call).HangupAsync(HangupSide.Caller));
        Assert.Equal(AgentStatus.Ready, await StatusOf(busy));
        await AdvanceAsync(TimeSpan.FromSeconds(5));
        var fresh = await NewAgentAsync([queue]);

        var next = await NewCallAsync(queue);

        Assert.Equal(fresh, (await Call(next).GetAsync()).AgentId);
    }

    [Fact]
    public async Task Round_robin_strategy_rotates_through_ready_agents()
    {
        var queue = await NewQueueAsync(c => c with { Strategy = RoutingStrategy.RoundRobin });
        var agents = new[] { "rr-a", "rr-b", "rr-c" }.Select(a => $"{a}-{queue}").ToList();
        foreach (var id in agents)
        {
            await NewAgentAsync([queue], id: id);
        }

        var order = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var call = await NewCallAsync(queue);
            var agent = (await Call(call).GetAsync()).AgentId!;
            order.Add(agent);
            Ok(await Call(call).AnswerAsync(agent));
            Ok(await Call(call).HangupAsync(HangupSide.Caller));
            await UntilAgent(agent, AgentStatus.Ready);
        }

        Assert.Equal([agents[0], agents[1], agents[2], agents[0]], order);
    }

    [Fact]
    public async Task Calls_the_sip_edge_carries_only_go_to_agents_with_a_registered_phone()
    {
        var queue = await NewQueueAsync();
        var noPhone = await NewAgentAsync([queue]);
        var withPhone = await NewAgentAsync([queue], ready: false);
        Ok(await Agent(withPhone).RegisterDeviceAsync(new DeviceBinding("sip:x@127.0.0.1:5070", "edge-1", "udp",
            Fixture.Time.GetUtcNow().AddMinutes(10), "test", null)));
        Ok(await Agent(withPhone).SetReadyAsync());

        var id = Unique("c");
        var started = await Call(id).StartInboundAsync(new CallInfo("+1555", "1000", null, CallDirection.Inbound, 0, queue, null, "edge-1"));
        Assert.True(started.IsSuccess, started.ToString());

        Assert.Equal(withPhone, (await Call(id).GetAsync()).AgentId);
        Assert.Equal(AgentStatus.Ready, await StatusOf(noPhone));

        // A CTI-reported call (no edge) still reaches the agent without a phone.
        var cti = await NewCallAsync(queue);
        Assert.Equal(noPhone, (await Call(cti).GetAsync()).AgentId);
    }

    [Fact]
    public async Task Device_bindings_expire_with_the_clock()
    {
        var queue = await NewQueueAsync();
        var agent = await NewAgentAsync([queue], ready: false);
        Ok(await Agent(agent).RegisterDeviceAsync(new DeviceBinding("sip:a@127.0.0.1", "edge", "ws",
            Fixture.Time.GetUtcNow().AddSeconds(60), null, "flow-1")));
        Assert.True((await Agent(agent).GetAsync()).HasRegisteredDevice);

        await AdvanceAsync(TimeSpan.FromSeconds(61));

        await Eventually(async () => !(await Agent(agent).GetAsync()).HasRegisteredDevice, "the binding expired");
    }

    [Fact]
    public async Task Number_routing_rejects_a_number_owned_by_another_queue()
    {
        var number = Unique("+1800");
        var first = await NewQueueAsync(c => c with { Numbers = [number] });
        var second = Unique("q");
        Fails(await Queue(second).ConfigureAsync(QueueConfig.Create("second", [number])), AcdError.Conflict);

        var catalog = Client.GetGrain<Acd.Catalog.ICatalogGrain>(Acd.Catalog.CatalogKeys.Default);
        Assert.Equal(first, await catalog.ResolveNumberAsync(number));
        Assert.Contains(first, await catalog.ListQueuesAsync());
    }

    [Fact]
    public async Task Call_to_an_unknown_queue_fails_with_a_record()
    {
        var id = Unique("c");
        var result = await Call(id).StartInboundAsync(new CallInfo("+1", "2", null, CallDirection.Inbound, 0, "no-such-queue", null, null));
        Assert.Equal(AcdError.NotFound, result.Error);
        var snapshot = await Call(id).GetAsync();
        Assert.Equal(CallStatus.Ended, snapshot.Status);
        Assert.Equal(CallDisposition.Failed, snapshot.Disposition);
    }
}

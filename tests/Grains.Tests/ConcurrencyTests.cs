using Acd.Agents;
using Acd.Calls;
using Acd.Grains.Tests.Infrastructure;

namespace Acd.Grains.Tests;

/// <summary>Agents going Ready and calls arriving at the same time, many at once.</summary>
[Collection(AcdCollection.Name)]
public sealed class ConcurrencyTests(AcdCluster fixture) : AcdTestBase(fixture)
{
    [Theory]
    [InlineData(200, 300)]
    [InlineData(300, 150)]
    public async Task No_agent_gets_two_calls_and_no_call_two_agents(int agentCount, int callCount)
    {
        var queues = new[] { await NewQueueAsync(), await NewQueueAsync(), await NewQueueAsync() };
        // Every agent serves two of the three queues, so matching crosses queues constantly.
        var agents = (await Task.WhenAll(Enumerable.Range(0, agentCount)
            .Select(i => NewAgentAsync([queues[i % 3], queues[(i + 1) % 3]], ready: false)))).ToList();

        var readyTasks = agents.Select(a => Agent(a).SetReadyAsync());
        var callTasks = Enumerable.Range(0, callCount).Select(i => NewCallAsync(queues[i % 3], priority: i % 4));
        var all = Task.WhenAll(readyTasks);
        var calls = await Task.WhenAll(callTasks);
        Assert.All(await all, Ok);

        var expectedOffers = Math.Min(agentCount, callCount);
        await Eventually(async () => (await Task.WhenAll(calls.Select(c => Call(c).GetAsync())))
            .Count(c => c.Status == CallStatus.Offered) == expectedOffers, $"{expectedOffers} calls are offered", async () =>
        {
            // Slow, or a match that never happened (a Ready agent and a waiting call of its queues left apart)?
            var callStates = await Task.WhenAll(calls.Select(c => Call(c).GetAsync()));
            var agentStates = await Task.WhenAll(agents.Select(a => Agent(a).GetAsync()));
            return "Calls: " + string.Join(", ", callStates.GroupBy(c => c.Status).Select(g => $"{g.Key} {g.Count()}"))
                + "; agents: " + string.Join(", ", agentStates.GroupBy(a => a.Status).Select(g => $"{g.Key} {g.Count()}"));
        }, seconds: 30); // 500 grains on two cores shared with every other test project in CI: about 1 s alone, 10+ s there

        await AssertConsistentAsync(agents, calls);

        // Drain: every offered call is answered and hung up; freed agents take the rest.
        var ended = new HashSet<string>();
        while (ended.Count < callCount)
        {
            var offered = (await Task.WhenAll(calls.Select(c => Call(c).GetAsync())))
                .Where(c => c.Status == CallStatus.Offered).ToList();
            if (offered.Count == 0)
            {
                await Eventually(async () => (await Task.WhenAll(calls.Where(c => !ended.Contains(c)).Select(c => Call(c).GetAsync())))
                    .Any(c => c.Status == CallStatus.Offered), "a waiting call is offered to a freed agent");
                continue;
            }

            await Task.WhenAll(offered.Select(async c =>
            {
                Ok(await Call(c.CallId).AnswerAsync(c.AgentId!));
                Ok(await Call(c.CallId).HangupAsync(HangupSide.Caller));
            }));
            ended.UnionWith(offered.Select(c => c.CallId));
            await AssertConsistentAsync(agents, calls);
        }

        var finalCalls = await Task.WhenAll(calls.Select(c => Call(c).GetAsync()));
        Assert.All(finalCalls, c => Assert.Equal(CallDisposition.Answered, c.Disposition));
        Assert.Equal(callCount, finalCalls.Select(c => c.CallId).Distinct().Count());
        await Eventually(async () => (await Task.WhenAll(agents.Select(a => Agent(a).GetAsync())))
            .All(a => a.Status == AgentStatus.Ready), "every agent is Ready again");
        Assert.Equal(callCount, (await Task.WhenAll(agents.Select(a => Agent(a).GetAsync()))).Sum(a => a.CallsHandled));
    }

    private async Task AssertConsistentAsync(IReadOnlyList<string> agents, IReadOnlyList<string> calls)
    {
        // Calls first: an agent reserves itself before it offers, so a call seen as offered is still held by
        // its agent when the agents are read afterwards (nothing answers or hangs up during the check).
        var callStates = (await Task.WhenAll(calls.Select(c => Call(c).GetAsync()))).ToDictionary(c => c.CallId);
        var agentStates = await Task.WhenAll(agents.Select(a => Agent(a).GetAsync()));
        var held = agentStates.Where(a => a.Status is AgentStatus.Reserved or AgentStatus.OnCall).ToList();

        // No call is held by two agents.
        Assert.Equal(held.Count, held.Select(a => a.CallId).Distinct().Count());

        // Every offered/connected call points at exactly the agent that holds it, and back.
        foreach (var call in callStates.Values.Where(c => c.Status is CallStatus.Offered or CallStatus.Connected))
        {
            var holders = held.Where(a => a.CallId == call.CallId).ToList();
            Assert.Single(holders);
            Assert.Equal(call.AgentId, holders[0].AgentId);
        }

        // An agent may have reserved itself for a call whose offer is still in flight (the call is then
        // still Queued, with no agent); it must never point at a call that another agent holds.
        foreach (var agent in held)
        {
            var call = callStates[agent.CallId!];
            Assert.True(call.AgentId == agent.AgentId || (call.AgentId is null && call.Status == CallStatus.Queued),
                $"agent {agent.AgentId} holds {call.CallId}, which is {call.Status} with agent {call.AgentId}");
        }
    }
}

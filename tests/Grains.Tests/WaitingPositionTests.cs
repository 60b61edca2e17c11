using Acd.Agents;
using Acd.Calls;
using Acd.Grains.Queues;
using Acd.Grains.Tests.Infrastructure;
using Acd.Queues;

namespace Acd.Grains.Tests;

/// <summary>A waiting caller's position and estimated wait (what the SIP edge announces), on the fake clock.</summary>
[Collection(AcdCollection.Name)]
public sealed class WaitingPositionTests(AcdCluster fixture) : AcdTestBase(fixture)
{
    [Fact]
    public async Task Waiting_calls_have_positions_in_queue_order_and_no_estimate_without_history()
    {
        var queue = await NewQueueAsync();
        var first = await NewCallAsync(queue);
        await AdvanceAsync(TimeSpan.FromSeconds(10));
        var second = await NewCallAsync(queue);
        await AdvanceAsync(TimeSpan.FromSeconds(5));

        var p1 = await Queue(queue).GetWaitingPositionAsync(first);
        var p2 = await Queue(queue).GetWaitingPositionAsync(second);
        Assert.Equal((1, 2, TimeSpan.FromSeconds(15)), (p1.Position!.Value, p1.Waiting, p1.Waited));
        Assert.Equal((2, TimeSpan.FromSeconds(5)), (p2.Position!.Value, p2.Waited));
        Assert.Equal(WaitEstimateBasis.None, p1.Basis);
        Assert.Null(p1.EstimatedWait);

        // A call of higher priority goes ahead of both; a call the queue does not hold has no position.
        var urgent = await NewCallAsync(queue, priority: 5);
        Assert.Equal(1, (await Queue(queue).GetWaitingPositionAsync(urgent)).Position);
        Assert.Equal(3, (await Queue(queue).GetWaitingPositionAsync(second)).Position);
        var stranger = await Queue(queue).GetWaitingPositionAsync("no-such-call");
        Assert.Null(stranger.Position);
        Assert.Equal(3, stranger.Waiting);

        Ok(await Call(first).HangupAsync(HangupSide.Caller));
        Assert.Null((await Queue(queue).GetWaitingPositionAsync(first)).Position);
        Assert.Equal(2, (await Queue(queue).GetWaitingPositionAsync(second)).Position);
    }

    [Fact]
    public async Task The_estimate_is_position_times_handle_time_over_the_agents_working_the_queue()
    {
        var queue = await NewQueueAsync(c => c with { WrapUpSeconds = 20 });
        var agent = await NewAgentAsync([queue]);
        // Three calls, each keeping the agent 2 minutes: 10 s ringing, 90 s talking, 20 s wrap-up.
        for (var i = 0; i < QueueGrain.MinWaitSamples; i++)
        {
            await HandleOneCallAsync(queue, agent, ring: TimeSpan.FromSeconds(10), talk: TimeSpan.FromSeconds(90), wrapUp: TimeSpan.FromSeconds(20));
        }

        var stats = await Queue(queue).GetStatsAsync();
        Assert.Equal(TimeSpan.FromMinutes(2), stats.AverageHandleTime);
        Assert.Equal(3, stats.HandledCalls);

        // The agent takes a fourth call and stays on it; three callers queue behind.
        var talking = await NewCallAsync(queue);
        Ok(await Call(talking).AnswerAsync(agent));
        var waiting = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            waiting.Add(await NewCallAsync(queue));
            await AdvanceAsync(TimeSpan.FromSeconds(1)); // join order, not call id, decides between them
        }

        var estimates = await EstimatesAsync(queue, waiting);
        Assert.Equal([TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(6)], estimates);
        Assert.All(await Task.WhenAll(waiting.Select(c => Queue(queue).GetWaitingPositionAsync(c))), p => Assert.Equal(WaitEstimateBasis.HandleTime, p.Basis));

        // A colleague on a break does not shorten the wait; once Ready she takes the first caller and halves the rest's.
        var colleague = await NewAgentAsync([queue], ready: false);
        Assert.Equal([TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(6)], await EstimatesAsync(queue, waiting));
        Ok(await Agent(colleague).SetReadyAsync());
        await Eventually(async () => (await Queue(queue).GetWaitingPositionAsync(waiting[0])).Position is null, "the colleague took the first caller");
        var rest = await EstimatesAsync(queue, waiting.Skip(1));
        Assert.Equal([TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2)], rest);
    }

    [Fact]
    public async Task Without_handle_times_the_estimate_follows_the_answer_rate_of_the_window()
    {
        var queue = await NewQueueAsync();
        var agents = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            agents.Add(await NewAgentAsync([queue]));
        }

        // Three calls answered over six minutes, none finished yet: no handle time, but the line moved.
        var start = Fixture.Time.GetUtcNow();
        var sliceStart = new DateTimeOffset(start.UtcTicks - start.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
        foreach (var agent in agents)
        {
            var call = await NewCallAsync(queue);
            var offered = await Call(call).GetAsync();
            Ok(await Call(call).AnswerAsync(offered.AgentId!));
            await AdvanceAsync(TimeSpan.FromMinutes(2));
        }

        var waiting = await NewCallAsync(queue);
        var position = await Queue(queue).GetWaitingPositionAsync(waiting);
        Assert.Equal(1, position.Position);
        Assert.Equal(WaitEstimateBasis.AnswerRate, position.Basis);
        Assert.Equal(TimeSpan.FromTicks((Fixture.Time.GetUtcNow() - sliceStart).Ticks / 3), position.EstimatedWait);
    }

    private async Task HandleOneCallAsync(string queue, string agent, TimeSpan ring, TimeSpan talk, TimeSpan wrapUp)
    {
        var call = await NewCallAsync(queue);
        Assert.Equal(agent, (await Call(call).GetAsync()).AgentId);
        await AdvanceAsync(ring);
        Ok(await Call(call).AnswerAsync(agent));
        await AdvanceAsync(talk);
        Ok(await Call(call).HangupAsync(HangupSide.Caller));
        await UntilAgent(agent, AgentStatus.WrapUp);
        await AdvanceAsync(wrapUp);
        await UntilAgent(agent, AgentStatus.Ready);
    }

    private async Task<TimeSpan?[]> EstimatesAsync(string queue, IEnumerable<string> calls) =>
        (await Task.WhenAll(calls.Select(c => Queue(queue).GetWaitingPositionAsync(c)))).Select(p => p.EstimatedWait).ToArray();
}

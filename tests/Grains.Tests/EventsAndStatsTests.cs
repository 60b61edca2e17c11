using Acd.Agents;
using Acd.Calls;
using Acd.Events;
using Acd.Grains.Tests.Infrastructure;

namespace Acd.Grains.Tests;

[Collection(AcdCollection.Name)]
public sealed class EventsAndStatsTests(AcdCluster fixture) : AcdTestBase(fixture)
{
    [Fact]
    public async Task Observers_receive_every_agent_transition_in_order()
    {
        var queue = await NewQueueAsync();
        var agent = await NewAgentAsync([queue], ready: false);
        var observer = new RecordingObserver();
        await Agent(agent).SubscribeAsync(Client.CreateObjectReference<IAcdObserver>(observer));

        Ok(await Agent(agent).SetReadyAsync());
        var call = await NewCallAsync(queue);
        Ok(await Call(call).AnswerAsync(agent));
        Ok(await Call(call).HangupAsync(HangupSide.Caller));

        var expected = new[] { AgentStatus.Ready, AgentStatus.Reserved, AgentStatus.OnCall, AgentStatus.Ready };
        await Eventually(() => Task.FromResult(observer.Events.OfType<AgentChanged>().Count(e => e.Transition is not null) >= 4),
            "four transitions arrived");
        Assert.Equal(expected, observer.Events.OfType<AgentChanged>().Where(e => e.Transition is not null).Select(e => e.Transition!.To));
        Assert.All(observer.Events.OfType<AgentChanged>(), e => Assert.Equal(agent, e.Agent.AgentId));
    }

    [Fact]
    public async Task Call_and_queue_observers_see_the_call_lifecycle()
    {
        var queue = await NewQueueAsync();
        var queueObserver = new RecordingObserver();
        await Queue(queue).SubscribeAsync(Client.CreateObjectReference<IAcdObserver>(queueObserver));
        var edge = new RecordingEdge();
        var call = await NewCallAsync(queue, edge: edge);
        var callObserver = new RecordingObserver();
        await Call(call).SubscribeAsync(Client.CreateObjectReference<IAcdObserver>(callObserver));

        var agent = await NewAgentAsync([queue]);
        Ok(await Call(call).AnswerAsync(agent));
        Ok(await Call(call).HangupAsync(HangupSide.Caller));

        await Eventually(() => Task.FromResult(callObserver.Events.OfType<CallChanged>().Any(e => e.Call.Status == CallStatus.Ended)), "the end reached the observer");
        Assert.Equal([CallStatus.Offered, CallStatus.Connected, CallStatus.Ended],
            callObserver.Events.OfType<CallChanged>().Select(e => e.Call.Status));
        // The edge carrying the legs gets the commands, numbered in order; desktops and wallboards get the state changes.
        await Eventually(() => Task.FromResult(edge.Of<HangUpCall>().Any()), "the hang-up command reached the edge");
        var ring = Assert.Single(edge.Of<RingAgent>());
        Assert.Equal(agent, ring.AgentId);
        Assert.Equal(TimeSpan.FromSeconds(20), ring.RingTimeout);
        Assert.True(ring.Sequence < Assert.Single(edge.Of<HangUpCall>()).Sequence);
        Assert.Equal(CallDisposition.Answered, edge.Of<HangUpCall>().Single().Disposition);
        await Eventually(() => Task.FromResult(queueObserver.Events.OfType<QueueChanged>().Any(e => e.Queue.Stats.Answered == 1)), "queue stats updated");
        Assert.Contains(queueObserver.Events.OfType<QueueChanged>(), e => e.Queue.Waiting.Any(w => w.CallId == call));
    }

    [Fact]
    public async Task Every_state_change_reaches_the_reporting_sink()
    {
        var queue = await NewQueueAsync();
        var agent = await NewAgentAsync([queue]);
        var call = await NewCallAsync(queue);
        Ok(await Call(call).AnswerAsync(agent));
        Ok(await Call(call).HangupAsync(HangupSide.Caller));

        var events = Fixture.Reporting.Events.ToList();
        Assert.Equal([CallStatus.Arrived, CallStatus.Queued, CallStatus.Offered, CallStatus.Connected, CallStatus.Ended],
            events.OfType<CallChanged>().Where(e => e.Call.CallId == call).Select(e => e.Call.Status));
        Assert.Equal([AgentStatus.NotReady, AgentStatus.Ready, AgentStatus.Reserved, AgentStatus.OnCall, AgentStatus.Ready],
            events.OfType<AgentChanged>().Where(e => e.Agent.AgentId == agent && e.Transition is not null).Select(e => e.Transition!.To));
    }

    [Fact]
    public async Task Service_level_counts_answers_within_threshold_against_late_abandons()
    {
        var queue = await NewQueueAsync(c => c with { SlaSeconds = 20 });

        // Answered in 10 s (within), answered in 30 s (late), abandoned at 5 s (short, ignored), abandoned at 40 s (late).
        var fast = await NewCallAsync(queue);
        await AdvanceAsync(TimeSpan.FromSeconds(10));
        var a1 = await NewAgentAsync([queue]);
        Ok(await Call(fast).AnswerAsync(a1));

        var slow = await NewCallAsync(queue);
        await AdvanceAsync(TimeSpan.FromSeconds(30));
        var a2 = await NewAgentAsync([queue]);
        Ok(await Call(slow).AnswerAsync(a2));

        var shortAbandon = await NewCallAsync(queue);
        await AdvanceAsync(TimeSpan.FromSeconds(5));
        Ok(await Call(shortAbandon).HangupAsync(HangupSide.Caller));

        var lateAbandon = await NewCallAsync(queue);
        await AdvanceAsync(TimeSpan.FromSeconds(40));
        var waitingStats = await Queue(queue).GetStatsAsync();
        Assert.Equal(1, waitingStats.Waiting);
        Assert.Equal(TimeSpan.FromSeconds(40), waitingStats.LongestWait);
        Ok(await Call(lateAbandon).HangupAsync(HangupSide.Caller));

        var stats = await Queue(queue).GetStatsAsync();
        Assert.Equal(4, stats.Offered);
        Assert.Equal(2, stats.Answered);
        Assert.Equal(2, stats.Abandoned);
        Assert.Equal(100.0 / 3, stats.ServiceLevelPercent!.Value, 3);
        Assert.Equal(TimeSpan.FromSeconds(20), stats.AverageSpeedOfAnswer);
        Assert.Equal(0, stats.ReadyAgents);
        Assert.Equal(2, stats.LoggedInAgents);
    }

    [Fact]
    public async Task Statistics_slide_out_of_the_window()
    {
        var queue = await NewQueueAsync(c => c with { StatsWindowMinutes = 10 });
        var call = await NewCallAsync(queue);
        Ok(await Call(call).HangupAsync(HangupSide.Caller));
        Assert.Equal(1, (await Queue(queue).GetStatsAsync()).Abandoned);

        await AdvanceAsync(TimeSpan.FromMinutes(11));

        var stats = await Queue(queue).GetStatsAsync();
        Assert.Equal(0, stats.Abandoned);
        Assert.Equal(0, stats.Offered);
        Assert.Null(stats.ServiceLevelPercent);
    }

    [Fact]
    public async Task A_call_back_in_line_after_ring_no_answer_is_offered_once_in_the_statistics()
    {
        var queue = await NewQueueAsync(c => c with { RingTimeoutSeconds = 15 });
        var sleepy = await NewAgentAsync([queue]);
        var call = await NewCallAsync(queue);
        await AdvanceAsync(TimeSpan.FromSeconds(15));
        await UntilCall(call, CallStatus.Queued);

        var awake = await NewAgentAsync([queue]);
        Ok(await Call(call).AnswerAsync(awake));

        var stats = await Queue(queue).GetStatsAsync();
        Assert.Equal(1, stats.Offered);
        Assert.Equal(1, stats.Answered);
        Assert.Equal(TimeSpan.FromSeconds(15), stats.AverageSpeedOfAnswer);
        Assert.Equal(AgentStatus.NotReady, await StatusOf(sleepy));
    }

    [Fact]
    public async Task Statistics_cover_the_last_window_of_many_calls()
    {
        var queue = await NewQueueAsync(c => c with { StatsWindowMinutes = 60, WrapUpSeconds = 0 });
        var agent = await NewAgentAsync([queue]);
        for (var i = 0; i < 120; i++)
        {
            var call = await NewCallAsync(queue);
            Ok(await Call(call).AnswerAsync(agent));
            Ok(await Call(call).HangupAsync(HangupSide.Caller));
            await AdvanceAsync(TimeSpan.FromSeconds(45));
        }

        // 90 minutes of calls: the last hour is counted, to one slice (a minute) of the window. The slices are whole
        // minutes of the clock, so the window covers between 59 and 60 minutes of calls 45 s apart, the last one 45 s ago:
        // 78 to 81 of them, depending on where in its minute the shared test clock stands.
        var stats = await Queue(queue).GetStatsAsync();
        Assert.InRange(stats.Offered, 78, 81);
        Assert.Equal(stats.Offered, stats.Answered);
        Assert.Equal(100.0, stats.ServiceLevelPercent);
    }
}

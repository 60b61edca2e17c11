using Acd.Agents;
using Acd.Calls;
using Acd.Grains.Tests.Infrastructure;

namespace Acd.Grains.Tests;

/// <summary>Ring-no-answer, max wait, wrap-up and lease expiry, driven by the fake clock only.</summary>
[Collection(AcdCollection.Name)]
public sealed class TimerTests(AcdCluster fixture) : AcdTestBase(fixture)
{
    [Fact]
    public async Task Ring_no_answer_requeues_at_original_place_and_sets_agent_not_ready()
    {
        var queue = await NewQueueAsync(c => c with { RingTimeoutSeconds = 15 });
        var sleepy = await NewAgentAsync([queue]);
        var call = await NewCallAsync(queue);
        var joinedAt = (await Call(call).GetAsync()).JoinedAt;
        await AdvanceAsync(TimeSpan.FromSeconds(5));
        var later = await NewCallAsync(queue);
        Assert.Equal(sleepy, (await Call(call).GetAsync()).AgentId);

        await AdvanceAsync(TimeSpan.FromSeconds(10));

        await UntilCall(call, CallStatus.Queued);
        var agent = await Agent(sleepy).GetAsync();
        Assert.Equal(AgentStatus.NotReady, agent.Status);
        Assert.Equal(ReasonCodes.NoAnswer, agent.ReasonCode);
        var waiting = (await Queue(queue).GetAsync()).Waiting;
        Assert.Equal([call, later], waiting.Select(w => w.CallId));
        Assert.Equal(joinedAt, waiting[0].JoinedAt);

        var second = await NewAgentAsync([queue]);
        var offered = await Call(call).GetAsync();
        Assert.Equal(second, offered.AgentId);
        Assert.Equal(2, offered.OfferCount);
        Assert.Equal(sleepy, offered.FirstAgentId);
    }

    [Fact]
    public async Task Answer_before_ring_timeout_stops_the_rona_timer()
    {
        var queue = await NewQueueAsync(c => c with { RingTimeoutSeconds = 10 });
        var agent = await NewAgentAsync([queue]);
        var call = await NewCallAsync(queue);
        await AdvanceAsync(TimeSpan.FromSeconds(9));
        Ok(await Call(call).AnswerAsync(agent));

        await AdvanceAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(CallStatus.Connected, await StatusOfCall(call));
        Assert.Equal(AgentStatus.OnCall, await StatusOf(agent));
    }

    [Fact]
    public async Task Caller_hangup_while_queued_is_abandoned()
    {
        var queue = await NewQueueAsync();
        var call = await NewCallAsync(queue);
        await AdvanceAsync(TimeSpan.FromSeconds(30));

        Ok(await Call(call).HangupAsync(HangupSide.Caller));

        var snapshot = await Call(call).GetAsync();
        Assert.Equal(CallDisposition.Abandoned, snapshot.Disposition);
        var stats = await Queue(queue).GetStatsAsync();
        Assert.Equal(0, stats.Waiting);
        Assert.Equal(1, stats.Abandoned);
    }

    [Fact]
    public async Task Caller_hangup_while_ringing_is_abandoned_and_frees_the_agent()
    {
        var queue = await NewQueueAsync();
        var agent = await NewAgentAsync([queue]);
        var call = await NewCallAsync(queue);
        Assert.Equal(AgentStatus.Reserved, await StatusOf(agent));

        Ok(await Call(call).HangupAsync(HangupSide.Caller));

        Assert.Equal(CallDisposition.Abandoned, (await Call(call).GetAsync()).Disposition);
        Assert.Equal(AgentStatus.Ready, await StatusOf(agent));
    }

    [Fact]
    public async Task Max_wait_overflows_to_the_target_queue_keeping_the_original_join_time()
    {
        var overflow = await NewQueueAsync();
        var queue = await NewQueueAsync(c => c with { MaxWaitSeconds = 60, OverflowQueueId = overflow });
        var call = await NewCallAsync(queue);
        var joinedAt = (await Call(call).GetAsync()).JoinedAt;

        await AdvanceAsync(TimeSpan.FromSeconds(60));

        await Eventually(async () => (await Call(call).GetAsync()).QueueId == overflow, "the call moved to the overflow queue");
        var snapshot = await Call(call).GetAsync();
        Assert.Equal(CallStatus.Queued, snapshot.Status);
        Assert.Equal(queue, snapshot.OverflowedFrom);
        Assert.Equal(joinedAt, snapshot.JoinedAt);
        Assert.Empty((await Queue(queue).GetAsync()).Waiting);
        Assert.Equal(1, (await Queue(queue).GetStatsAsync()).Overflowed);

        var agent = await NewAgentAsync([overflow]);
        Assert.Equal(call, (await Agent(agent).GetAsync()).CallId);
    }

    [Fact]
    public async Task Max_wait_without_overflow_target_ends_the_call_overflowed()
    {
        var queue = await NewQueueAsync(c => c with { MaxWaitSeconds = 30 });
        var call = await NewCallAsync(queue);

        await AdvanceAsync(TimeSpan.FromSeconds(31));

        await UntilCall(call, CallStatus.Ended);
        Assert.Equal(CallDisposition.Overflowed, (await Call(call).GetAsync()).Disposition);
    }

    [Fact]
    public async Task Wrap_up_expires_into_ready_and_takes_the_next_call()
    {
        var queue = await NewQueueAsync(c => c with { WrapUpSeconds = 20 });
        var agent = await NewAgentAsync([queue]);
        var call = await NewCallAsync(queue);
        Ok(await Call(call).AnswerAsync(agent));
        Ok(await Call(call).HangupAsync(HangupSide.Caller));
        var wrapUp = await Agent(agent).GetAsync();
        Assert.Equal(AgentStatus.WrapUp, wrapUp.Status);
        Assert.Equal(Fixture.Time.GetUtcNow().AddSeconds(20), wrapUp.WrapUpEndsAt);
        var next = await NewCallAsync(queue);

        await AdvanceAsync(TimeSpan.FromSeconds(19));
        Assert.Equal(AgentStatus.WrapUp, await StatusOf(agent));
        await AdvanceAsync(TimeSpan.FromSeconds(1));

        await UntilAgent(agent, AgentStatus.Reserved);
        Assert.Equal(next, (await Agent(agent).GetAsync()).CallId);
    }

    [Fact]
    public async Task A_reservation_nobody_confirms_ends_when_its_lease_expires()
    {
        var queue = await NewQueueAsync();
        var agent = await NewAgentAsync([queue]);

        Ok(await Agent(agent).TryReserveAsync("phantom-call", TimeSpan.FromSeconds(25)));
        Assert.Equal(AgentStatus.Reserved, await StatusOf(agent));

        await AdvanceAsync(TimeSpan.FromSeconds(24));
        Assert.Equal(AgentStatus.Reserved, await StatusOf(agent));
        await AdvanceAsync(TimeSpan.FromSeconds(1));

        await UntilAgent(agent, AgentStatus.Ready);
    }
}

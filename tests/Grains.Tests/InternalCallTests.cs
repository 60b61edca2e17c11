using Acd.Agents;
using Acd.Calls;
using Acd.Common;
using Acd.Events;
using Acd.Grains.Calls;
using Acd.Grains.Tests.Infrastructure;

namespace Acd.Grains.Tests;

/// <summary>
/// Internal calls between two agents: both held for the call and back where they came from, no queue, no wrap-up, no
/// Not Ready for an unanswered callee, a busy callee refused, and the call recorded as internal.
/// </summary>
[Collection(AcdCollection.Name)]
public sealed class InternalCallTests(AcdCluster fixture) : AcdTestBase(fixture)
{
    private async Task WithPhoneAsync(string agentId) =>
        Ok(await Agent(agentId).RegisterDeviceAsync(new DeviceBinding($"sip:{agentId}@127.0.0.1:5070", "edge-1", "udp",
            Fixture.Time.GetUtcNow().AddHours(1), "test phone", null)));

    /// <summary>Two agents of one queue with phones; the caller starts Not Ready (break), the callee Ready.</summary>
    private async Task<(string Queue, string Caller, string Callee)> ColleaguesAsync()
    {
        var queue = await NewQueueAsync(c => c with { WrapUpSeconds = 30 });
        var caller = await NewAgentAsync([queue], ready: false);
        Ok(await Agent(caller).SetNotReadyAsync(ReasonCodes.Break));
        var callee = await NewAgentAsync([queue]);
        await WithPhoneAsync(caller);
        await WithPhoneAsync(callee);
        return (queue, caller, callee);
    }

    private static void Fails<T>(Result<T> result, AcdError error) =>
        Assert.True(result.Error == error, $"expected {error}, got {result}");

    private Task<Result<CallSnapshot>> StartAsync(string callId, string caller, string callee, bool ringCallerFirst = false) =>
        Call(callId).StartInternalAsync(caller, callee, new CallInfo("ignored", "201", "Alice", CallDirection.Inbound, 0, "q-ignored", null, null),
            ringCallerFirst);

    [Fact]
    public async Task Both_agents_are_on_the_call_and_return_to_their_previous_states_without_wrap_up()
    {
        var (queue, caller, callee) = await ColleaguesAsync();
        var id = Unique("int");
        var edge = await AttachEdgeAsync(id);

        var started = await StartAsync(id, caller, callee);
        Ok(started);
        Assert.Equal(CallStatus.Offered, started.Value!.Status);
        Assert.Equal(AgentStatus.Reserved, await StatusOf(caller));
        Assert.Equal(AgentStatus.Reserved, await StatusOf(callee));
        // The caller's phone dialled: only the callee's rings, for the internal ring timeout.
        await Eventually(() => Task.FromResult(edge.Of<RingAgent>().Any()), "the callee's phone to be rung");
        var ring = Assert.Single(edge.Of<RingAgent>());
        Assert.Equal(callee, ring.AgentId);
        Assert.Equal(CallGrain.InternalRingTimeout, ring.RingTimeout);
        Assert.Single(ring.Devices);

        Ok(await Call(id).AnswerAsync(callee, ring.Sequence));
        Assert.Equal(AgentStatus.OnCall, await StatusOf(caller));
        Assert.Equal(AgentStatus.OnCall, await StatusOf(callee));
        Assert.Equal(CallStatus.Connected, await StatusOfCall(id));

        Ok(await Call(id).HangupAsync(HangupSide.Caller));
        var callerAfter = await Agent(caller).GetAsync();
        Assert.Equal(AgentStatus.NotReady, callerAfter.Status);
        Assert.Equal(ReasonCodes.Break, callerAfter.ReasonCode);
        Assert.Equal(AgentStatus.Ready, await StatusOf(callee));
        foreach (var agent in new[] { caller, callee })
        {
            Assert.DoesNotContain((await Agent(agent).GetHistoryAsync()), h => h.To == AgentStatus.WrapUp);
        }

        var call = await Call(id).GetAsync();
        Assert.Equal(CallDirection.Internal, call.Info!.Direction);
        Assert.Equal(CallDisposition.Answered, call.Disposition);
        Assert.Equal(callee, call.AgentId);
        Assert.Equal(caller, call.CallerAgentId);
        Assert.Equal(caller, call.Info.Ani);
        Assert.Equal("201", call.Info.Dnis);
        Assert.Null(call.QueueId);
        await Eventually(() => Task.FromResult(edge.Of<HangUpCall>().Any(h => h.Disposition == CallDisposition.Answered)), "the edge told to hang up");

        // Recorded as an internal call naming both agents, and nothing counted in the queue both agents serve.
        var recorded = Fixture.Reporting.Events.OfType<CallChanged>().Where(e => e.Call.CallId == id).Select(e => e.Call).ToList();
        Assert.All(recorded, c => Assert.Equal(CallDirection.Internal, c.Info!.Direction));
        Assert.Contains(recorded, c => c is { Status: CallStatus.Ended, AgentId: var a, CallerAgentId: var from } && a == callee && from == caller);
        var stats = await Queue(queue).GetStatsAsync();
        Assert.Equal(0, stats.Offered);
        Assert.Equal(0, stats.Answered);
        Assert.Equal(0, stats.Abandoned);
    }

    [Fact]
    public async Task A_queued_call_waits_while_both_agents_talk_internally_and_is_offered_when_they_are_free()
    {
        var (queue, caller, callee) = await ColleaguesAsync();
        Ok(await Agent(caller).SetReadyAsync());
        var id = Unique("int");
        await AttachEdgeAsync(id);
        Ok(await StartAsync(id, caller, callee));
        Ok(await Call(id).AnswerAsync(callee));

        var waiting = await NewCallAsync(queue);
        Assert.Equal(CallStatus.Queued, await StatusOfCall(waiting));
        Assert.Equal(1, (await Queue(queue).GetStatsAsync()).Waiting);
        Assert.Equal(AgentStatus.OnCall, await StatusOf(caller));
        Assert.Equal(AgentStatus.OnCall, await StatusOf(callee));

        Ok(await Call(id).HangupAsync(HangupSide.Agent));
        await UntilCall(waiting, CallStatus.Offered);
        Assert.Contains((await Call(waiting).GetAsync()).AgentId, new[] { caller, callee });
    }

    [Fact]
    public async Task A_busy_callee_is_refused_and_the_caller_is_left_as_it_was()
    {
        var (queue, caller, callee) = await ColleaguesAsync();
        var customer = await NewCallAsync(queue);
        Ok(await Call(customer).AnswerAsync(callee));
        var before = await Agent(caller).GetAsync();
        var id = Unique("int");
        await AttachEdgeAsync(id);

        Fails(await StartAsync(id, caller, callee), AcdError.Busy);

        var after = await Agent(caller).GetAsync();
        Assert.Equal(AgentStatus.NotReady, after.Status);
        Assert.Equal(before.StateSince, after.StateSince); // never reserved
        Assert.Equal(AgentStatus.OnCall, await StatusOf(callee));
        Assert.Null((await Call(id).GetAsync()).Info);
    }

    [Fact]
    public async Task A_callee_logged_out_or_without_a_phone_or_the_caller_itself_is_refused()
    {
        var (queue, caller, callee) = await ColleaguesAsync();
        var phoneless = await NewAgentAsync([queue]);
        var loggedOut = await NewAgentAsync([queue], ready: false);
        Ok(await Agent(loggedOut).LogoutAsync());
        var id = Unique("int");
        await AttachEdgeAsync(id);

        Fails(await StartAsync(id, caller, loggedOut), AcdError.IllegalTransition);
        Fails(await StartAsync(id, caller, phoneless), AcdError.Conflict);
        Fails(await StartAsync(id, caller, caller), AcdError.InvalidArgument);
        Fails(await StartAsync(id, caller, "nobody-" + id), AcdError.NotFound);
        Assert.Equal(AgentStatus.Ready, await StatusOf(phoneless));
        Assert.Equal(AgentStatus.Ready, await StatusOf(callee));
        Assert.Equal(AgentStatus.NotReady, await StatusOf(caller));
    }

    [Fact]
    public async Task An_unanswered_internal_call_ends_at_the_ring_timeout_without_making_the_callee_not_ready()
    {
        var (_, caller, callee) = await ColleaguesAsync();
        var id = Unique("int");
        var edge = await AttachEdgeAsync(id);
        Ok(await StartAsync(id, caller, callee));

        await AdvanceAsync(CallGrain.InternalRingTimeout);

        await UntilCall(id, CallStatus.Ended);
        var call = await Call(id).GetAsync();
        Assert.Equal(CallDisposition.NotAnswered, call.Disposition);
        Assert.Equal("no answer", call.EndReason);
        await UntilAgent(callee, AgentStatus.Ready);
        Assert.Null((await Agent(callee).GetAsync()).ReasonCode);
        Assert.Equal(AgentStatus.NotReady, await StatusOf(caller));
        Assert.Equal(ReasonCodes.Break, (await Agent(caller).GetAsync()).ReasonCode);
        await Eventually(() => Task.FromResult(edge.Of<CancelAgent>().Any(c => c.AgentId == callee && c.Reason == CancelReason.NoAnswer)),
            "the callee's phone to stop ringing");
    }

    [Fact]
    public async Task A_declined_internal_call_ends_not_answered_and_the_callee_stays_ready()
    {
        var (_, caller, callee) = await ColleaguesAsync();
        var id = Unique("int");
        await AttachEdgeAsync(id);
        Ok(await StartAsync(id, caller, callee));

        Ok(await Call(id).RejectAsync(callee));

        var call = await Call(id).GetAsync();
        Assert.Equal(CallStatus.Ended, call.Status);
        Assert.Equal(CallDisposition.NotAnswered, call.Disposition);
        Assert.Equal(AgentStatus.Ready, await StatusOf(callee));
        Assert.Equal(AgentStatus.NotReady, await StatusOf(caller));
    }

    [Fact]
    public async Task The_caller_hanging_up_while_the_callee_rings_ends_the_call_not_answered()
    {
        var (_, caller, callee) = await ColleaguesAsync();
        var id = Unique("int");
        var edge = await AttachEdgeAsync(id);
        Ok(await StartAsync(id, caller, callee));

        // From the desktop the side is "agent": on an internal call any hang-up ends it (no decline that keeps it ringing).
        Ok(await Call(id).HangupAsync(HangupSide.Agent));

        var call = await Call(id).GetAsync();
        Assert.Equal(CallDisposition.NotAnswered, call.Disposition);
        Assert.Equal(AgentStatus.Ready, await StatusOf(callee));
        Assert.Equal(AgentStatus.NotReady, await StatusOf(caller));
        await Eventually(() => Task.FromResult(edge.Of<CancelAgent>().Any(c => c.AgentId == callee)), "the callee's phone to stop ringing");
    }

    [Fact]
    public async Task From_the_desktop_the_callers_phone_rings_first_and_the_callee_answers_the_same_ring()
    {
        var (_, caller, callee) = await ColleaguesAsync();
        var id = Unique("int");
        var edge = await AttachEdgeAsync(id);

        Ok(await StartAsync(id, caller, callee, ringCallerFirst: true));

        await Eventually(() => Task.FromResult(edge.Of<PlaceInternal>().Any()), "the internal call to be placed");
        var place = Assert.Single(edge.Of<PlaceInternal>());
        Assert.Equal(caller, place.CallerAgentId);
        Assert.Equal(callee, place.CalleeAgentId);
        Assert.Single(place.CallerDevices);
        Assert.Single(place.CalleeDevices);
        Assert.Empty(edge.Of<RingAgent>());
        // Both phones may ring in turn before the call gives up.
        Assert.Equal(CallGrain.InternalRingTimeout * 2, (await Call(id).GetAsync()).OfferExpiresAt - Fixture.Time.GetUtcNow());
        Ok(await Call(id).AnswerAsync(callee, place.Sequence));
        Assert.Equal(AgentStatus.OnCall, await StatusOf(caller));
        Assert.Equal(AgentStatus.OnCall, await StatusOf(callee));
    }

    [Fact]
    public async Task From_the_desktop_a_caller_without_a_phone_is_refused()
    {
        var queue = await NewQueueAsync();
        var caller = await NewAgentAsync([queue]);
        var callee = await NewAgentAsync([queue]);
        await WithPhoneAsync(callee);
        var id = Unique("int");
        await AttachEdgeAsync(id);

        Fails(await StartAsync(id, caller, callee, ringCallerFirst: true), AcdError.Conflict);

        Assert.Equal(AgentStatus.Ready, await StatusOf(caller));
        Assert.Equal(AgentStatus.Ready, await StatusOf(callee));
    }

    [Fact]
    public async Task Internal_calls_cannot_be_transferred_or_parked_but_can_be_held()
    {
        var (queue, caller, callee) = await ColleaguesAsync();
        var id = Unique("int");
        await AttachEdgeAsync(id);
        Ok(await StartAsync(id, caller, callee));
        Ok(await Call(id).AnswerAsync(callee));

        Fails(await Call(id).TransferAsync(new TransferTarget(TransferTargetKind.Queue, queue), TransferMode.Blind), AcdError.IllegalTransition);
        Fails(await Call(id).ParkAsync(), AcdError.IllegalTransition);
        Ok(await Call(id).HoldAsync());
        Assert.True((await Agent(caller).GetAsync()).OnHold);
        Assert.True((await Agent(callee).GetAsync()).OnHold);
        Ok(await Call(id).UnholdAsync());
        Assert.Equal(CallStatus.Connected, await StatusOfCall(id));
    }
}

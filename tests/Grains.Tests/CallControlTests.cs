using Acd.Agents;
using Acd.Calls;
using Acd.Common;
using Acd.Events;
using Acd.Grains.Tests.Infrastructure;

namespace Acd.Grains.Tests;

[Collection(AcdCollection.Name)]
public sealed class CallControlTests(AcdCluster fixture) : AcdTestBase(fixture)
{
    private async Task<(string Queue, string Agent, string Call)> ConnectedCallAsync(int wrapUpSeconds = 0, RecordingEdge? edge = null)
    {
        var queue = await NewQueueAsync(c => c with { WrapUpSeconds = wrapUpSeconds });
        var agent = await NewAgentAsync([queue]);
        var call = await NewCallAsync(queue, edge: edge);
        Ok(await Call(call).AnswerAsync(agent));
        return (queue, agent, call);
    }

    [Fact]
    public async Task Answer_connects_call_and_agent_and_counts_speed_of_answer()
    {
        var queue = await NewQueueAsync();
        var call = await NewCallAsync(queue);
        await AdvanceAsync(TimeSpan.FromSeconds(12));
        var agent = await NewAgentAsync([queue]);
        await AdvanceAsync(TimeSpan.FromSeconds(3));

        Ok(await Call(call).AnswerAsync(agent));

        var snapshot = await Call(call).GetAsync();
        Assert.Equal(CallStatus.Connected, snapshot.Status);
        Assert.Equal(TimeSpan.FromSeconds(15), snapshot.ConnectedAt - snapshot.ArrivedAt);
        Assert.Equal(AgentStatus.OnCall, await StatusOf(agent));
        var stats = await Queue(queue).GetStatsAsync();
        Assert.Equal(1, stats.Answered);
        Assert.Equal(TimeSpan.FromSeconds(15), stats.AverageSpeedOfAnswer);
    }

    [Fact]
    public async Task Answer_by_an_agent_the_call_was_not_offered_to_is_refused()
    {
        var queue = await NewQueueAsync();
        var agent = await NewAgentAsync([queue]);
        var call = await NewCallAsync(queue);
        Fails(await Call(call).AnswerAsync("someone-else"), AcdError.IllegalTransition);
        Assert.Equal(CallStatus.Offered, await StatusOfCall(call));
        Assert.Equal(AgentStatus.Reserved, await StatusOf(agent));
    }

    [Fact]
    public async Task Hold_and_unhold_track_hold_time_on_call_and_agent()
    {
        var (_, agent, call) = await ConnectedCallAsync();
        Ok(await Call(call).HoldAsync());
        Assert.True((await Agent(agent).GetAsync()).OnHold);
        Assert.Equal(CallStatus.Held, await StatusOfCall(call));
        await AdvanceAsync(TimeSpan.FromSeconds(40));
        Ok(await Call(call).UnholdAsync());

        var snapshot = await Call(call).GetAsync();
        Assert.Equal(CallStatus.Connected, snapshot.Status);
        Assert.Equal(TimeSpan.FromSeconds(40), snapshot.TotalHold);
        Assert.False((await Agent(agent).GetAsync()).OnHold);
    }

    [Fact]
    public async Task Hold_is_refused_unless_connected()
    {
        var queue = await NewQueueAsync();
        var call = await NewCallAsync(queue);
        Fails(await Call(call).HoldAsync(), AcdError.IllegalTransition);
        Fails(await Call(call).UnholdAsync(), AcdError.IllegalTransition);
        Assert.Equal(CallStatus.Queued, await StatusOfCall(call));
    }

    [Fact]
    public async Task Hangup_of_a_connected_call_records_answered_and_starts_wrap_up()
    {
        var (_, agent, call) = await ConnectedCallAsync(wrapUpSeconds: 10);
        await AdvanceAsync(TimeSpan.FromSeconds(90));
        Ok(await Call(call).HangupAsync(HangupSide.Agent));

        var snapshot = await Call(call).GetAsync();
        Assert.Equal(CallDisposition.Answered, snapshot.Disposition);
        Assert.Equal(AgentStatus.WrapUp, await StatusOf(agent));
        Assert.Equal(1, (await Agent(agent).GetAsync()).CallsHandled);
        Ok(await Call(call).HangupAsync(HangupSide.Caller));
    }

    [Fact]
    public async Task Agent_reject_sends_the_call_back_to_the_head_of_the_line()
    {
        var queue = await NewQueueAsync();
        var agent = await NewAgentAsync([queue]);
        var call = await NewCallAsync(queue);
        await AdvanceAsync(TimeSpan.FromSeconds(1));
        await NewCallAsync(queue);

        Ok(await Call(call).RejectAsync(agent));

        var snapshot = await Agent(agent).GetAsync();
        Assert.Equal(AgentStatus.NotReady, snapshot.Status);
        Assert.Equal(ReasonCodes.Rejected, snapshot.ReasonCode);
        Assert.Equal(call, (await Queue(queue).GetAsync()).Waiting[0].CallId);
    }

    [Fact]
    public async Task The_ring_command_carries_the_offer_number_and_the_phones_the_agent_had_when_reserved()
    {
        var queue = await NewQueueAsync();
        var agent = await NewAgentAsync([queue]);
        var phone = new DeviceBinding("sip:" + agent + "@10.0.0.7:5060", "edge-2", "UDP", Fixture.Time.GetUtcNow().AddHours(1), "phone", null, "10.0.0.2:5060");
        Ok(await Agent(agent).RegisterDeviceAsync(phone));
        var edge = new RecordingEdge();
        await NewCallAsync(queue, edge: edge);

        await Eventually(() => Task.FromResult(edge.Of<RingAgent>().Any()), "the ring command");
        var ring = edge.Of<RingAgent>().Single();
        Assert.Equal(phone, Assert.Single(ring.Devices));
    }

    [Fact]
    public async Task A_ring_command_the_runtime_could_not_deliver_is_sent_again_with_the_same_sequence()
    {
        var queue = await NewQueueAsync();
        var agent = await NewAgentAsync([queue]);
        var edge = new RecordingEdge { RingsToRefuse = 1 };
        await NewCallAsync(queue, edge: edge);

        await Eventually(async () =>
        {
            await AdvanceAsync(TimeSpan.FromMilliseconds(100)); // the retry's pause runs on the fake clock
            return edge.Of<RingAgent>().Any();
        }, "the ring sent again");
        var lost = Assert.Single(edge.RefusedRings);
        var ring = Assert.Single(edge.Of<RingAgent>());
        Assert.Equal(lost.Sequence, ring.Sequence);
        Assert.Equal(agent, ring.AgentId);
    }

    [Fact]
    public async Task An_unreachable_phone_requeues_the_call_and_leaves_the_agent_ready()
    {
        var queue = await NewQueueAsync();
        var agent = await NewAgentAsync([queue]);
        var edge = new RecordingEdge();
        var call = await NewCallAsync(queue, edge: edge);
        await Eventually(() => Task.FromResult(edge.Of<RingAgent>().Any()), "the ring command");
        var ring = edge.Of<RingAgent>().Single().Sequence;

        Ok(await Call(call).RejectAsync(agent, ring, OfferFailure.Unreachable));

        // Not the agent's doing: no Not Ready; the call waits for another agent (this one is offered it again at once).
        var snapshot = await Agent(agent).GetAsync();
        Assert.NotEqual(AgentStatus.NotReady, snapshot.Status);
        await Eventually(() => Task.FromResult(edge.Of<CancelAgent>().Any(c => c.Reason == CancelReason.Unreachable && c.Ring == ring)),
            "the edge told why the ring ended");
    }

    [Fact]
    public async Task A_phone_the_edge_gave_up_ringing_is_a_ring_no_answer_not_a_reject()
    {
        var queue = await NewQueueAsync();
        var agent = await NewAgentAsync([queue]);
        var edge = new RecordingEdge();
        var call = await NewCallAsync(queue, edge: edge);
        await Eventually(() => Task.FromResult(edge.Of<RingAgent>().Any()), "the ring command");
        var ring = edge.Of<RingAgent>().Single().Sequence;

        // The edge's ring limit passed before the grain's own ring timer ended the offer (a busy silo).
        Ok(await Call(call).RejectAsync(agent, ring, OfferFailure.NoAnswer));

        var snapshot = await Agent(agent).GetAsync();
        Assert.Equal(AgentStatus.NotReady, snapshot.Status);
        Assert.Equal(ReasonCodes.NoAnswer, snapshot.ReasonCode);
        Assert.Equal(CallStatus.Queued, await StatusOfCall(call));
        await Eventually(() => Task.FromResult(edge.Of<CancelAgent>().Any(c => c.Reason == CancelReason.NoAnswer && c.Ring == ring)),
            "the edge told why the ring ended");
    }

    [Fact]
    public async Task A_late_report_about_an_earlier_ring_changes_nothing()
    {
        var queue = await NewQueueAsync(c => c with { RingTimeoutSeconds = 5 });
        var agent = await NewAgentAsync([queue]);
        var edge = new RecordingEdge();
        var call = await NewCallAsync(queue, edge: edge);
        await Eventually(() => Task.FromResult(edge.Of<RingAgent>().Any()), "the first ring");
        var first = edge.Of<RingAgent>().Single().Sequence;
        Ok(await Call(call).RejectAsync(agent, first, OfferFailure.Unreachable));
        await Eventually(() => Task.FromResult(edge.Of<RingAgent>().Count() == 2), "the call offered to the agent again");
        var second = edge.Of<RingAgent>().Select(r => r.Sequence).Max();

        // The first ring's phone answering (or failing) late must not take over or drop the second offer.
        Fails(await Call(call).AnswerAsync(agent, first), AcdError.IllegalTransition);
        Fails(await Call(call).RejectAsync(agent, first), AcdError.IllegalTransition);
        Assert.Equal(CallStatus.Offered, await StatusOfCall(call));
        Ok(await Call(call).AnswerAsync(agent, second));
        Assert.Equal(CallStatus.Connected, await StatusOfCall(call));

        // Commands are numbered in the order the grain decided them (they may arrive in another).
        var ordered = edge.Commands.OrderBy(c => c.Sequence).ToList();
        Assert.Equal(ordered.Count, ordered.Select(c => c.Sequence).Distinct().Count());
        Assert.Collection(ordered,
            c => Assert.Equal(first, Assert.IsType<RingAgent>(c).Sequence),
            c => Assert.Equal((first, CancelReason.Unreachable), (Assert.IsType<CancelAgent>(c).Ring, ((CancelAgent)c).Reason)),
            c => Assert.Equal(second, Assert.IsType<RingAgent>(c).Sequence));
    }

    [Fact]
    public async Task Blind_transfer_to_an_agent_rings_the_target_and_wraps_up_the_first()
    {
        var edge = new RecordingEdge();
        var (queue, first, call) = await ConnectedCallAsync(wrapUpSeconds: 5, edge);
        var target = await NewAgentAsync([], ready: true);

        Ok(await Call(call).TransferAsync(new TransferTarget(TransferTargetKind.Agent, target), TransferMode.Blind));

        Assert.Equal(AgentStatus.WrapUp, await StatusOf(first));
        Assert.Equal(AgentStatus.Reserved, await StatusOf(target));
        Ok(await Call(call).AnswerAsync(target));
        var snapshot = await Call(call).GetAsync();
        Assert.Equal(target, snapshot.AgentId);
        Assert.Equal(CallStatus.Connected, snapshot.Status);
        Assert.Equal(queue, snapshot.QueueId);
        // The edge ends the first agent's leg and keeps the caller's.
        await Eventually(() => Task.FromResult(edge.Of<DropAgent>().Any(c => c.AgentId == first && c.Reason == DropReason.Transferred)),
            "the first agent's leg to be dropped");
        await Eventually(() => Task.FromResult(edge.Of<RingAgent>().Any(r => r.AgentId == target)), "the target to be rung");
    }

    [Fact]
    public async Task Transfer_to_a_busy_agent_is_refused_and_changes_nothing()
    {
        var (_, first, call) = await ConnectedCallAsync();
        var busy = await NewAgentAsync([], ready: false);

        Fails(await Call(call).TransferAsync(new TransferTarget(TransferTargetKind.Agent, busy), TransferMode.Blind), AcdError.Busy);

        Assert.Equal(CallStatus.Connected, await StatusOfCall(call));
        Assert.Equal(AgentStatus.OnCall, await StatusOf(first));
    }

    [Fact]
    public async Task Blind_transfer_to_a_queue_puts_the_call_in_that_queue()
    {
        var (_, first, call) = await ConnectedCallAsync();
        var other = await NewQueueAsync();

        Ok(await Call(call).TransferAsync(new TransferTarget(TransferTargetKind.Queue, other), TransferMode.Blind));

        var snapshot = await Call(call).GetAsync();
        Assert.Equal(CallStatus.Queued, snapshot.Status);
        Assert.Equal(other, snapshot.QueueId);
        await UntilAgent(first, AgentStatus.Ready);
        var taker = await NewAgentAsync([other]);
        Assert.Equal(call, (await Agent(taker).GetAsync()).CallId);
    }

    [Fact]
    public async Task Blind_transfer_to_an_external_number_ends_the_call_as_transferred()
    {
        var (_, _, call) = await ConnectedCallAsync();
        var edge = await AttachEdgeAsync(call);

        Ok(await Call(call).TransferAsync(new TransferTarget(TransferTargetKind.External, "+15559999"), TransferMode.Blind));

        Assert.Equal(CallDisposition.Transferred, (await Call(call).GetAsync()).Disposition);
        await Eventually(() => Task.FromResult(edge.Of<HangUpCall>().Any()), "the edge was told the call ended");
        var transfer = Assert.Single(edge.Of<TransferOut>());
        Assert.Equal("+15559999", transfer.Number);
        // The hand-over comes before the end, so the edge keeps the caller's leg for the external party.
        Assert.True(transfer.Sequence < edge.Of<HangUpCall>().Single().Sequence);
        Assert.Equal(CallDisposition.Transferred, edge.Of<HangUpCall>().Single().Disposition);
    }

    [Fact]
    public async Task Attended_transfer_consults_then_completes_to_the_second_agent()
    {
        var edge = new RecordingEdge();
        var (_, first, call) = await ConnectedCallAsync(edge: edge);
        var second = await NewAgentAsync([], ready: true);
        Ok(await Call(call).HoldAsync());

        Ok(await Call(call).TransferAsync(new TransferTarget(TransferTargetKind.Agent, second), TransferMode.Attended));
        Assert.Equal(CallStatus.Transferring, await StatusOfCall(call));
        Ok(await Call(call).AnswerAsync(second));
        Assert.Equal(AgentStatus.OnCall, await StatusOf(second));
        Ok(await Call(call).CompleteTransferAsync());

        var snapshot = await Call(call).GetAsync();
        Assert.Equal(CallStatus.Connected, snapshot.Status);
        Assert.Equal(second, snapshot.AgentId);
        Assert.Equal(AgentStatus.Ready, await StatusOf(first));
        // The edge is told to ring the consulted agent as a consultation, then to hand the caller over.
        await Eventually(() => Task.FromResult(edge.Of<RecordingEdge.Consultation>().Any(c => c.Ring.AgentId == second)), "the consultation command");
        await Eventually(() => Task.FromResult(edge.Of<CompleteConsultation>().Any(c => c.AgentId == second && c.PreviousAgentId == first)),
            "the completion command");
        Assert.True(edge.Of<RecordingEdge.Consultation>().Single().Sequence < edge.Of<CompleteConsultation>().Single().Sequence);
    }

    [Fact]
    public async Task A_phone_attended_transfer_hands_the_caller_to_the_agent_of_the_consultation_call()
    {
        var edge = new RecordingEdge();
        var (_, first, call) = await ConnectedCallAsync(edge: edge);
        Ok(await Call(call).HoldAsync());
        // The first agent's phone calls a second queue, whose agent answers: the consultation.
        var helpdesk = await NewQueueAsync(c => c with { WrapUpSeconds = 0 });
        var second = await NewAgentAsync([helpdesk]);
        var consultation = await NewCallAsync(helpdesk, ani: "100");
        Ok(await Call(consultation).AnswerAsync(second));

        Ok(await Call(call).TakeOverFromAsync(consultation));

        var snapshot = await Call(call).GetAsync();
        Assert.Equal(CallStatus.Connected, snapshot.Status);
        Assert.Equal(second, snapshot.AgentId);
        var consulted = await Agent(second).GetAsync();
        Assert.Equal(AgentStatus.OnCall, consulted.Status);
        Assert.Equal(call, consulted.CallId);
        Assert.NotEqual(AgentStatus.OnCall, await StatusOf(first));
        var ended = await Call(consultation).GetAsync();
        Assert.Equal(CallStatus.Ended, ended.Status);
        Assert.Equal(CallDisposition.Transferred, ended.Disposition);
        await Eventually(() => Task.FromResult(edge.Of<DropAgent>().Any(c => c.AgentId == first)), "the transferring agent's leg dropped");

        // Taking over again, or from a call that has no other agent, changes nothing.
        Fails(await Call(call).TakeOverFromAsync(consultation), AcdError.Conflict);
        Ok(await Call(call).HangupAsync(HangupSide.Caller));
        Assert.NotEqual(AgentStatus.OnCall, await StatusOf(second));
    }

    [Fact]
    public async Task Attended_transfer_cancelled_returns_to_the_first_agent()
    {
        var (_, first, call) = await ConnectedCallAsync();
        var second = await NewAgentAsync([], ready: true);

        Ok(await Call(call).TransferAsync(new TransferTarget(TransferTargetKind.Agent, second), TransferMode.Attended));
        Ok(await Call(call).CancelTransferAsync());

        Assert.Equal(CallStatus.Connected, await StatusOfCall(call));
        Assert.Equal(first, (await Call(call).GetAsync()).AgentId);
        Assert.Equal(AgentStatus.Ready, await StatusOf(second));
        Fails(await Call(call).CompleteTransferAsync(), AcdError.IllegalTransition);
    }

    [Fact]
    public async Task Dtmf_is_validated_and_passed_to_the_edge()
    {
        var edge = new RecordingEdge();
        var (_, _, call) = await ConnectedCallAsync(edge: edge);
        Fails(await Call(call).SendDtmfAsync("12x"), AcdError.InvalidArgument);
        Fails(await Call(call).SendDtmfAsync(new string('1', DtmfDigits.MaxLength + 1)), AcdError.InvalidArgument);
        Ok(await Call(call).SendDtmfAsync("1#*a"));
        await Eventually(() => Task.FromResult(edge.Of<SendDtmf>().Any(c => c.Digits == "1#*A")), "the DTMF command reached the edge");
    }

    [Fact]
    public async Task Outbound_call_reserves_the_agent_and_returns_it_to_its_not_ready_reason()
    {
        var agent = await NewAgentAsync([], ready: false);
        Ok(await Agent(agent).SetNotReadyAsync(ReasonCodes.Break));
        var id = Unique("out");

        var started = await Call(id).StartOutboundAsync(agent, new CallInfo("100", "+15550199", null, CallDirection.Outbound, 0, null, null, null));
        Assert.True(started.IsSuccess, started.ToString());
        Assert.Equal(AgentStatus.Reserved, await StatusOf(agent));
        Ok(await Call(id).AnswerAsync(agent));
        Ok(await Call(id).HangupAsync(HangupSide.Agent));

        var snapshot = await Agent(agent).GetAsync();
        Assert.Equal(AgentStatus.NotReady, snapshot.Status);
        Assert.Equal(ReasonCodes.Break, snapshot.ReasonCode);
        Assert.Equal(CallDisposition.Answered, (await Call(id).GetAsync()).Disposition);
    }

    [Fact]
    public async Task Outbound_call_not_answered_ends_not_answered()
    {
        var agent = await NewAgentAsync([], ready: true);
        var id = Unique("out");
        Assert.True((await Call(id).StartOutboundAsync(agent, new CallInfo("100", "+1555", null, CallDirection.Outbound, 0, null, null, null))).IsSuccess);

        await AdvanceAsync(Grains.Calls.CallGrain.OutboundRingTimeout);

        await UntilCall(id, CallStatus.Ended);
        Assert.Equal(CallDisposition.NotAnswered, (await Call(id).GetAsync()).Disposition);
        await UntilAgent(agent, AgentStatus.Ready);
    }
}

using Acd.Agents;
using Acd.Calls;
using Acd.Grains.Tests.Infrastructure;
using Acd.Sip.Dialogs;
using Acd.Sip.Messages;
using Acd.SipEdge.Tests.Unit.Infrastructure;
using Xunit.Abstractions;

namespace Acd.SipEdge.Tests.Unit;

/// <summary>
/// Messages that cross on the wire: the caller's CANCEL and the agent's 200, two BYEs. The network's delay hook and the
/// answer gate line them up exactly; each ends with one call record, no stuck agent and nothing left on the edge.
/// </summary>
[Collection(EdgeUnitCollection.Name)]
public sealed class RaceTests(AcdCluster cluster, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Phone = "10.0.0.3";
    private EdgeRig _rig = null!;

    public async Task InitializeAsync() => _rig = await EdgeRig.StartAsync(cluster, output);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task The_agents_200_crossing_the_edges_cancel_after_the_caller_cancelled_is_acked_and_hung_up_and_the_call_is_abandoned()
    {
        var (queueId, number) = await _rig.NewQueueAsync();
        var agent = await _rig.NewAgentAsync(queueId, Phone);
        using var hangUp = new CancellationTokenSource();
        var calling = _rig.Caller.CallAsync(number, cancellationToken: hangUp.Token);
        await _rig.Until(() => agent.Phone.Invites.Count == 1, "the phone rings");
        var callId = EdgeRig.CallIdOf(agent.Phone.LastInvite.Invite);

        // The edge's CANCEL to the phone is 20 ms on the way: the phone answers before it arrives.
        _rig.Net.Delay = p => p.IsRequest(SipMethods.Cancel) && p.To.Equals(agent.Phone.EndPoint) ? TimeSpan.FromMilliseconds(20) : TimeSpan.Zero;
        await hangUp.CancelAsync();
        await _rig.Until(() => _rig.RequestsBetween(EdgeRig.EdgeAddress, Phone, SipMethods.Cancel).Count == 1, "the edge cancels the phone");
        agent.Phone.Answer();

        // The unwanted answer is ACKed (it must be) and hung up at once.
        await _rig.Until(() => agent.Phone.Ended.Count == 1, "the phone's answered leg gets BYE");
        // (The UA may ACK the one 200 twice: its retransmission handler can see the first 2xx after the ACK is remembered.)
        var toPhone = _rig.Between(EdgeRig.EdgeAddress, Phone).Select(p => p.Message).OfType<SipRequest>().Select(r => r.Method)
            .Where((method, i) => i == 0 || method != SipMethods.Ack || _rig.Between(EdgeRig.EdgeAddress, Phone).Select(p => p.Message)
                .OfType<SipRequest>().ElementAt(i - 1).Method != SipMethods.Ack).ToList();
        Assert.Equal([SipMethods.Invite, SipMethods.Cancel, SipMethods.Ack, SipMethods.Bye], toPhone);
        Assert.NotNull(agent.Phone.Ended.Single().Bye);
        _rig.Advance(TimeSpan.FromMilliseconds(20));
        await _rig.Until(() => _rig.Between(Phone, EdgeRig.EdgeAddress).Any(p => p.Message is SipResponse { CSeq.Method: SipMethods.Cancel }),
            "the late CANCEL is answered");

        // The caller only ever heard 487; the call is abandoned and the agent free again (not Not Ready: it answered).
        var result = await _rig.Net.RunUntilAsync(calling);
        Assert.Equal(487, result.FinalResponse.StatusCode);
        Assert.DoesNotContain(_rig.Between(EdgeRig.EdgeAddress, EdgeRig.CallerAddress), p => p.IsResponse(200) && p.Message.CSeq!.Method == SipMethods.Invite);
        await _rig.UntilEndedAsync(callId);
        Assert.Equal(CallDisposition.Abandoned, Assert.Single(_rig.EndedRecords(callId)).Disposition);
        await agent.UntilAsync(a => a.Status == AgentStatus.Ready && a.CallId is null, "Ready again");
        await _rig.Until(() => _rig.Edge.UserAgent.Dialogs.Count == 0, "no dialog left on the edge");
        Assert.Equal(0, _rig.Edge.ActiveCalls);
        _rig.AssertNoErrors();
    }

    [Fact]
    public async Task A_cancel_arriving_while_the_edge_reports_the_agents_answer_ends_an_answered_call_and_the_agent_goes_to_wrap_up()
    {
        var (queueId, number) = await _rig.NewQueueAsync(wrapUpSeconds: 5);
        var agent = await _rig.NewAgentAsync(queueId, Phone);
        using var hangUp = new CancellationTokenSource();
        var calling = _rig.Caller.CallAsync(number, cancellationToken: hangUp.Token);
        await _rig.Until(() => agent.Phone.Invites.Count == 1, "the phone rings");
        var callId = EdgeRig.CallIdOf(agent.Phone.LastInvite.Invite);

        // The agent's 200 reaches the edge, which tells the grain; the caller's CANCEL arrives before the grain's answer is back.
        var gate = _rig.Grains.GateAnswers();
        agent.Phone.Answer();
        await _rig.Until(() => _rig.Grains.AnswerAtGate.Task.IsCompleted, "the edge reports the answer");
        await hangUp.CancelAsync();
        var result = await _rig.Net.RunUntilAsync(calling);
        Assert.Equal(487, result.FinalResponse.StatusCode);
        gate.SetResult();

        // The grain had connected the agent before it could know: the call ends answered (the agent talked to nobody, so no
        // Not Ready), the phone is hung up, and the agent goes through the normal end of a call.
        await _rig.Until(() => agent.Phone.Ended.Count == 1, "the phone gets BYE");
        await _rig.UntilEndedAsync(callId);
        var record = Assert.Single(_rig.EndedRecords(callId));
        Assert.Equal(CallDisposition.Answered, record.Disposition);
        Assert.Equal("caller cancelled", record.EndReason);
        Assert.DoesNotContain(_rig.Between(EdgeRig.EdgeAddress, EdgeRig.CallerAddress), p => p.IsResponse(200) && p.Message.CSeq!.Method == SipMethods.Invite);
        await agent.UntilAsync(a => a.Status == AgentStatus.WrapUp, "in wrap-up");
        _rig.Advance(TimeSpan.FromSeconds(5));
        await agent.UntilAsync(a => a.Status == AgentStatus.Ready, "Ready after wrap-up");
        await _rig.Until(() => _rig.Edge.UserAgent.Dialogs.Count == 0, "no dialog left on the edge");
        Assert.Equal(0, _rig.Edge.ActiveCalls);
        _rig.AssertNoErrors();
    }

    [Fact]
    public async Task Bye_from_both_parties_at_once_is_answered_on_both_sides_and_ends_the_call_once()
    {
        var (callId, agent, callerLeg, agentLeg) = await ConnectedAsync();

        var callerBye = _rig.Caller.Ua.ByeAsync(callerLeg);
        var agentBye = agent.Phone.Ua.ByeAsync(agentLeg);
        await _rig.Net.RunUntilAsync(Task.WhenAll(callerBye, agentBye));

        Assert.Equal(200, (await callerBye).StatusCode);
        Assert.Equal(200, (await agentBye).StatusCode);
        await AssertEndedOnceAsync(callId, agent);
    }

    [Fact]
    public async Task A_phones_bye_crossing_the_edges_bye_is_answered_on_both_sides_and_ends_the_call_once()
    {
        var (callId, agent, callerLeg, agentLeg) = await ConnectedAsync();

        // The caller hangs up; the edge's BYE to the phone is on the way (20 ms each way between them) when the phone hangs up too.
        _rig.Net.Delay = p => p.From.Equals(agent.Phone.EndPoint) || p.To.Equals(agent.Phone.EndPoint) ? TimeSpan.FromMilliseconds(20) : TimeSpan.Zero;
        Assert.Equal(200, (await _rig.Net.RunUntilAsync(_rig.Caller.Ua.ByeAsync(callerLeg))).StatusCode);
        await _rig.Until(() => _rig.RequestsBetween(EdgeRig.EdgeAddress, Phone, SipMethods.Bye).Count == 1, "the edge hangs up the phone");
        var phoneBye = agent.Phone.Ua.ByeAsync(agentLeg);
        _rig.Advance(TimeSpan.FromMilliseconds(40));
        await _rig.Until(() => phoneBye.IsCompleted, "the phone's BYE is answered");
        Assert.Equal(200, (await phoneBye).StatusCode);
        await _rig.Until(() => _rig.ResponsesBetween(Phone, EdgeRig.EdgeAddress, 200).Any(r => r.CSeq!.Method == SipMethods.Bye),
            "the edge's BYE is answered 200 too: each arrived while the other was pending");

        await AssertEndedOnceAsync(callId, agent);
    }

    private async Task<(string CallId, Agent Agent, SipDialog CallerLeg, SipDialog AgentLeg)> ConnectedAsync()
    {
        var (queueId, number) = await _rig.NewQueueAsync();
        var agent = await _rig.NewAgentAsync(queueId, Phone);
        var calling = _rig.Caller.CallAsync(number);
        await _rig.Until(() => agent.Phone.Invites.Count == 1, "the phone rings");
        var callId = EdgeRig.CallIdOf(agent.Phone.LastInvite.Invite);
        var agentLeg = agent.Phone.Answer();
        var callerLeg = (await _rig.Net.RunUntilAsync(calling)).Dialog!;
        await _rig.UntilCallAsync(callId, c => c.Status == CallStatus.Connected, "connected");
        await _rig.Until(() => agentLeg.State == SipDialogState.Confirmed, "the phone's 200 is ACKed");
        _rig.Advance(TimeSpan.FromSeconds(10));
        return (callId, agent, callerLeg, agentLeg);
    }

    private async Task AssertEndedOnceAsync(string callId, Agent agent)
    {
        await _rig.UntilEndedAsync(callId);
        await _rig.Until(() => _rig.Edge.UserAgent.Dialogs.Count == 0 && _rig.Caller.Ua.Dialogs.Count == 0 && agent.Phone.Ua.Dialogs.Count == 0,
            "no dialog left anywhere");
        Assert.Equal(CallDisposition.Answered, Assert.Single(_rig.EndedRecords(callId)).Disposition);
        await agent.UntilAsync(a => a.Status == AgentStatus.Ready && a.CallsHandled == 1, "Ready after the call");
        Assert.Equal(0, _rig.Edge.ActiveCalls);

        // Every BYE anyone sent got its answer: none was left to time out.
        var byes = _rig.Net.Sent.Where(p => p.IsRequest(SipMethods.Bye)).Select(p => p.Message.TopVia!.Branch).Distinct().ToList();
        var answered = _rig.Net.Sent.Where(p => p.Message is SipResponse { CSeq.Method: SipMethods.Bye, StatusCode: >= 200 })
            .Select(p => p.Message.TopVia!.Branch).Distinct().ToList();
        Assert.Equal(byes.Order(), answered.Order());
        _rig.AssertNoErrors();
    }
}

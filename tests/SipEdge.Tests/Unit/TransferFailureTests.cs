using Acd.Agents;
using Acd.Calls;
using Acd.Grains.Tests.Infrastructure;
using Acd.Sip.Dialogs;
using Acd.Sip.Messages;
using Acd.Sip.Sdp;
using Acd.Sip.Uris;
using Acd.SipEdge.Tests.Unit.Infrastructure;
using Xunit.Abstractions;

namespace Acd.SipEdge.Tests.Unit;

/// <summary>
/// Transfers that do not go through: the target declines, rings out or hangs up, the transfer is completed while the
/// target still rings and it never answers, a phone's REFER names nothing the ACD knows. In each the caller is never
/// lost: it stays with the transferring agent or goes back in line, and nobody is left reserved or Not Ready for it.
/// </summary>
[Collection(EdgeUnitCollection.Name)]
public sealed class TransferFailureTests(AcdCluster cluster, ITestOutputHelper output) : IAsyncLifetime
{
    private const string FirstPhone = "10.0.0.3";
    private const string TargetPhone = "10.0.0.4";
    private EdgeRig _rig = null!;

    public async Task InitializeAsync() => _rig = await EdgeRig.StartAsync(cluster, output);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task A_consulted_agent_who_declines_leaves_the_caller_with_the_transferring_agent_and_stays_ready()
    {
        var c = await ConnectedAsync();
        Assert.True((await c.Call.TransferAsync(new TransferTarget(TransferTargetKind.Agent, c.Target.Id), TransferMode.Attended)).IsSuccess);
        await _rig.Until(() => c.Target.Phone.Invites.Count == 1, "the consulted phone rings");

        c.Target.Phone.LastInvite.Reject(486);

        await _rig.UntilCallAsync(c.CallId, s => s.Status == CallStatus.Connected && s.AgentId == c.First.Id, "back with the first agent");
        await c.Target.UntilAsync(a => a.Status == AgentStatus.Ready, "the consulted agent is free");
        Assert.Equal(AgentStatus.OnCall, (await c.First.GetAsync()).Status);
        // It never answered, so the caller was never put on hold: nothing to take back.
        Assert.Empty(_rig.Caller.ReceivedOf(SipMethods.Invite));
        Assert.Empty(c.First.Phone.ReceivedOf(SipMethods.Invite));
        Assert.Empty(c.First.Phone.Ended);

        // Nothing is left half-done: the same transfer can be tried again and goes through.
        Assert.True((await c.Call.TransferAsync(new TransferTarget(TransferTargetKind.Agent, c.Target.Id), TransferMode.Attended)).IsSuccess);
        await _rig.Until(() => c.Target.Phone.Invites.Count == 2, "the consulted phone rings again");
        c.Target.Phone.Answer();
        await c.Target.UntilAsync(a => a.Status == AgentStatus.OnCall, "the consulted agent answered");
        Assert.True((await c.Call.CompleteTransferAsync()).IsSuccess);
        await _rig.Until(() => c.First.Phone.Ended.Count == 1, "the first agent's leg ends");
        await _rig.UntilCallAsync(c.CallId, s => s.Status == CallStatus.Connected && s.AgentId == c.Target.Id, "with the consulted agent");
        _rig.AssertNoErrors();
    }

    [Fact]
    public async Task A_consultation_that_rings_out_is_cancelled_at_the_ring_timeout_and_the_caller_keeps_its_agent()
    {
        var c = await ConnectedAsync(ringTimeoutSeconds: 10);
        Assert.True((await c.Call.TransferAsync(new TransferTarget(TransferTargetKind.Agent, c.Target.Id), TransferMode.Attended)).IsSuccess);
        await _rig.Until(() => c.Target.Phone.Invites.Count == 1, "the consulted phone rings");
        var rang = _rig.Elapsed;

        _rig.AdvanceTo(rang + TimeSpan.FromSeconds(9.9));
        Assert.Empty(_rig.RequestsBetween(EdgeRig.EdgeAddress, TargetPhone, SipMethods.Cancel));
        Assert.Equal(CallStatus.Transferring, (await c.Call.GetAsync()).Status);

        _rig.AdvanceTo(rang + TimeSpan.FromSeconds(10));
        await _rig.Until(() => _rig.RequestsBetween(EdgeRig.EdgeAddress, TargetPhone, SipMethods.Cancel).Count == 1, "the consultation ring is cancelled");
        await _rig.UntilCallAsync(c.CallId, s => s.Status == CallStatus.Connected && s.AgentId == c.First.Id, "back with the first agent");
        // A consultation that is not picked up is no offer the agent missed: no Not Ready for it.
        await c.Target.UntilAsync(a => a.Status == AgentStatus.Ready, "the consulted agent is free");
        Assert.Null((await c.Target.GetAsync()).ReasonCode);
        Assert.Empty(c.First.Phone.Ended);
        _rig.AssertNoErrors();
    }

    [Fact]
    public async Task A_consulted_agent_who_hangs_up_gives_the_caller_back_to_the_transferring_agent_off_hold()
    {
        var c = await ConnectedAsync();
        Assert.True((await c.Call.TransferAsync(new TransferTarget(TransferTargetKind.Agent, c.Target.Id), TransferMode.Attended)).IsSuccess);
        await _rig.Until(() => c.Target.Phone.Invites.Count == 1, "the consulted phone rings");
        var consultLeg = c.Target.Phone.Answer();
        // The consultation: the caller on hold, the first agent's phone re-pointed at the consulted agent.
        await _rig.Until(() => _rig.Caller.ReceivedOf(SipMethods.Invite).Count() == 1 && c.First.Phone.ReceivedOf(SipMethods.Invite).Count() == 1,
            "the caller is held and the first phone talks to the consulted one");
        Assert.Equal(SdpDirection.SendOnly, Directions.Of(_rig.Caller.ReceivedOf(SipMethods.Invite).Single()));
        Assert.Contains($"c=IN IP4 {TargetPhone}", c.First.Phone.ReceivedOf(SipMethods.Invite).Single().BodyText, StringComparison.Ordinal);

        _rig.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal(200, (await _rig.Net.RunUntilAsync(c.Target.Phone.Ua.ByeAsync(consultLeg))).StatusCode);

        // Both legs are pointed back at each other, talking again.
        await _rig.Until(() => _rig.Caller.ReceivedOf(SipMethods.Invite).Count() == 2 && c.First.Phone.ReceivedOf(SipMethods.Invite).Count() == 2,
            "the caller and the first agent are re-INVITEd back");
        var toCaller = _rig.Caller.ReceivedOf(SipMethods.Invite).Last();
        var toFirst = c.First.Phone.ReceivedOf(SipMethods.Invite).Last();
        Assert.Equal(SdpDirection.SendRecv, Directions.Of(toCaller));
        Assert.Contains($"c=IN IP4 {FirstPhone}", toCaller.BodyText, StringComparison.Ordinal);
        Assert.Contains($"c=IN IP4 {EdgeRig.CallerAddress}", toFirst.BodyText, StringComparison.Ordinal);
        await _rig.UntilCallAsync(c.CallId, s => s.Status == CallStatus.Connected && s.AgentId == c.First.Id, "back with the first agent");
        await c.Target.UntilAsync(a => a.Status == AgentStatus.Ready, "the consulted agent is free");
        Assert.Empty(c.First.Phone.Ended);
        Assert.Empty(_rig.Caller.Ended);
        _rig.AssertNoErrors();
    }

    [Fact]
    public async Task A_blind_transfer_whose_target_declines_puts_the_caller_back_in_line_in_its_old_place()
    {
        var c = await ConnectedAsync(wrapUpSeconds: 60);
        var third = await _rig.NewAgentAsync(c.QueueId, "10.0.0.5", ready: false, mediaPort: 20500);
        Assert.True((await c.Call.TransferAsync(new TransferTarget(TransferTargetKind.Agent, c.Target.Id), TransferMode.Blind)).IsSuccess);
        await _rig.Until(() => c.First.Phone.Ended.Count == 1 && c.Target.Phone.Invites.Count == 1, "the first leg ends and the target rings");
        Assert.Equal(AgentStatus.WrapUp, (await c.First.GetAsync()).Status);
        Assert.True((await third.Grain.SetReadyAsync()).IsSuccess);

        c.Target.Phone.LastInvite.Reject(603);

        // The target declined an offer like any other: Not Ready "rejected"; the caller waits for the next agent.
        await c.Target.UntilAsync(a => a.Status == AgentStatus.NotReady, "the target is Not Ready");
        Assert.Equal(ReasonCodes.Rejected, (await c.Target.GetAsync()).ReasonCode);
        await _rig.Until(() => third.Phone.Invites.Count == 1, "the call is offered to the next agent");
        Assert.Equal(c.CallId, EdgeRig.CallIdOf(third.Phone.LastInvite.Invite));
        third.Phone.Answer();
        await _rig.UntilCallAsync(c.CallId, s => s.Status == CallStatus.Connected && s.AgentId == third.Id, "connected to the next agent");
        var call = await c.Call.GetAsync();
        Assert.Equal(c.ArrivedAt, call.ArrivedAt);
        Assert.Empty(_rig.Caller.Ended);
        Assert.DoesNotContain(_rig.Between(EdgeRig.EdgeAddress, EdgeRig.CallerAddress), p => p.Message is SipResponse { StatusCode: >= 300 });
        _rig.AssertNoErrors();
    }

    [Fact]
    public async Task A_transfer_completed_while_the_target_rings_goes_back_in_line_when_the_target_does_not_answer()
    {
        var c = await ConnectedAsync(ringTimeoutSeconds: 10, wrapUpSeconds: 60);
        var third = await _rig.NewAgentAsync(c.QueueId, "10.0.0.5", ready: false, mediaPort: 20500);
        Assert.True((await c.Call.TransferAsync(new TransferTarget(TransferTargetKind.Agent, c.Target.Id), TransferMode.Attended)).IsSuccess);
        await _rig.Until(() => c.Target.Phone.Invites.Count == 1, "the consulted phone rings");
        var rang = _rig.Elapsed;

        // Completed before the target answered (a "semi-attended" transfer): the first agent leaves at once.
        Assert.True((await c.Call.CompleteTransferAsync()).IsSuccess);
        await _rig.Until(() => c.First.Phone.Ended.Count == 1, "the first agent's leg ends");
        await c.First.UntilAsync(a => a.Status == AgentStatus.WrapUp, "the first agent is in wrap-up");
        var offered = await c.Call.GetAsync();
        Assert.Equal((CallStatus.Offered, c.Target.Id), (offered.Status, offered.AgentId));
        Assert.Equal(AgentStatus.Reserved, (await c.Target.GetAsync()).Status);
        Assert.True((await third.Grain.SetReadyAsync()).IsSuccess);

        _rig.AdvanceTo(rang + TimeSpan.FromSeconds(10));

        // The target missed an offer (Not Ready per the queue's rule); the caller is not hung up but offered again.
        await _rig.Until(() => _rig.RequestsBetween(EdgeRig.EdgeAddress, TargetPhone, SipMethods.Cancel).Count == 1, "the target's ring is cancelled");
        await _rig.Until(() => third.Phone.Invites.Count == 1, "the call is offered to the next agent");
        third.Phone.Answer();
        await _rig.UntilCallAsync(c.CallId, s => s.Status == CallStatus.Connected && s.AgentId == third.Id, "connected to the next agent");
        Assert.NotEqual(AgentStatus.Reserved, (await c.Target.GetAsync()).Status);
        Assert.Empty(_rig.Caller.Ended);
        Assert.Empty(_rig.EndedRecords(c.CallId));
        _rig.AssertNoErrors();
    }

    [Fact]
    public async Task A_transfer_completed_while_the_target_rings_connects_the_caller_when_the_target_answers()
    {
        var c = await ConnectedAsync();
        Assert.True((await c.Call.TransferAsync(new TransferTarget(TransferTargetKind.Agent, c.Target.Id), TransferMode.Attended)).IsSuccess);
        await _rig.Until(() => c.Target.Phone.Invites.Count == 1, "the consulted phone rings");
        Assert.True((await c.Call.CompleteTransferAsync()).IsSuccess);
        await _rig.Until(() => c.First.Phone.Ended.Count == 1, "the first agent's leg ends");

        c.Target.Phone.Answer();

        await _rig.UntilCallAsync(c.CallId, s => s.Status == CallStatus.Connected && s.AgentId == c.Target.Id, "connected to the target");
        await c.Target.UntilAsync(a => a.Status == AgentStatus.OnCall, "the target is on the call");
        // The caller is pointed at the target's phone, which was offered the first agent's media while it rang.
        await _rig.Until(() => _rig.Caller.ReceivedOf(SipMethods.Invite).Any(r => r.BodyText.Contains($"c=IN IP4 {TargetPhone}", StringComparison.Ordinal)),
            "the caller is re-pointed at the target");
        Assert.Empty(_rig.Caller.Ended);
        var call = await c.Call.GetAsync();
        Assert.Equal(c.ConnectedAt, call.ConnectedAt); // answered once, by the first agent: the transfer does not count again
        _rig.AssertNoErrors();
    }

    [Fact]
    public async Task A_refer_the_acd_cannot_carry_out_is_reported_with_notify_and_the_call_goes_on()
    {
        var c = await ConnectedAsync();
        var phone = c.First.Phone;

        // An unknown target: accepted (202), then NOTIFY 100 and a final NOTIFY 404 (RFC 3515); the call stays as it was.
        var refer = c.AgentLeg.CreateRefer(SipUri.Parse($"sip:nobody-here@{EdgeRig.Domain}"));
        Assert.Equal(202, (await _rig.Net.RunUntilAsync(phone.Ua.SendInDialogAsync(c.AgentLeg, refer))).StatusCode);
        await _rig.Until(() => phone.ReceivedOf(SipMethods.Notify).Count() == 2, "both NOTIFYs arrive");
        Assert.Equal(["SIP/2.0 100 Trying", "SIP/2.0 404 Not Found"], phone.ReceivedOf(SipMethods.Notify).Select(n => n.BodyText.Trim()));
        Assert.EndsWith("terminated;reason=noresource", phone.ReceivedOf(SipMethods.Notify).Last().Headers["Subscription-State"], StringComparison.Ordinal);

        // An external number with no outbound trunk configured: the same.
        refer = c.AgentLeg.CreateRefer(SipUri.Parse($"sip:+4930123456@{EdgeRig.Domain}"));
        Assert.Equal(202, (await _rig.Net.RunUntilAsync(phone.Ua.SendInDialogAsync(c.AgentLeg, refer))).StatusCode);
        await _rig.Until(() => phone.ReceivedOf(SipMethods.Notify).Count() == 4, "both NOTIFYs arrive");
        Assert.Equal("SIP/2.0 404 Not Found", phone.ReceivedOf(SipMethods.Notify).Last().BodyText.Trim());

        // No user part: refused outright.
        refer = c.AgentLeg.CreateRefer(SipUri.Parse($"sip:{EdgeRig.Domain}"));
        Assert.Equal(400, (await _rig.Net.RunUntilAsync(phone.Ua.SendInDialogAsync(c.AgentLeg, refer))).StatusCode);

        // The caller's side cannot move the call around inside the ACD.
        refer = c.CallerLeg.CreateRefer(SipUri.Parse($"sip:{c.Target.Id}@{EdgeRig.Domain}"));
        Assert.Equal(403, (await _rig.Net.RunUntilAsync(_rig.Caller.Ua.SendInDialogAsync(c.CallerLeg, refer))).StatusCode);

        var call = await c.Call.GetAsync();
        Assert.Equal((CallStatus.Connected, c.First.Id), (call.Status, call.AgentId));
        Assert.Empty(phone.Ended);
        Assert.Empty(_rig.Caller.Ended);
        Assert.Empty(c.Target.Phone.Invites);
        Assert.Equal(AgentStatus.Ready, (await c.Target.GetAsync()).Status);
        _rig.AssertNoErrors();
    }

    private sealed record Connected(string CallId, string QueueId, ICallGrain Call, Agent First, Agent Target, SipDialog CallerLeg, SipDialog AgentLeg,
        DateTimeOffset? ArrivedAt, DateTimeOffset? ConnectedAt);

    /// <summary>A caller talking to the first agent; the target agent is Ready only once the call is connected.</summary>
    private async Task<Connected> ConnectedAsync(int ringTimeoutSeconds = 20, int wrapUpSeconds = 0)
    {
        var (queueId, number) = await _rig.NewQueueAsync(ringTimeoutSeconds, wrapUpSeconds);
        var first = await _rig.NewAgentAsync(queueId, FirstPhone);
        var target = await _rig.NewAgentAsync(queueId, TargetPhone, ready: false, mediaPort: 20400);
        var calling = _rig.Caller.CallAsync(number);
        await _rig.Until(() => first.Phone.Invites.Count == 1, "the first phone rings");
        var callId = EdgeRig.CallIdOf(first.Phone.LastInvite.Invite);
        var agentLeg = first.Phone.Answer();
        var callerLeg = (await _rig.Net.RunUntilAsync(calling)).Dialog!;
        await _rig.UntilCallAsync(callId, s => s.Status == CallStatus.Connected, "connected");
        await _rig.Until(() => agentLeg.State == SipDialogState.Confirmed, "the phone's 200 is ACKed");
        Assert.True((await target.Grain.SetReadyAsync()).IsSuccess);
        var call = _rig.Client.GetGrain<ICallGrain>(callId);
        var snapshot = await call.GetAsync();
        return new Connected(callId, queueId, call, first, target, callerLeg, agentLeg, snapshot.ArrivedAt, snapshot.ConnectedAt);
    }
}

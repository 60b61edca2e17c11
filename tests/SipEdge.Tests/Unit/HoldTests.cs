using Acd.Calls;
using Acd.Grains.Tests.Infrastructure;
using Acd.Sip.Dialogs;
using Acd.Sip.Messages;
using Acd.Sip.Sdp;
using Acd.SipEdge.Tests.Unit.Infrastructure;
using Acd.Testing;
using Xunit.Abstractions;

namespace Acd.SipEdge.Tests.Unit;

/// <summary>
/// Hold and resume decided by the grain become re-INVITEs to both legs; a hold that crosses the phone's own re-INVITE
/// (glare) is answered 491 on both sides and sorted out by the RFC 3261 14.1 retry rule, on the fake clock.
/// </summary>
[Collection(EdgeUnitCollection.Name)]
public sealed class HoldTests(AcdCluster cluster, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Phone = "10.0.0.3";
    private EdgeRig _rig = null!;

    public async Task InitializeAsync() => _rig = await EdgeRig.StartAsync(cluster, output);

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Hold_and_resume_from_the_grain_re_invite_both_legs_sendonly_then_sendrecv_in_one_session_each()
    {
        var (callId, agent, _, _) = await ConnectedAsync();
        var call = _rig.Client.GetGrain<ICallGrain>(callId);

        Assert.True((await call.HoldAsync()).IsSuccess);
        await _rig.Until(() => _rig.Caller.ReceivedOf(SipMethods.Invite).Count() == 1 && agent.Phone.ReceivedOf(SipMethods.Invite).Count() == 1,
            "both legs are re-INVITEd");
        await _rig.Until(() => AnsweredReInvites(EdgeRig.CallerAddress) == 1 && AnsweredReInvites(Phone) == 1, "both re-INVITEs are answered");

        // Each leg is offered the other party's media on hold, in the session it knows (same o= id, version + 1).
        var toCaller = _rig.Caller.ReceivedOf(SipMethods.Invite).Single();
        var toPhone = agent.Phone.ReceivedOf(SipMethods.Invite).Single();
        Assert.Equal(SdpDirection.SendOnly, Directions.Of(toCaller));
        Assert.Equal(SdpDirection.SendOnly, Directions.Of(toPhone));
        Assert.Contains("c=IN IP4 10.0.0.3", toCaller.BodyText, StringComparison.Ordinal);
        Assert.Contains("c=IN IP4 10.0.0.2", toPhone.BodyText, StringComparison.Ordinal);
        Assert.Equal(2UL, Directions.VersionOf(toCaller));
        Assert.Equal(2UL, Directions.VersionOf(toPhone));
        var held = await _rig.CallAsync(callId);
        Assert.Equal(CallStatus.Held, held.Status);
        Assert.True((await agent.GetAsync()).OnHold);

        _rig.Advance(TimeSpan.FromSeconds(20));
        Assert.True((await call.UnholdAsync()).IsSuccess);
        await _rig.Until(() => AnsweredReInvites(EdgeRig.CallerAddress) == 2 && AnsweredReInvites(Phone) == 2, "both legs are resumed");
        var resumeCaller = _rig.Caller.ReceivedOf(SipMethods.Invite).Last();
        var resumePhone = agent.Phone.ReceivedOf(SipMethods.Invite).Last();
        Assert.Equal(SdpDirection.SendRecv, Directions.Of(resumeCaller));
        Assert.Equal(SdpDirection.SendRecv, Directions.Of(resumePhone));
        Assert.Contains("c=IN IP4 10.0.0.3", resumeCaller.BodyText, StringComparison.Ordinal);
        Assert.Contains("c=IN IP4 10.0.0.2", resumePhone.BodyText, StringComparison.Ordinal);
        Assert.Equal(3UL, Directions.VersionOf(resumeCaller));
        Assert.Equal(3UL, Directions.VersionOf(resumePhone));
        var resumed = await _rig.CallAsync(callId);
        Assert.Equal((CallStatus.Connected, TimeSpan.FromSeconds(20)), (resumed.Status, resumed.TotalHold));
        Assert.False((await agent.GetAsync()).OnHold);

        // The grain's commands were the only trigger: nothing else was re-INVITEd.
        Assert.Equal(2, _rig.Grains.Tap(callId).Seen.Count(c => c is HoldCall or ResumeCall));
        Assert.Equal(2, _rig.RequestsBetween(EdgeRig.EdgeAddress, EdgeRig.CallerAddress, SipMethods.Invite).Count);
        _rig.AssertNoErrors();
    }

    [Fact]
    public async Task A_hold_crossing_the_phones_re_invite_gets_491_both_ways_and_the_edge_retries_after_the_owners_delay()
    {
        var (callId, agent, _, agentLeg) = await ConnectedAsync();
        var phoneOffer = await CrossHoldWithPhoneReInviteAsync(callId, agent, agentLeg);

        // This phone drops its change after the 491. The edge placed the call to the phone, so it owns the dialog's Call-ID
        // and waits 2.1 to 4 s (RFC 3261 14.1) before it tries again; then the hold goes through.
        Assert.Equal(491, (await phoneOffer).StatusCode);
        var glare = _rig.Elapsed;
        // The edge arms its retry delay when its 491 continuation runs, a moment after the SIP layer took the 491 in: the
        // clock moves in small steps (one real millisecond each), so a late start shows as a few steps, not a lost timer.
        await _rig.AdvanceUntil(() => AnsweredReInvites(Phone) == 1, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(4.5),
            "the edge's retry is answered");
        var edgeInvites = _rig.Between(EdgeRig.EdgeAddress, Phone).Where(p => p.IsRequest(SipMethods.Invite)).ToList();
        Assert.Equal(3, edgeInvites.Count); // the call's INVITE, the hold that met the glare, its retry
        var waited = edgeInvites[2].SentAt - _rig.Start - glare;
        Assert.InRange(waited, TimeSpan.FromSeconds(2.1) - TimeSpan.FromMilliseconds(30), TimeSpan.FromSeconds(4) + TimeSpan.FromMilliseconds(100));
        Assert.Equal(SdpDirection.SendOnly, Directions.Of(edgeInvites[2].Message));
        Assert.Equal(SdpDirection.RecvOnly, SdpSession.Parse(agentLeg.LocalSdp!).EffectiveDirection(SdpSession.Parse(agentLeg.LocalSdp!).Media[0]));

        // The grain and the legs agree: held.
        Assert.Equal(CallStatus.Held, (await _rig.CallAsync(callId)).Status);
        Assert.True((await agent.GetAsync()).OnHold);
        Assert.Equal(SdpDirection.SendOnly, Directions.Of(_rig.Caller.ReceivedOf(SipMethods.Invite).Last()));
        _rig.AssertNoErrors();
    }

    [Fact]
    public async Task After_a_glare_the_phones_own_retry_is_served_and_the_edge_sends_no_re_invite_while_the_phones_is_pending()
    {
        var (callId, agent, _, agentLeg) = await ConnectedAsync();
        var phoneOffer = await CrossHoldWithPhoneReInviteAsync(callId, agent, agentLeg);

        // This phone does what RFC 3261 14.1 says: it does not own the Call-ID, so it retries after 0 to 2 s, before the
        // edge's own retry (2.1 to 4 s) is due. The edge takes it in; its answer waits for the edge's pending hold.
        Assert.Equal(491, (await phoneOffer).StatusCode);
        _rig.AdvanceTo(_rig.Elapsed + agentLeg.GlareRetryDelay());
        var retry = agent.Phone.Ua.ReInviteAsync(agentLeg, agent.Phone.NextSdp(SdpDirection.SendOnly));
        _rig.Advance(TimeSpan.FromMilliseconds(20));
        var edgeLeg = EdgeDialogOf(agentLeg);
        await _rig.Until(() => edgeLeg.IncomingOfferPending, "the phone's retry reaches the edge");

        // When the edge's retry is due it sees the phone's offer pending and leaves it at that; the phone's hold goes on.
        _rig.Advance(TimeSpan.FromSeconds(4));
        await _rig.Until(() => _rig.ResponsesBetween(EdgeRig.EdgeAddress, Phone, 200).Any(r => r.CSeq!.Method == SipMethods.Invite),
            "the edge answers the phone's retry");
        _rig.Advance(TimeSpan.FromMilliseconds(20));
        await _rig.Until(() => retry.IsCompleted, "the phone's retry is answered");
        var retried = await retry;
        Assert.Equal(200, retried.StatusCode);
        Assert.Equal(SdpDirection.RecvOnly, Directions.Of(retried));

        // RFC 3261 14.1: no INVITE in a dialog while another INVITE transaction is in progress in either direction.
        var timeline = _rig.Net.Sent.Where(p => p.From.Equals(agent.Phone.EndPoint) || p.To.Equals(agent.Phone.EndPoint)).ToList();
        var phoneRetry = timeline.Last(p => p.From.Equals(agent.Phone.EndPoint) && p.IsRequest(SipMethods.Invite));
        var answered = timeline.First(p => p.To.Equals(agent.Phone.EndPoint) && p.Message is SipResponse { StatusCode: >= 200, CSeq.Method: SipMethods.Invite }
                                          && p.Message.CSeq!.Number == phoneRetry.Message.CSeq!.Number);
        Assert.DoesNotContain(timeline, p => p.From.Address.ToString() == EdgeRig.EdgeAddress && p.IsRequest(SipMethods.Invite) &&
                                             p.Sequence > phoneRetry.Sequence && p.Sequence < answered.Sequence);
        Assert.DoesNotContain(_rig.Net.Responses(491), r => r.CSeq!.Number == phoneRetry.Message.CSeq!.Number && r.From!.Uri.User == agent.Id);

        // The phone's hold reached the caller (after the edge's own), and the grain (held by the API already) says held.
        Assert.Equal(2, _rig.Caller.ReceivedOf(SipMethods.Invite).Count());
        Assert.Equal(SdpDirection.SendOnly, Directions.Of(_rig.Caller.ReceivedOf(SipMethods.Invite).Last()));
        Assert.Contains("c=IN IP4 10.0.0.3", _rig.Caller.ReceivedOf(SipMethods.Invite).Last().BodyText, StringComparison.Ordinal);
        Assert.Equal(CallStatus.Held, (await _rig.CallAsync(callId)).Status);
        Assert.True((await agent.GetAsync()).OnHold);
        _rig.AssertNoErrors();
    }

    /// <summary>
    /// The grain holds the call while the phone sends its own re-INVITE (its hold key): both are on the way at once
    /// (20 ms each way between edge and phone), so each side gets the other's INVITE with its own pending, and answers 491.
    /// </summary>
    private async Task<Task<SipResponse>> CrossHoldWithPhoneReInviteAsync(string callId, Agent agent, SipDialog agentLeg)
    {
        _rig.Net.Delay = p => p.From.Equals(agent.Phone.EndPoint) || p.To.Equals(agent.Phone.EndPoint) ? TimeSpan.FromMilliseconds(20) : TimeSpan.Zero;
        Assert.True((await _rig.Client.GetGrain<ICallGrain>(callId).HoldAsync()).IsSuccess);
        await _rig.Until(() => _rig.RequestsBetween(EdgeRig.EdgeAddress, Phone, SipMethods.Invite).Count == 2, "the edge re-INVITEs the phone");
        var phoneOffer = agent.Phone.Ua.ReInviteAsync(agentLeg, agent.Phone.NextSdp(SdpDirection.SendOnly));
        _rig.Advance(TimeSpan.FromMilliseconds(40));
        await _rig.Until(() => phoneOffer.IsCompleted && _rig.ResponsesBetween(Phone, EdgeRig.EdgeAddress, 491).Count == 1, "both get 491");
        Assert.Single(_rig.ResponsesBetween(EdgeRig.EdgeAddress, Phone, 491));

        // The edge has taken its 491 in (its retry delay runs from here) before the clock moves on.
        var edgeLeg = EdgeDialogOf(agentLeg);
        await _rig.Until(() => !edgeLeg.OutgoingOfferPending, "the edge has the phone's 491");
        return phoneOffer;
    }

    /// <summary>The edge's side of the phone's dialog.</summary>
    private SipDialog EdgeDialogOf(SipDialog phoneDialog) =>
        _rig.Edge.UserAgent.Dialogs.Single(d => d.CallId == phoneDialog.CallId && d.LocalTag == phoneDialog.RemoteTag);

    /// <summary>re-INVITEs from the edge that <paramref name="party"/> answered 200 (the phone's answer to the call's INVITE aside).</summary>
    private int AnsweredReInvites(string party)
    {
        var callInvite = _rig.RequestsBetween(EdgeRig.EdgeAddress, party, SipMethods.Invite).FirstOrDefault()?.CSeq?.Number;
        return _rig.ResponsesBetween(party, EdgeRig.EdgeAddress, 200)
            .Where(r => r.CSeq!.Method == SipMethods.Invite && (party == EdgeRig.CallerAddress || r.CSeq.Number != callInvite))
            .Select(r => r.CSeq!.Number).Distinct().Count();
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
        return (callId, agent, callerLeg, agentLeg);
    }
}

using System.Globalization;
using Acd.Calls;
using Acd.Common;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Uris;
using Acd.SipEdge.Bridging;
using Acd.SipEdge.Legs;

namespace Acd.SipEdge.Calls;

/// <summary>
/// Legs through the outbound trunk: the customer's leg of outbound calls (click-to-dial, or dialled on the agent's phone)
/// and the far leg of a blind transfer to an external number. Click-to-dial follows third-party call control (RFC 3725):
/// the agent's phone is rung with a placeholder (inactive) offer, the trunk gets the phone's media, and the phone is
/// then re-INVITEd with the trunk's answer.
/// </summary>
internal sealed partial class EdgeCall
{
    /// <summary>The agent's own INVITE when it dialled the number on its phone.</summary>
    private Leg? _dialling;

    /// <summary>The number the trunk presents as the caller of an outbound call.</summary>
    private string _agentNumber = "";

    /// <summary>How long an outbound call may ring in all (the grain's PlaceOutbound says).</summary>
    private TimeSpan _outboundRingTimeout;

    /// <summary>An outbound call for <paramref name="agentId"/>: click-to-dial, or (with <paramref name="agentInvite"/>) dialled on its phone.</summary>
    public static EdgeCall Outbound(EdgeContext edge, string callId, string agentId, string destination, SipIncomingCall? agentInvite)
    {
        var call = new EdgeCall(edge, callId, agentInvite is null ? CallOrigin.ClickToDial : CallOrigin.AgentPhone, "", destination, destination, null);
        if (agentInvite is not null)
        {
            call._dialling = Leg.FromInvite(LegKind.Agent, agentId, agentInvite, edge.Ua);
            call._agents[agentId] = call._dialling;
        }

        return call;
    }

    /// <summary>Attaches, then starts the outbound call in its grain (which answers with PlaceOutbound).</summary>
    public async Task<Result<CallSnapshot>> StartOutboundAsync(string agentId, CallInfo info)
    {
        _agentNumber = info.Ani;
        if (_dialling?.Invite is { } invite)
        {
            invite.Transaction.AddObserver(new AgentCancelListener(this, agentId));
            if (_media.Open(_dialling) is { Ok: false } refused)
            {
                LogMediaRefused(CallId, refused.Reason ?? "media refused");
                _dialling.Stop("media refused", refused.Status);
                await _mailbox.RunAsync(FinishAsync);
                return Result.Fail(AcdError.Conflict, "The call's media could not be set up: " + refused.Reason);
            }
        }

        _reference = _edge.Grains.CreateObjectReference<ICallEdgeObserver>(this);
        Result<CallSnapshot> started;
        try
        {
            started = await GrainCalls.RunAsync(async () =>
            {
                await _grain.AttachEdgeAsync(_reference);
                return await _grain.StartOutboundAsync(agentId, info with { EdgeId = _edge.EdgeId });
            }, _edge.Time);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogGrainCallFailed(ex, CallId);
            started = Result.Fail(AcdError.Conflict, "The outbound call could not be started: " + ex.Message);
        }

        await _mailbox.RunAsync(async () =>
        {
            if (started.IsSuccess)
            {
                if (_state == EdgeCallState.Starting)
                {
                    _state = EdgeCallState.Active;
                }

                return;
            }

            LogStartRefused(CallId, started.ToString());
            _dialling?.Stop("refused", started.Error == AcdError.NotFound ? 404 : 486);
            await FinishAsync();
        });
        return started;
    }

    /// <summary>PlaceOutbound: ring the agent's phone (click-to-dial) or, when the agent dialled, the destination.</summary>
    private Task PlaceAsync(PlaceOutbound command)
    {
        _outboundRingTimeout = command.RingTimeout;
        if (_dialling is { State: LegState.Incoming } own)
        {
            own.Ringing();
            StartTrunkLeg(Dialled, own, external: false, command.RingTimeout);
            return Task.CompletedTask;
        }

        // Nothing to talk to yet: the phone gets an inactive placeholder and is re-INVITEd once the destination answers.
        if (StartAgentLeg(command.AgentId, command.Devices, command.RingTimeout, null, command.Sequence, SdpShape.AsIs,
                _media.IsAnchored ? null : PlaceholderSdp()) is null)
        {
            return SafeAsync(() => _grain.RejectAsync(command.AgentId, command.Sequence, OfferFailure.Unreachable));
        }

        return Task.CompletedTask;
    }

    /// <summary>The agent hung up its own outgoing call before the destination answered.</summary>
    private void OnAgentCancelledDial(string agentId) => _mailbox.Post(async () =>
    {
        if (_dialling is not { State: LegState.Incoming } own || own.Party != agentId)
        {
            return;
        }

        own.OnCancelled();
        LogAgentHungUp(CallId, agentId, "CANCEL");
        _customer?.Stop("agent cancelled");
        await ReportHangupAsync(HangupSide.Agent, "agent cancelled");
    });

    /// <summary>TransferOut: the grain hands the caller to an external number: drop the agent, call the number.</summary>
    private Task HandOutAsync(TransferOut command)
    {
        if (_customer is not { IsUp: true } customer || !_edge.Trunk.IsConfigured)
        {
            LogCannotTransferOut(CallId, command.Number);
            return Task.CompletedTask; // the grain's HangUp follows and ends the caller's leg
        }

        if (_agents.GetValueOrDefault(command.AgentId) is { } agent)
        {
            if (_talking == agent)
            {
                _talking = null;
            }

            _media.Remove(agent);
            agent.Stop("transferred out");
        }

        LogTransferringOut(CallId, command.Number);
        StartTrunkLeg(command.Number, customer, external: true, command.RingTimeout);
        return Task.CompletedTask;
    }

    /// <summary>INVITEs <paramref name="number"/> through the trunk with <paramref name="source"/>'s media.</summary>
    private void StartTrunkLeg(string number, Leg source, bool external, TimeSpan ringTimeout)
    {
        var leg = Leg.ToPlace(LegKind.Trunk, number, _edge.Ua);
        if (external)
        {
            _external = leg;
        }
        else
        {
            _customer = leg;
        }

        SipUri uri;
        Acd.Sip.Transports.SipTarget target;
        try
        {
            uri = _edge.Trunk.Uri(number);
            target = _edge.Stack.ResolveTarget(new Acd.Sip.Messages.SipRequest(Acd.Sip.Messages.SipMethods.Invite, uri));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogTrunkFailed(CallId, number, ex.Message);
            leg.Stop("trunk unreachable");
            _mailbox.Post(() => OnTrunkPlacedAsync(leg, null, ex));
            return;
        }

        var made = _media.Offer(leg, source, _edge.Trunk.Srtp ? LegProfile.Srtp : LegProfile.Rtp, out var offer);
        if (!made.Ok)
        {
            LogTrunkFailed(CallId, number, made.Reason ?? "no media for the trunk leg");
            leg.Stop("media refused");
            _mailbox.Post(() => OnTrunkPlacedAsync(leg, null, null));
            return;
        }

        var fromNumber = external ? CallerNumber : _edge.Trunk.CallerId(_agentNumber);
        var from = new SipNameAddress(new SipUri("sip", fromNumber, _edge.Domain));
        var to = new SipNameAddress(new SipUri("sip", number, uri.Host));
        var placing = leg.PlaceAsync(uri, target, from, to, offer ?? PlaceholderSdp(), _media.IsAnchored ? SdpShape.Verbatim : SdpShape.Active,
            ringTimeout, _edge.Time, _edge.Trunk.Credentials(), invite => invite.Headers.Add(EdgeHeaders.CallId, CallId));
        _ = CompleteAsync(placing, (result, error) => OnTrunkPlacedAsync(leg, result, error));
    }

    private async Task OnTrunkPlacedAsync(Leg leg, SipCallResult? result, Exception? error)
    {
        var answered = leg.State != LegState.Ended && leg.OnPlaced(result, error);
        Track(leg);
        if (answered && _media.Answered(leg) is { Ok: false } refused)
        {
            LogTrunkFailed(CallId, leg.Party, refused.Reason ?? "its answer was refused");
            leg.Stop("media refused");
            answered = false;
            result = null;
        }

        if (!answered)
        {
            if (result is { Success: true })
            {
                return; // answered after we gave up on it: the leg sent BYE
            }

            LogTrunkFailed(CallId, leg.Party, leg.EndReason ?? "failed");
            await OnTrunkFailedAsync(leg, result);
            return;
        }

        if (leg == _external)
        {
            if (_customer is not { IsUp: true } customer)
            {
                leg.Stop("the caller is gone");
                return;
            }

            LogExternalConnected(CallId, leg.Party);
            await _media.ConnectAsync(customer, leg);
            return;
        }

        if (_state == EdgeCallState.Ended)
        {
            leg.Stop("the call ended");
            return;
        }

        await OnDestinationAnsweredAsync(leg);
    }

    private async Task OnTrunkFailedAsync(Leg leg, SipCallResult? result)
    {
        if (leg == _external)
        {
            // The external party did not take the transferred caller; the ACD call is over already.
            _external = null;
            _customer?.Stop("external transfer failed");
            await ReportHangupAsync(HangupSide.Caller, "external transfer failed");
            return;
        }

        if (_state == EdgeCallState.Ended)
        {
            return;
        }

        var status = Leg.StatusOf(result) ?? 503;
        _dialling?.Stop("destination failed", status is 486 or 404 or 403 or 603 ? status : 480);
        if (_agents.Values.FirstOrDefault(l => l.Kind == LegKind.Agent) is { } agent)
        {
            // Busy, unreachable or unanswered destination: the outbound call ends "not answered".
            await SafeAsync(() => _grain.RejectAsync(agent.Party, agent.Ring));
        }
    }

    /// <summary>The destination answered an outbound call: connect it with the agent's phone.</summary>
    private async Task OnDestinationAnsweredAsync(Leg destination)
    {
        var agent = _dialling ?? _agents.Values.FirstOrDefault(l => l.Kind == LegKind.Agent && !l.IsGone);
        if (agent is null)
        {
            destination.Stop("the agent is gone");
            return;
        }

        var accepted = await SafeAsync(() => _grain.AnswerAsync(agent.Party, agent.Ring));
        if (accepted is not { IsSuccess: true })
        {
            LogAnswerRefused(CallId, agent.Party, accepted?.ToString() ?? "grain unreachable");
            destination.Stop("the call ended before the destination answered");
            await ReportHangupAsync(HangupSide.Caller, "the call ended before the destination answered");
            return;
        }

        LogConnected(CallId, agent.Party);
        _talking = agent;
        if (agent.State == LegState.Incoming)
        {
            if (!agent.Answer(_media.AnswerFor(agent, destination) ?? "", _media.IsAnchored ? SdpShape.Verbatim : SdpShape.AsIs, Track))
            {
                // The agent's CANCEL crossed the destination's answer.
                destination.Stop("agent cancelled");
                await ReportHangupAsync(HangupSide.Agent, "agent cancelled");
                return;
            }

            _media.Pair(destination, agent);
            return;
        }

        // Click-to-dial: a direct phone still has the placeholder and gets the destination's answer now; an anchored one
        // talks to the engine already, which only bridges.
        await _media.ConnectAsync(destination, agent);
    }

    /// <summary>Click-to-dial: the agent's phone answered the placeholder; now the destination is called.</summary>
    private void DialDestination(Leg agent)
    {
        _talking = agent;
        LogDialling(CallId, agent.Party, Dialled);
        StartTrunkLeg(Dialled, agent, external: false, _outboundRingTimeout);
    }

    /// <summary>An offer with nothing behind it yet (inactive, discard port), so a phone can be rung before media exists.</summary>
    private string PlaceholderSdp()
    {
        var host = _edge.PublicHost;
        var family = host.Contains(':', StringComparison.Ordinal) ? "IP6" : "IP4";
        var id = ((uint)CallId.GetHashCode(StringComparison.Ordinal)).ToString(CultureInfo.InvariantCulture);
        return $"v=0\r\no=acd {id} 1 IN {family} {host}\r\ns=-\r\nc=IN {family} {host}\r\nt=0 0\r\n" +
               "m=audio 9 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n" +
               "a=fmtp:101 0-15\r\na=inactive\r\n";
    }

    private sealed class AgentCancelListener(EdgeCall call, string agentId) : Acd.Sip.Transactions.ISipServerTransactionObserver
    {
        public void OnCancelled(Acd.Sip.Transactions.SipServerTransaction transaction) => call.OnAgentCancelledDial(agentId);
    }
}

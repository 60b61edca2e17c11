using Acd.Calls;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Uris;
using Acd.SipEdge.Legs;
using Acd.SipEdge.Registration;

namespace Acd.SipEdge.Calls;

/// <summary>Agent legs: ringing the phones the grain chose, reporting their answer or failure, stopping and dropping them.</summary>
internal sealed partial class EdgeCall
{
    /// <summary>
    /// RingAgent (an offer) or ConsultAgent (the consulted agent of an attended transfer): the agent's phone is INVITEd
    /// with the media of the party it will talk to. A phone nobody can reach is reported at once, as unreachable.
    /// </summary>
    private async Task RingAsync(RingAgent command, bool consultation)
    {
        var agentId = command.AgentId;
        if (_cancelledRings.TryGetValue(agentId, out var cancelled) && cancelled >= command.Sequence)
        {
            return; // its CancelAgent overtook it
        }

        if (_agents.TryGetValue(agentId, out var existing) && !existing.IsGone)
        {
            return; // already ringing or talking for this call
        }

        var source = consultation ? _talking : _customer;
        if (source is not { IsGone: false } || (consultation && _consulted is not null))
        {
            LogCannotRing(CallId, agentId, consultation ? "no agent is talking to the caller" : "the caller is gone");
            if (consultation)
            {
                await SafeAsync(() => _grain.CancelTransferAsync());
            }

            return;
        }

        var leg = StartAgentLeg(agentId, command.Devices, command.RingTimeout, source, command.Sequence);
        if (leg is null)
        {
            // Phones of this edge it cannot reach (a closed TCP/WebSocket connection) stay in the agent's grain until they
            // expire: drop them, or the agent, Ready again after an unreachable offer, is offered the call over and over.
            foreach (var stale in _edge.Phones.OwnOf(command.Devices))
            {
                await _edge.Phones.ForgetAsync(agentId, stale);
            }

            if (consultation)
            {
                await SafeAsync(() => _grain.CancelTransferAsync());
            }
            else
            {
                await SafeAsync(() => _grain.RejectAsync(agentId, command.Sequence, OfferFailure.Unreachable));
            }

            return;
        }

        if (consultation)
        {
            _consulted = leg;
        }
    }

    /// <summary>INVITEs the agent's phone with <paramref name="source"/>'s media; null when no phone of the agent can be reached.</summary>
    private Leg? StartAgentLeg(string agentId, System.Collections.Immutable.ImmutableArray<Acd.Agents.DeviceBinding> devices, TimeSpan ringTimeout,
        Leg? source, CommandSequence? ring, SdpShape shape = SdpShape.Active, string? media = null)
    {
        if (_edge.Phones.Choose(CallId, devices) is not { } route)
        {
            LogNoPhone(CallId, agentId);
            return null;
        }

        var leg = Leg.ToPlace(LegKind.Agent, agentId, _edge.Ua, ring);
        var made = _media.Offer(leg, source, _edge.Media.ProfileFor(route), out var offer);
        if (!made.Ok)
        {
            LogMediaRefused(CallId, made.Reason ?? "no media for the agent leg");
            _media.Remove(leg);
            return null;
        }

        _agents[agentId] = leg;
        var from = new SipNameAddress(new SipUri("sip", CallerNumber, _edge.Domain), CallerName);
        var to = new SipNameAddress(new SipUri("sip", agentId, _edge.Domain));
        LogRingingAgent(CallId, agentId, route.Contact.ToString(), route.Describe());
        var ringLimit = ringTimeout + TimeSpan.FromSeconds(_edge.Options.RingGraceSeconds);
        var placing = leg.PlaceAsync(route.Contact, route.Target, from, to, offer ?? media, _media.IsAnchored ? SdpShape.Verbatim : shape, ringLimit, _edge.Time,
            configure: invite =>
            {
                invite.Headers.Add("P-Asserted-Identity", from.ToString());
                invite.Headers.Add(EdgeHeaders.CallId, CallId);
                route.Decorate(invite);
            });
        if (source is not null && source == _customer)
        {
            _media.Ringback(source);
        }

        _ = CompleteAsync(placing, (result, error) => OnAgentPlacedAsync(leg, route, result, error));
        return leg;
    }

    private async Task OnAgentPlacedAsync(Leg leg, PhoneRoute route, SipCallResult? result, Exception? error)
    {
        using var span = Span("acd.edge.agent_leg_placed");
        var answered = leg.OnPlaced(result, error);
        span?.SetTag("acd.agent_id", leg.Party).SetTag("sip.status", Leg.StatusOf(result)).SetTag("acd.answered", answered);
        Track(leg);
        if (!answered)
        {
            if (result is { Success: true })
            {
                LogAnsweredTooLate(CallId, leg.Party);
                return; // its 200 crossed our CANCEL: the leg sent BYE
            }

            await OnAgentLegFailedAsync(leg, route, result, error);
            return;
        }

        if (_media.Answered(leg) is { Ok: false } refused)
        {
            LogMediaRefused(CallId, refused.Reason ?? "the phone's answer was refused");
            leg.Stop("media refused");
            _media.Remove(leg);
            BackToWaiting();
            await SafeAsync(() => _grain.RejectAsync(leg.Party, leg.Ring, OfferFailure.Declined));
            return;
        }

        if (Origin == CallOrigin.ClickToDial && _customer is null && _state != EdgeCallState.Ended)
        {
            // The agent's phone took the placeholder: now the destination is called; its answer is the call's.
            DialDestination(leg);
            return;
        }

        if (_state == EdgeCallState.Ended || _customer is not { IsGone: false })
        {
            LogAnsweredTooLate(CallId, leg.Party);
            leg.Stop("the call moved on");
            return;
        }

        if (leg == _consulted)
        {
            await OnConsultationAnsweredAsync(leg);
            return;
        }

        if (_talking is not null && _talking != leg)
        {
            LogAnsweredTooLate(CallId, leg.Party);
            leg.Stop("another agent has the call");
            return;
        }

        var accepted = await SafeAsync(() => _grain.AnswerAsync(leg.Party, leg.Ring));
        if (accepted is not { IsSuccess: true })
        {
            LogAnswerRefused(CallId, leg.Party, accepted?.ToString() ?? "grain unreachable");
            leg.Stop("the grain refused the answer");
            return;
        }

        await ConnectCustomerAsync(leg);
    }

    /// <summary>The agent leg takes the customer: a waiting caller is answered, one already in a dialog is re-pointed.</summary>
    private async Task ConnectCustomerAsync(Leg agent)
    {
        _talking = agent;
        var customer = _customer!;
        if (customer.State == LegState.Incoming)
        {
            if (!customer.Answer(_media.AnswerFor(customer, agent) ?? "", _media.IsAnchored ? SdpShape.Verbatim : SdpShape.AsIs, Track))
            {
                // The caller's CANCEL won the race against our 200: the agent answered nobody.
                _talking = null;
                LogCallerGoneAtAnswer(CallId, agent.Party);
                agent.Stop("caller cancelled");
                await ReportHangupAsync(HangupSide.Caller, "caller cancelled");
                return;
            }

            _media.Pair(customer, agent);
        }
        else
        {
            // A transferred, requeued or retrieved caller is already in a dialog: point its media at the new agent.
            await _media.ConnectAsync(customer, agent);
        }

        _hold = HoldState.None;
        LogConnected(CallId, agent.Party);
    }

    private async Task OnAgentLegFailedAsync(Leg leg, PhoneRoute route, SipCallResult? result, Exception? error)
    {
        var reason = leg.EndReason ?? "failed";
        _media.Remove(leg);
        BackToWaiting();
        var customerGone = Origin == CallOrigin.Inbound ? _customer is not { IsGone: false } : _customer is { IsGone: true };
        if (_state == EdgeCallState.Ended || customerGone || leg.Ring is { } ring && IsCancelled(leg.Party, ring))
        {
            LogAgentLegCancelled(CallId, leg.Party, reason);
            return;
        }

        var unreachable = error is not null || Leg.StatusOf(result) is 408 or 503 or null;
        if (unreachable && !leg.RingLimitReached)
        {
            // The phone's flow or address is dead: not the agent's doing, and its binding is stale.
            LogPhoneUnreachable(CallId, leg.Party, route.Describe(), reason);
            await _edge.Phones.ForgetAsync(leg.Party, route.Device);
        }
        else if (leg.RingLimitReached)
        {
            LogRingLimit(CallId, leg.Party);
        }

        LogAgentLegFailed(CallId, leg.Party, reason);
        if (leg == _consulted)
        {
            // The consulted agent did not take the consultation: the caller goes back to the agent who has it.
            _consulted = null;
            await SafeAsync(() => _grain.CancelTransferAsync());
            return;
        }

        if (leg == _talking)
        {
            // The transfer was completed while the consulted agent still rang, and it never answered: that ring is an
            // offer in the grain now, and the caller goes back in line like after any failed offer.
            _talking = null;
            BackToWaiting();
        }

        // Busy, declined, unreachable or rung out: the offer failed and the call goes back in line (never stuck ringing).
        var failure = leg.RingLimitReached ? OfferFailure.NoAnswer : unreachable ? OfferFailure.Unreachable : OfferFailure.Declined;
        await SafeAsync(() => _grain.RejectAsync(leg.Party, leg.Ring, failure));
    }

    private bool IsCancelled(string agentId, CommandSequence ring) => _cancelledRings.TryGetValue(agentId, out var cancelled) && cancelled >= ring;

    /// <summary>CancelAgent: stop that ring (CANCEL, or BYE if the answer crossed it); a consultation ends.</summary>
    private async Task CancelAsync(CancelAgent command)
    {
        if (!IsCancelled(command.AgentId, command.Ring))
        {
            _cancelledRings[command.AgentId] = command.Ring;
        }

        if (!_agents.TryGetValue(command.AgentId, out var leg) || leg.IsGone || (leg.Ring is { } ring && ring > command.Ring))
        {
            return;
        }

        LogCancellingAgent(CallId, command.AgentId, command.Reason.ToString());
        if (leg == _consulted)
        {
            await EndConsultationAsync(leg);
            return;
        }

        if (leg != _talking || !leg.IsUp)
        {
            // A ringing leg (an offer, or the target of a transfer completed before it answered); never a talking one.
            if (leg == _talking)
            {
                _talking = null;
            }

            leg.Stop(command.Reason.ToString());
            _media.Remove(leg);
            BackToWaiting();
        }
    }

    /// <summary>
    /// The caller has nobody to talk to again (a ring ended, a blind transfer goes on): it hears the queue's audio. An
    /// internal call waits in no queue: its caller keeps what it hears until the call ends.
    /// </summary>
    private void BackToWaiting()
    {
        if (Origin != CallOrigin.Internal && _talking is null && _consulted is null && _customer is { IsGone: false } customer)
        {
            _media.Waiting(customer);
        }
    }

    /// <summary>DropAgent: the agent left the call (blind transfer, park); the customer's leg stays.</summary>
    private async Task DropAsync(DropAgent command)
    {
        if (!_agents.TryGetValue(command.AgentId, out var leg) || leg.IsGone)
        {
            return;
        }

        if (leg == _talking)
        {
            _talking = null;
        }

        if (leg == _consulted)
        {
            _consulted = null;
        }

        LogDroppingAgent(CallId, command.AgentId, command.Reason.ToString());
        _media.Remove(leg);
        if (leg.EndsByItself)
        {
            // The transferring phone ends its own dialog after the final NOTIFY (RFC 5589); BYE only if it does not.
            _ = ByeLaterAsync(leg);
        }
        else
        {
            leg.Stop("left the call");
        }

        if (command.Reason == DropReason.Parked && _customer is { IsUp: true } customer)
        {
            LogParked(CallId);
            _hold = HoldState.ByEdge;
            await _media.IsolateAsync(customer);
        }
        else
        {
            BackToWaiting();
        }
    }

    /// <summary>How long a phone that REFERred its call may take to send its own BYE before the edge sends one.</summary>
    private static readonly TimeSpan TransferorByeGrace = TimeSpan.FromSeconds(4);

    private async Task ByeLaterAsync(Leg leg)
    {
        await Task.Delay(TransferorByeGrace, _edge.Time);
        _mailbox.Post(() => leg.Stop("transferred"));
    }

    /// <summary>Waits for a leg's INVITE in the background and posts its outcome to the mailbox.</summary>
    private async Task CompleteAsync(Task<SipCallResult> placing, Func<SipCallResult?, Exception?, Task> outcome)
    {
        SipCallResult? result = null;
        Exception? error = null;
        try
        {
            result = await placing;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            error = ex;
        }

        _mailbox.Post(() => outcome(result, error));
    }
}

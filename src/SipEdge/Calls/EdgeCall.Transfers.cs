using System.Globalization;
using Acd.Calls;
using Acd.Common;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Transactions;
using Acd.SipEdge.Legs;

namespace Acd.SipEdge.Calls;

/// <summary>
/// Transfers on the wire. Blind: the grain drops the agent and offers the caller elsewhere; the next agent's answer is
/// re-pointed at the caller. Attended: the consulted agent is rung with the transferring agent's media, both agents talk
/// while the caller waits on hold, then the caller is bridged to the consulted agent (complete) or back (cancel). A
/// phone's REFER becomes a blind transfer reported with NOTIFY sipfrag (RFC 3515); REFER with Replaces joins the
/// phone's own consultation call (RFC 3891). Park and pickup take the caller to an agent's phone.
/// </summary>
internal sealed partial class EdgeCall
{
    /// <summary>The consulted agent answered: the caller waits on hold and the two agents talk.</summary>
    private async Task OnConsultationAnsweredAsync(Leg leg)
    {
        if (_talking is not { IsUp: true } transferring)
        {
            LogAnsweredTooLate(CallId, leg.Party);
            _consulted = null;
            leg.Stop("nobody to consult");
            return;
        }

        var accepted = await SafeAsync(() => _grain.AnswerAsync(leg.Party, leg.Ring));
        if (accepted is not { IsSuccess: true })
        {
            LogAnswerRefused(CallId, leg.Party, accepted?.ToString() ?? "grain unreachable");
            _consulted = null;
            leg.Stop("the grain refused the answer");
            return;
        }

        LogConsultationConnected(CallId, transferring.Party, leg.Party);
        _hold = HoldState.ByEdge;
        await Task.WhenAll(_customer is { IsUp: true } customer ? _media.IsolateAsync(customer) : Task.CompletedTask,
            _media.ConnectAsync(transferring, leg));
    }

    /// <summary>CompleteConsultation: the consulted agent takes the caller, the transferring agent leaves.</summary>
    private async Task CompleteConsultationAsync(string agentId)
    {
        if (!_agents.TryGetValue(agentId, out var leg) || leg.IsGone)
        {
            return;
        }

        var previous = _talking;
        _consulted = null;
        _talking = leg;
        if (previous is not null && previous != leg)
        {
            _media.Remove(previous);
            previous.Stop("transferred");
        }

        LogTransferCompleted(CallId, previous?.Party ?? "-", agentId);
        if (!leg.IsUp || _customer is not { IsUp: true } customer)
        {
            return; // completed while the consulted phone still rings: it takes the caller when it answers
        }

        _hold = HoldState.None;
        await _media.ConnectAsync(customer, leg);
    }

    /// <summary>The consultation ended without a transfer: the transferring agent and the caller talk again.</summary>
    private async Task EndConsultationAsync(Leg leg)
    {
        var wasTalking = leg.WasConnected; // also when its BYE ended it a moment ago
        if (_consulted == leg)
        {
            _consulted = null;
        }

        _media.Remove(leg);
        leg.Stop("consultation ended");
        if (!wasTalking || _customer is not { IsUp: true } customer || _talking is not { IsUp: true } transferring)
        {
            return;
        }

        LogConsultationEnded(CallId, leg.Party);
        _hold = HoldState.None;
        await _media.ConnectAsync(customer, transferring);
    }

    // ---- an agent's phone takes the call ----------------------------------------------------------------

    /// <summary>
    /// An agent's phone dialled the park slot or the pickup code of this call: the grain connects the agent at once, the
    /// phone's INVITE is answered with the caller's media and the caller is pointed at the phone.
    /// </summary>
    public Task TakeFromPhoneAsync(SipIncomingCall invite, string agentId, bool pickup) => _mailbox.RunAsync(async () =>
    {
        if (_state == EdgeCallState.Ended || _customer is not { IsGone: false } customer)
        {
            invite.Reject(404);
            return;
        }

        var taken = await SafeAsync(() => pickup ? _grain.PickupAsync(agentId, ring: false) : _grain.RetrieveAsync(agentId, ring: false));
        if (taken is not { IsSuccess: true })
        {
            LogTakeRefused(CallId, agentId, taken?.ToString() ?? "grain unreachable");
            invite.Reject(taken?.Error is AcdError.Busy or AcdError.Conflict or AcdError.IllegalTransition ? 486 : 404);
            return;
        }

        var leg = Leg.FromInvite(LegKind.Agent, agentId, invite, _edge.Ua);
        if (_media.Open(leg) is { Ok: false } refused)
        {
            LogMediaRefused(CallId, refused.Reason ?? "media refused");
            leg.Stop("media refused", refused.Status);
            await ReportHangupAsync(HangupSide.Agent, "the phone's media was refused");
            return;
        }

        _agents[agentId] = leg;
        if (!leg.Answer(_media.AnswerFor(leg, customer) ?? "", _media.IsAnchored ? SdpShape.Verbatim : SdpShape.AsIs, Track))
        {
            await ReportHangupAsync(HangupSide.Agent, "agent cancelled");
            return;
        }

        LogTakenFromPhone(CallId, agentId, pickup ? "pickup" : "park retrieval");
        await ConnectCustomerAsync(leg);
    });

    // ---- REFER from a phone ---------------------------------------------------------------------------

    /// <summary>
    /// The talking agent's phone transfers the call (blind REFER): the target is an agent id or extension, a queue
    /// number or an external number, resolved as the API resolves transfer targets; the outcome goes back as NOTIFY
    /// message/sipfrag and the phone then hangs up its leg.
    /// </summary>
    private async Task OnReferAsync(SipServerTransaction tx, SipDialog dialog)
    {
        var leg = _agents.Values.FirstOrDefault(l => l.Dialog == dialog);
        if (leg is null || leg != _talking || _consulted is not null || _state != EdgeCallState.Active)
        {
            // Callers and trunks do not move calls around inside the ACD; neither does an agent who is not on the call.
            tx.Respond(tx.CreateResponse(403, "Forbidden - only the agent on the call can transfer it"));
            return;
        }

        var referTo = tx.Request.Headers[SipHeaderNames.ReferTo];
        if (referTo is null || !SipNameAddress.TryParse(referTo, out var address) || address is null ||
            string.IsNullOrWhiteSpace(address.Uri.UserUnescaped))
        {
            tx.Respond(tx.CreateResponse(400, "Bad Request - Refer-To needs a user part (agent id, queue number or number)"));
            return;
        }

        if (address.Uri.Headers.TryGet("Replaces", out var replacesValue))
        {
            await OnAttendedReferAsync(tx, dialog, leg, Uri.UnescapeDataString(replacesValue ?? ""));
            return;
        }

        var user = address.Uri.UserUnescaped!;
        tx.Respond(tx.CreateResponse(202));
        await NotifyReferAsync(leg, 100, "Trying");
        var resolved = await SafeAsync(() => _edge.Targets.ResolveAsync(user));
        if (resolved is not { IsSuccess: true, Value: { } target })
        {
            LogReferRefused(CallId, leg.Party, user, resolved?.Message ?? "grain unreachable");
            await NotifyReferAsync(leg, 404, null);
            return;
        }

        if (target.Kind == CallControl.Calls.DialTargetKind.External && !_edge.Trunk.IsConfigured)
        {
            LogReferRefused(CallId, leg.Party, user, "no agent or queue has that number and no outbound trunk is configured");
            await NotifyReferAsync(leg, 404, null);
            return;
        }

        var result = await SafeAsync(() => _grain.TransferAsync(target.ToTransferTarget(), TransferMode.Blind));
        if (result is { IsSuccess: true })
        {
            leg.EndsByItself = true;
            LogReferAccepted(CallId, leg.Party, target.Kind.ToString(), target.Value);
            await NotifyReferAsync(leg, 200, "OK");
            return;
        }

        var status = result?.Error switch
        {
            AcdError.NotFound => 404,
            AcdError.Conflict or AcdError.IllegalTransition or AcdError.Busy => 486,
            AcdError.InvalidArgument => 400,
            _ => 503,
        };
        LogReferRefused(CallId, leg.Party, user, result?.ToString() ?? "grain unreachable");
        await NotifyReferAsync(leg, status, null);
    }

    /// <summary>
    /// Attended transfer set up on the phone (RFC 3891): the agent called into the ACD from its phone (a queue number),
    /// talked to the agent who answered, and now REFERs its customer call with Replaces naming that consultation dialog.
    /// The edge is transferee and target at once: the consulted agent's leg moves into this call and is bridged to the
    /// customer; both of the transferring phone's dialogs end (the consultation with BYE, this one after the NOTIFY).
    /// </summary>
    private async Task OnAttendedReferAsync(SipServerTransaction tx, SipDialog dialog, Leg transferring, string replacesValue)
    {
        if (!SipReplaces.TryParse(replacesValue, out var replaces) || replaces is null)
        {
            tx.Respond(tx.CreateResponse(400, "Bad Request - malformed Replaces in Refer-To"));
            return;
        }

        var consultation = _edge.Calls.Find(SipDialogId.From(replaces));
        if (consultation is null || consultation == this)
        {
            // Consultations the edge does not carry (straight to another phone, through another PBX) cannot be joined here.
            LogReferRefused(CallId, transferring.Party, replacesValue, "the Replaces dialog is not a call this edge carries");
            tx.Respond(tx.CreateResponse(481, "Call/Transaction Does Not Exist - the consultation must be a call through the ACD"));
            return;
        }

        tx.Respond(tx.CreateResponse(202));
        await NotifyReferAsync(transferring, 100, "Trying");
        var consulted = await consultation.ReleaseTalkingLegAsync(replaces);
        if (consulted is null)
        {
            LogReferRefused(CallId, transferring.Party, replacesValue, "the consultation has no answered agent leg");
            await NotifyReferAsync(transferring, 481, null);
            return;
        }

        var result = await SafeAsync(() => _grain.TakeOverFromAsync(consultation.CallId));
        if (result is not { IsSuccess: true })
        {
            LogReferRefused(CallId, transferring.Party, replacesValue, result?.ToString() ?? "grain unreachable");
            await consultation.RestoreTalkingLegAsync(consulted);
            await NotifyReferAsync(transferring, 503, null);
            return;
        }

        // From here the consulted agent's leg belongs to this call (its BYE, re-INVITEs and probes come here).
        _agents[consulted.Party] = consulted;
        Track(consulted);
        transferring.EndsByItself = true;
        _talking = consulted;
        _hold = HoldState.None;
        LogAttendedReferCompleted(CallId, transferring.Party, consulted.Party, consultation.CallId);
        _media.Adopt(consulted, consultation._media);
        if (_customer is { IsUp: true } customer)
        {
            await _media.ConnectAsync(customer, consulted);
        }

        await NotifyReferAsync(transferring, 200, "OK");
    }

    /// <summary>
    /// This call is the consultation a phone's attended transfer names (its caller dialog is <paramref name="replaces"/>):
    /// gives up the talking agent's leg, which another call takes over, so ending this call will not BYE it.
    /// </summary>
    private Task<Leg?> ReleaseTalkingLegAsync(SipReplaces replaces)
    {
        Leg? released = null;
        return _mailbox.RunAsync(() =>
        {
            if (_state != EdgeCallState.Ended && _customer?.Dialog is { } callerDialog && replaces.Designates(callerDialog) &&
                _talking is { IsUp: true } talking && _consulted is null)
            {
                released = talking;
                _talking = null;
                _agents.Remove(talking.Party);
            }

            return Task.CompletedTask;
        }).ContinueWith(_ => released, TaskScheduler.Default);
    }

    /// <summary>The takeover failed: the consultation gets its agent leg back as it was.</summary>
    private Task RestoreTalkingLegAsync(Leg leg) => _mailbox.RunAsync(async () =>
    {
        if (_state != EdgeCallState.Ended && _talking is null && _customer is { IsUp: true } customer)
        {
            _agents[leg.Party] = leg;
            _talking = leg;
            await _media.ConnectAsync(customer, leg);
        }
        else
        {
            leg.Stop("the transfer failed");
        }
    });

    private async Task NotifyReferAsync(Leg leg, int status, string? reason)
    {
        try
        {
            var response = await leg.SendAsync(dialog => dialog.CreateReferNotify(status, reason));
            if (response is { IsSuccess: false })
            {
                LogNotifyFailed(CallId, response.StatusCode.ToString(CultureInfo.InvariantCulture));
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogNotifyFailed(CallId, ex.Message);
        }
    }
}

using System.Globalization;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Sdp;
using Acd.Sip.Transactions;
using Acd.SipEdge.Legs;

namespace Acd.SipEdge.Calls;

/// <summary>
/// What happens inside the legs' dialogs: hold and resume, re-INVITEs from a leg relayed to the party it hears, DTMF by
/// SIP INFO, and the OPTIONS probes that find legs whose far end vanished.
/// </summary>
internal sealed partial class EdgeCall
{
    private const string DtmfRelay = "application/dtmf-relay";

    /// <summary>Hold or resume from the API or desktop: both legs are re-INVITEd (sendonly to hold, sendrecv to resume).</summary>
    private async Task HoldAsync(bool hold)
    {
        if (_customer is not { IsUp: true } customer || _talking is not { IsUp: true } agent || _consulted is not null)
        {
            return;
        }

        // The phone that held the call itself (its re-INVITE, already relayed) needs nothing more for the grain's echo.
        if (hold ? _hold != HoldState.None : _hold == HoldState.None)
        {
            return;
        }

        _hold = hold ? HoldState.ByEdge : HoldState.None;
        LogHold(CallId, hold ? "holding" : "resuming");
        await (hold ? _media.HoldAsync(customer, agent) : _media.ConnectAsync(customer, agent));
    }

    /// <summary>
    /// A re-INVITE from one of this call's legs. A refresh (no body, or an unchanged o= version) is answered here; a real
    /// change (hold from the phone, new media address) goes to the party the leg hears, whose answer comes back. The
    /// talking agent's hold or resume is reflected in the call grain.
    /// </summary>
    public Task OnReInviteAsync(SipServerTransaction tx, SipDialog dialog) => _mailbox.RunAsync(async () =>
    {
        var responded = false;
        try
        {
            var leg = Legs.FirstOrDefault(l => l.Dialog == dialog);
            var offer = tx.Request.Body.Length > 0 ? tx.Request.BodyText : null;
            if (leg is null || offer is null || leg.Sdp.IsUnchanged(offer) || _media.PeerOf(leg) is not { IsUp: true } || _state == EdgeCallState.Ended)
            {
                if (leg is not null && offer is not null)
                {
                    leg.Sdp.Remote = offer;
                }

                var basis = leg?.Sdp.LastSent ?? dialog.LocalSdp;
                responded = RespondToOffer(tx, dialog, basis is null || offer is null || leg is null ? basis : AnswerFor(leg, basis, offer));
                return;
            }

            if (leg == _talking && _consulted is null)
            {
                await ReflectPhoneHoldAsync(LegSdp.IsHold(offer));
            }

            var answer = await _media.OfferedAsync(leg, offer) ?? leg.Sdp.LastSent;
            responded = RespondToOffer(tx, dialog, answer is null ? null
                : _media.IsAnchored ? leg.Sdp.Prepare(answer, SdpShape.Verbatim) : AnswerFor(leg, answer, offer));
        }
        finally
        {
            if (!responded)
            {
                tx.Respond(tx.CreateResponse(500));
            }
        }
    });

    private async Task ReflectPhoneHoldAsync(bool held)
    {
        if (held && _hold == HoldState.None)
        {
            _hold = HoldState.ByPhone;
            LogPhoneHold(CallId, "hold");
            await SafeAsync(() => _grain.HoldAsync());
        }
        else if (!held && _hold != HoldState.None)
        {
            _hold = HoldState.None;
            LogPhoneHold(CallId, "resume");
            await SafeAsync(() => _grain.UnholdAsync());
        }
    }

    /// <summary>An answer made of <paramref name="media"/> whose directions mirror the offer's (RFC 3264 6.1).</summary>
    private static string AnswerFor(Leg leg, string media, string offer)
    {
        if (!SdpSession.TryParse(media, out var answer, out _) || answer is null || !SdpSession.TryParse(offer, out var offered, out _) ||
            offered is null)
        {
            return leg.Sdp.Prepare(media, SdpShape.AsIs);
        }

        answer.Direction = null;
        for (var i = 0; i < answer.Media.Count; i++)
        {
            var offeredDirection = i < offered.Media.Count ? offered.EffectiveDirection(offered.Media[i]) : SdpDirection.SendRecv;
            answer.Media[i].Direction = SdpSession.AnswerDirection(offeredDirection);
        }

        return leg.Sdp.Prepare(answer.ToString(), SdpShape.AsIs);
    }

    private static bool RespondToOffer(SipServerTransaction tx, SipDialog dialog, string? sdp)
    {
        var ok = tx.CreateResponse(200);
        ok.Headers.Add(SipHeaderNames.Contact, $"<{dialog.LocalContact}>");
        if (sdp is not null)
        {
            ok.SetBody("application/sdp", sdp);
            dialog.LocalSdp = sdp;
        }

        tx.Respond(ok);
        return true;
    }

    /// <summary>INFO (DTMF), REFER (transfer from the phone) and keep-alives inside one of this call's dialogs.</summary>
    public Task OnInDialogRequestAsync(SipServerTransaction tx, SipDialog dialog)
    {
        switch (tx.Request.Method)
        {
            case SipMethods.Info:
                // Answered at once: a keypad press must not wait for the other leg's round trip.
                tx.Respond(tx.CreateResponse(200));
                _mailbox.Post(() => RelayInfo(dialog, tx.Request));
                return Task.CompletedTask;
            case SipMethods.Refer:
                return _mailbox.RunAsync(() => OnReferAsync(tx, dialog));
            case SipMethods.Options or SipMethods.Notify or SipMethods.Update:
                tx.Respond(tx.CreateResponse(200));
                return Task.CompletedTask;
            default:
                tx.Respond(tx.CreateResponse(501));
                return Task.CompletedTask;
        }
    }

    private void RelayInfo(SipDialog from, SipRequest info)
    {
        var contentType = info.Headers[SipHeaderNames.ContentType];
        var leg = Legs.FirstOrDefault(l => l.Dialog == from);
        if (leg is null || _media.PeerOf(leg) is not { IsUp: true } peer || string.IsNullOrEmpty(contentType) || info.Body.Length == 0)
        {
            LogInfoNotRelayed(CallId, contentType ?? "no body");
            return;
        }

        // A keypad press the phone sent as INFO: the call grain hears of it, and a party that takes RFC 4733 gets it in-band.
        if (Dtmf.FromInfo(contentType, info.BodyText) is { } digit)
        {
            ReportDigit(leg, digit);
            if (_media.SendDigits(peer, digit.ToString()))
            {
                LogInfoAsRfc4733(CallId, digit.ToString());
                return;
            }
        }

        LogInfoRelayed(CallId, contentType, leg.Kind.ToString());
        var body = info.BodyText;
        _ = SendInfosAsync(peer, [(contentType, body)]);
    }

    /// <summary>DTMF from the API or desktop: one INFO (application/dtmf-relay) per digit to the caller's leg, in order.</summary>
    private Task SendDigitsAsync(string digits)
    {
        if (_customer is not { IsUp: true } customer)
        {
            return Task.CompletedTask;
        }

        if (_media.SendDigits(customer, digits))
        {
            LogSendingRfc4733(CallId, digits);
            return Task.CompletedTask;
        }

        LogSendingDtmf(CallId, digits);
        var duration = _edge.Options.DtmfDurationMs.ToString(CultureInfo.InvariantCulture);
        _ = SendInfosAsync(customer, [.. digits.Select(d => (DtmfRelay, $"Signal={d}\r\nDuration={duration}\r\n"))]);
        return Task.CompletedTask;
    }

    private async Task SendInfosAsync(Leg leg, IReadOnlyList<(string ContentType, string Body)> infos)
    {
        foreach (var (contentType, body) in infos)
        {
            try
            {
                var response = await leg.SendAsync(dialog => dialog.CreateInfo(contentType, body));
                if (response is not { IsSuccess: true })
                {
                    LogInfoFailed(CallId, response is null ? "leg gone" : $"{response.StatusCode.ToString(CultureInfo.InvariantCulture)} {response.ReasonPhrase}");
                    return;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogInfoFailed(CallId, ex.Message);
                return;
            }
        }
    }

    // ---- dead legs ------------------------------------------------------------------------------------

    /// <summary>
    /// OPTIONS inside each established dialog: a leg that answers 408 or 481 (or cannot be reached at all) is gone, and
    /// ends the call like a BYE would (with a call record), never stuck. A leg is probed from the tick after the one that
    /// first saw it up, so it has lived a whole period.
    /// </summary>
    public async Task ProbeLegsAsync()
    {
        var dialogs = new List<SipDialog>();
        await _mailbox.RunAsync(() =>
        {
            if (_state != EdgeCallState.Ended)
            {
                var established = Legs.Where(l => l.IsUp && l.Dialog is { State: SipDialogState.Confirmed }).Select(l => l.Dialog!).ToList();
                dialogs.AddRange(established.Where(_seenByProbe.Contains));
                _seenByProbe.Clear();
                _seenByProbe.UnionWith(established);
            }

            return Task.CompletedTask;
        });

        await Task.WhenAll(dialogs.Select(ProbeAsync));
    }

    private async Task ProbeAsync(SipDialog dialog)
    {
        SipResponse response;
        try
        {
            response = await _edge.Ua.SendInDialogAsync(dialog, dialog.CreateRequest(SipMethods.Options));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogProbeFailed(CallId, ex.Message);
            return;
        }

        // 408/481 already ended the dialog in the SIP layer; a transport failure (503 made locally) means the same here.
        if (response.StatusCode == 503 && response.ReasonPhrase.Contains("transport error", StringComparison.Ordinal))
        {
            LogLegUnreachable(CallId);
            OnDialogTerminated(dialog, byRemoteBye: false);
        }
    }

    /// <summary>
    /// A caller on TCP/TLS/WebSocket whose connection closed is gone, though no CANCEL or BYE could arrive; checked now and
    /// then. (UDP callers are found by the probes.)
    /// </summary>
    public void CheckCallerFlow()
    {
        if (_customer is not { Invite: { } invite } customer || customer.IsGone)
        {
            return;
        }

        var source = invite.Transaction.Source;
        if (source.FlowId == 0 || _edge.Stack.IsFlowAlive(source.FlowId))
        {
            return;
        }

        _mailbox.Post(async () =>
        {
            if (customer.IsGone)
            {
                return;
            }

            customer.OnDialogEnded("connection closed");
            if (customer.State != LegState.Ended)
            {
                customer.Stop("connection closed");
            }

            _media.Remove(customer);
            await OnLegLostAsync(customer, "caller connection closed");
        });
    }
}

using System.Globalization;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Sdp;
using Acd.Sip.Transactions;

namespace Acd.Frontend.SipEdge;

/// <summary>
/// Media and in-dialog signalling of a call: hold and resume (re-INVITEs), re-INVITEs from the legs relayed to the
/// party they talk to, DTMF by SIP INFO. The edge never touches RTP: it points each leg's media at the right party.
/// </summary>
internal sealed partial class EdgeCall
{
    private const string DtmfRelay = "application/dtmf-relay";

    /// <summary>Hold or resume from the API or desktop: both legs are re-INVITEd (sendonly to hold, sendrecv to resume).</summary>
    private async Task HoldAsync(bool hold)
    {
        if (_ended || _callerGone || _consult is not null || _callerDialog is not { } callerDialog ||
            _bridged is not { Dialog: { } agentDialog } agent)
        {
            return;
        }

        // The phone that held the call itself (its re-INVITE, already relayed) needs nothing more for the grain's echo.
        if (hold ? _hold != HoldState.None : _hold == HoldState.None)
        {
            return;
        }

        _hold = hold ? HoldState.ByEdge : HoldState.None;
        var shape = hold ? SdpShape.Held : SdpShape.Active;
        LogHold(CallId, hold ? "holding" : "resuming");
        await Task.WhenAll(
            ReofferAsync(callerDialog, _callerSdp, agent.Sdp.Remote, shape),
            ReofferAsync(agentDialog, agent.Sdp, _callerSdp.Remote, shape));
    }

    /// <summary>Sends <paramref name="media"/> to a leg as a new offer (re-INVITE); a glare 491 is retried twice.</summary>
    private async Task<bool> ReofferAsync(SipDialog dialog, LegSdp sdp, string? media, SdpShape shape)
    {
        if (media is null || dialog.State == SipDialogState.Terminated)
        {
            return false;
        }

        var offer = sdp.Prepare(media, shape);
        for (var attempt = 0; ; attempt++)
        {
            SipResponse response;
            try
            {
                response = await _edge.UserAgent.ReInviteAsync(dialog, offer);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogReofferFailed(CallId, ex.Message);
                return false;
            }

            if (response.StatusCode == 491 && attempt < 2)
            {
                await Task.Delay(dialog.GlareRetryDelay(), _edge.Time);
                continue;
            }

            if (!response.IsSuccess)
            {
                LogReofferFailed(CallId, $"{response.StatusCode.ToString(CultureInfo.InvariantCulture)} {response.ReasonPhrase}");
                return false;
            }

            dialog.LocalSdp = offer;
            if (response.Body.Length > 0)
            {
                sdp.Remote = response.BodyText;
            }

            return true;
        }
    }

    /// <summary>
    /// The leg whose media the leg of <paramref name="dialog"/> is pointed at: caller and answering agent talk to each
    /// other, except during a consultation, when the transferring agent talks to the consulted one and the caller waits.
    /// </summary>
    private (SipDialog Dialog, LegSdp Sdp)? PeerOf(SipDialog dialog)
    {
        var consulting = _consult is { Dialog: not null };
        if (dialog == _callerDialog)
        {
            return !consulting && _bridged is { Dialog: { } agentDialog } agent ? (agentDialog, agent.Sdp) : null;
        }

        if (_bridged?.Dialog == dialog)
        {
            return consulting ? (_consult!.Dialog!, _consult.Sdp) : _callerDialog is { } caller ? (caller, _callerSdp) : null;
        }

        if (consulting && _consult!.Dialog == dialog && _bridged is { Dialog: { } transferring } agentLeg)
        {
            return (transferring, agentLeg.Sdp);
        }

        return null;
    }

    private LegSdp? SdpOf(SipDialog dialog) =>
        dialog == _callerDialog ? _callerSdp : _legs.Values.FirstOrDefault(l => l.Dialog == dialog)?.Sdp;

    /// <summary>
    /// A re-INVITE from one of this call's legs. A refresh (no body, or an unchanged o= version) is answered here; a real
    /// change (hold from the phone, new media address) is offered to the party the leg talks to and its answer returned.
    /// The answering agent's hold or resume is reflected in the call grain.
    /// </summary>
    public Task OnReInviteAsync(SipServerTransaction tx, SipDialog dialog) => RunAsync(async () =>
    {
        var responded = false;
        try
        {
            var own = SdpOf(dialog);
            var offer = tx.Request.Body.Length > 0 ? tx.Request.BodyText : null;
            var peer = _ended ? null : PeerOf(dialog);
            if (own is null || offer is null || own.IsUnchanged(offer) || peer is not { } target)
            {
                if (own is not null && offer is not null)
                {
                    own.Remote = offer;
                }

                var basis = own?.LastSent ?? dialog.LocalSdp;
                responded = RespondToOffer(tx, dialog, basis is null || offer is null ? basis : AnswerFor(own!, basis, offer));
                return;
            }

            own.Remote = offer;
            if (_bridged?.Dialog == dialog && _consult is null)
            {
                await ReflectPhoneHoldAsync(LegSdp.IsHold(offer));
            }

            var relayed = await ReofferAsync(target.Dialog, target.Sdp, offer, SdpShape.AsIs);
            var answerBasis = relayed ? target.Sdp.Remote : own.LastSent;
            responded = RespondToOffer(tx, dialog, answerBasis is null ? null : AnswerFor(own, answerBasis, offer));
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
            await Safe(() => _grain.HoldAsync());
        }
        else if (!held && _hold != HoldState.None)
        {
            _hold = HoldState.None;
            LogPhoneHold(CallId, "resume");
            await Safe(() => _grain.UnholdAsync());
        }
    }

    /// <summary>An answer made of <paramref name="media"/> whose directions mirror the offer's (RFC 3264 6.1).</summary>
    private static string AnswerFor(LegSdp leg, string media, string offer)
    {
        if (!SdpSession.TryParse(media, out var answer, out _) || answer is null || !SdpSession.TryParse(offer, out var offered, out _) ||
            offered is null)
        {
            return leg.Prepare(media, SdpShape.AsIs);
        }

        answer.Direction = null;
        for (var i = 0; i < answer.Media.Count; i++)
        {
            var offeredDirection = i < offered.Media.Count ? offered.EffectiveDirection(offered.Media[i]) : SdpDirection.SendRecv;
            answer.Media[i].Direction = SdpSession.AnswerDirection(offeredDirection);
        }

        return leg.Prepare(answer.ToString(), SdpShape.AsIs);
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

    // ---- in-dialog requests -------------------------------------------------------------------

    /// <summary>INFO (DTMF), REFER (transfer from the phone) and keep-alives inside one of this call's dialogs.</summary>
    public Task OnInDialogRequestAsync(SipServerTransaction tx, SipDialog dialog)
    {
        switch (tx.Request.Method)
        {
            case SipMethods.Info:
                // Answer at once: a keypad press must not wait for the other leg's round trip.
                tx.Respond(tx.CreateResponse(200));
                return RunAsync(() =>
                {
                    RelayInfo(dialog, tx.Request);
                    return Task.CompletedTask;
                });
            case SipMethods.Refer:
                return RunAsync(() => OnReferAsync(tx, dialog));
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
        if (PeerOf(from) is not { } peer || string.IsNullOrEmpty(contentType) || info.Body.Length == 0)
        {
            LogInfoNotRelayed(CallId, contentType ?? "no body");
            return;
        }

        LogInfoRelayed(CallId, contentType, from == _callerDialog ? "caller" : "agent");
        _ = SendInfoAsync(peer.Dialog, [(contentType, info.BodyText)]);
    }

    /// <summary>DTMF from the API or desktop: one INFO (application/dtmf-relay) per digit to the caller's leg, in order.</summary>
    private Task SendDtmfAsync(string digits)
    {
        if (_ended || _callerGone || _callerDialog is not { } callerDialog)
        {
            return Task.CompletedTask;
        }

        LogSendingDtmf(CallId, digits);
        var infos = digits.Select(d => (DtmfRelay, $"Signal={d}\r\nDuration={_edge.Options.DtmfDurationMs.ToString(CultureInfo.InvariantCulture)}\r\n"));
        _ = SendInfoAsync(callerDialog, [.. infos]);
        return Task.CompletedTask;
    }

    private async Task SendInfoAsync(SipDialog dialog, IReadOnlyList<(string ContentType, string Body)> infos)
    {
        foreach (var (contentType, body) in infos)
        {
            try
            {
                var response = await _edge.UserAgent.SendInDialogAsync(dialog, dialog.CreateInfo(contentType, body));
                if (!response.IsSuccess)
                {
                    LogInfoFailed(CallId, $"{response.StatusCode.ToString(CultureInfo.InvariantCulture)} {response.ReasonPhrase}");
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

    // ---- dead legs ----------------------------------------------------------------------------

    /// <summary>
    /// OPTIONS inside each established dialog: a leg that answers 408 or 481 (or cannot be reached at all) is gone,
    /// and the SIP layer ends its dialog, which ends the call like a BYE would (with a call record), never stuck.
    /// </summary>
    public async Task ProbeLegsAsync()
    {
        var dialogs = new List<SipDialog>();
        await RunAsync(() =>
        {
            if (!_ended)
            {
                var established = _legs.Values.Where(l => l.Dialog is { State: SipDialogState.Confirmed } && !l.ByeSent).Select(l => l.Dialog!).ToList();
                if (_callerDialog is { State: SipDialogState.Confirmed } caller && !_callerByeSent)
                {
                    established.Add(caller);
                }

                // A leg is probed from the tick after the one that first saw it up, so it has lived a whole period: a
                // call answered a moment before a tick is not questioned at once.
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
            response = await _edge.UserAgent.SendInDialogAsync(dialog, dialog.CreateRequest(SipMethods.Options));
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: {What} both legs (re-INVITE)")]
    private partial void LogHold(string callId, string what);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: the agent's phone asked for {What}; relayed and reported to the call")]
    private partial void LogPhoneHold(string callId, string what);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: re-INVITE failed: {Reason}")]
    private partial void LogReofferFailed(string callId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: INFO ({ContentType}) from the {From} relayed")]
    private partial void LogInfoRelayed(string callId, string contentType, string from);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: INFO ({ContentType}) not relayed: nobody on the other side")]
    private partial void LogInfoNotRelayed(string callId, string contentType);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: sending DTMF {Digits} to the caller (INFO)")]
    private partial void LogSendingDtmf(string callId, string digits);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: INFO failed: {Reason}")]
    private partial void LogInfoFailed(string callId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Call {CallId}: OPTIONS probe failed: {Reason}")]
    private partial void LogProbeFailed(string callId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: a leg cannot be reached any more (OPTIONS probe)")]
    private partial void LogLegUnreachable(string callId);
}

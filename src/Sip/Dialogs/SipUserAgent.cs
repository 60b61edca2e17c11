using System.Collections.Concurrent;
using Acd.Sip.Auth;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Transactions;
using Acd.Sip.Transports;
using Acd.Sip.Uris;

namespace Acd.Sip.Dialogs;

/// <summary>
/// User-agent core over a <see cref="SipStack"/>: places and answers calls, keeps dialogs, answers
/// in-dialog requests (BYE, re-INVITE with 491 glare, INFO, REFER, NOTIFY, UPDATE) and re-ACKs 2xx
/// retransmissions. A B2BUA uses one SipUserAgent for both legs.
/// </summary>
public sealed class SipUserAgent
{
    private readonly SipStack _stack;
    private readonly ConcurrentDictionary<string, SipDialog> _dialogs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SipRequest> _acks = new(StringComparer.Ordinal);

    public SipUserAgent(SipStack stack)
    {
        _stack = stack;
        stack.Transactions.RequestReceived = OnRequest;
        stack.Transactions.AckReceived = OnAck;
        stack.Transactions.StrayResponse = OnStrayResponse;
    }

    public SipStack Stack => _stack;

    /// <summary>User part for our Contact URIs.</summary>
    public string? ContactUser { get; init; }

    /// <summary>New INVITE outside a dialog. Without a handler calls are rejected 480.</summary>
    public Func<SipIncomingCall, Task>? IncomingCall { get; set; }

    /// <summary>
    /// Any other request: out of dialog (REGISTER, OPTIONS, MESSAGE...) with a null dialog, or in
    /// dialog (INFO, REFER, NOTIFY, UPDATE) with its dialog. Without a handler: OPTIONS/INFO/NOTIFY/UPDATE get 200, others 501.
    /// </summary>
    public Func<SipServerTransaction, SipDialog?, Task>? RequestReceived { get; set; }

    /// <summary>re-INVITE inside a dialog after glare checks; without a handler it is answered 200 without a body change.</summary>
    public Func<SipServerTransaction, SipDialog, Task>? ReInviteReceived { get; set; }

    public Action<SipDialog, SipRequest?>? DialogTerminated { get; set; }

    /// <summary>
    /// Session interval (RFC 4028) to request as UAC and grant as UAS; null disables session timers.
    /// The refresher re-INVITEs with the last local SDP at half the interval; the other side sends BYE
    /// when no refresh arrived in time.
    /// </summary>
    public int? SessionTimerSeconds { get; init; }

    internal void StartSessionTimer(SipDialog dialog, SipSessionTimer timer)
    {
        dialog.SessionTimer = timer;
        timer.Start(() => _ = RefreshSessionAsync(dialog), () => _ = ByeAsync(dialog));
    }

    private async Task RefreshSessionAsync(SipDialog dialog)
    {
        if (dialog.State == SipDialogState.Terminated || dialog.SessionTimer is not { } timer) return;
        var r = dialog.CreateRequest(SipMethods.Invite);
        r.Headers.Add(SipHeaderNames.SessionExpires, new SipSessionExpires(timer.IntervalSeconds, dialog.IsUac ? SipRefresher.Uac : SipRefresher.Uas).ToString());
        r.Headers.Add(SipHeaderNames.Supported, "timer");
        r.SetBody("application/sdp", dialog.LocalSdp);
        var final = await SendInDialogAsync(dialog, r).ConfigureAwait(false);
        if (final.IsSuccess) timer.Start(() => _ = RefreshSessionAsync(dialog), () => _ = ByeAsync(dialog));
        else if (final.StatusCode != 491) await ByeAsync(dialog).ConfigureAwait(false);
    }

    public ICollection<SipDialog> Dialogs => _dialogs.Values;

    public SipDialog? FindDialog(SipReplaces replaces) => _dialogs.Values.FirstOrDefault(replaces.Designates);

    internal SipUri ContactFor(SipTransportKind kind) => _stack.CreateContactUri(kind, ContactUser);

    internal void Register(SipDialog d) => _dialogs[d.Id] = d;

    internal void Forget(SipDialog d)
    {
        d.State = SipDialogState.Terminated;
        _dialogs.TryRemove(d.Id, out _);
    }

    private SipTarget TargetFor(SipDialog d, SipRequest r) => d.Flow is { } f && (f.FlowId == 0 || _stack.IsFlowAlive(f.FlowId)) ? f : _stack.ResolveTarget(r);

    /// <summary>Places a call. 401/407 are answered once with <paramref name="credentials"/>; 2xx is ACKed and a dialog returned.</summary>
    public async Task<SipCallResult> InviteAsync(SipUri requestUri, SipNameAddress from, SipNameAddress to, string? sdp, SipTarget? target = null,
        DigestClient? credentials = null, Action<SipRequest>? configure = null, CancellationToken cancellationToken = default)
    {
        var t = target ?? _stack.ResolveTarget(new SipRequest(SipMethods.Invite, requestUri));
        var invite = new SipRequest(SipMethods.Invite, requestUri);
        invite.Headers.Add(SipHeaderNames.From, from.WithTag(SipIds.NewTag()).ToString());
        invite.Headers.Add(SipHeaderNames.To, to.ToString());
        invite.Headers.Add(SipHeaderNames.CallId, SipIds.NewCallId());
        invite.Headers.Add(SipHeaderNames.CSeq, "1 INVITE");
        invite.Headers.Add(SipHeaderNames.Contact, $"<{ContactFor(t.Transport)}>");
        invite.Headers.Add(SipHeaderNames.Supported, "replaces, timer");
        if (SessionTimerSeconds is { } se) invite.Headers.Add(SipHeaderNames.SessionExpires, se.ToString(System.Globalization.CultureInfo.InvariantCulture));
        invite.SetBody("application/sdp", sdp);
        configure?.Invoke(invite);
        for (var attempt = 0; ; attempt++)
        {
            var tx = _stack.SendRequest(invite, t);
            ReAckRetransmissions(tx, t);
            await using var reg = cancellationToken.Register(() => tx.Cancel());
            var final = await tx.FinalResponse.ConfigureAwait(false);
            if (final.StatusCode is 401 or 407 && credentials is not null && attempt < 2)
            {
                invite = NextAttempt(invite);
                if (credentials.TryAuthorize(final, invite)) continue;
            }
            if (final.StatusCode == 422 && attempt < 2 && final.Headers[SipHeaderNames.MinSE] is { } minSe)
            {
                // RFC 4028 6: retry with the peer's minimum interval.
                invite = NextAttempt(invite);
                invite.Headers.Set(SipHeaderNames.SessionExpires, minSe.Split(';')[0].Trim());
                invite.Headers.Set(SipHeaderNames.MinSE, minSe.Split(';')[0].Trim());
                continue;
            }
            if (!final.IsSuccess) return new SipCallResult(final, null);
            var dialog = SipDialog.CreateUac(invite, final, t.Transport.IsReliable() ? t : null);
            Register(dialog);
            dialog.LocalSdp = sdp;
            if (SessionTimerSeconds is not null)
            {
                var timer = new SipSessionTimer(_stack.Transactions.Time);
                if (timer.ApplyAsUac(final)) StartSessionTimer(dialog, timer);
            }
            var ackReq = dialog.CreateAck(invite.CSeq!.Number);
            SendAndRememberAck(dialog, AckKey(final), ackReq);
            return new SipCallResult(final, dialog);
        }
    }

    /// <summary>
    /// Sends the ACK (which gives it its Via) before 2xx retransmissions can find it: remembered first, a retransmission
    /// arriving meanwhile re-sent it without a Via, and the peer saw two different ACKs.
    /// </summary>
    private void SendAndRememberAck(SipDialog dialog, string key, SipRequest ack)
    {
        _stack.SendAck(ack, TargetFor(dialog, ack));
        _acks[key] = ack;
        lock (dialog.AckKeys) dialog.AckKeys.Add(key);
    }

    /// <summary>A 2xx retransmission means our ACK got lost: send the same ACK again (13.2.2.4).</summary>
    private void ReAckRetransmissions(SipClientTransaction tx, SipTarget target) =>
        tx.ResponseReceived = (_, r) =>
        {
            if (r.IsSuccess && _acks.TryGetValue(AckKey(r), out var ack)) _stack.Send(ack, target);
        };

    private static string AckKey(SipMessage m) => $"{m.CallId}|{m.CSeq?.Number}|{m.To?.Tag}";

    private static SipRequest NextAttempt(SipRequest previous)
    {
        var next = previous.Clone();
        next.Headers.RemoveFirst(SipHeaderNames.Via);
        next.CSeq = new SipCSeq(previous.CSeq!.Number + 1, previous.Method);
        return next;
    }

    /// <summary>Sends an in-dialog request and waits for its final response (ACKing a re-INVITE's 2xx).</summary>
    public async Task<SipResponse> SendInDialogAsync(SipDialog dialog, SipRequest request)
    {
        var target = TargetFor(dialog, request);
        var isInvite = request.Method == SipMethods.Invite;
        if (isInvite) dialog.OutgoingOfferPending = true;
        try
        {
            var tx = _stack.SendRequest(request, target);
            if (isInvite) ReAckRetransmissions(tx, target);
            var final = await tx.FinalResponse.ConfigureAwait(false);
            if (isInvite && final.IsSuccess)
            {
                dialog.RefreshTarget(final);
                var ack = dialog.CreateAck(request.CSeq!.Number);
                SendAndRememberAck(dialog, AckKey(final), ack);
            }
            if (request.Method == SipMethods.Bye || final.StatusCode is 481 or 408) Terminate(dialog, null);
            return final;
        }
        finally
        {
            if (isInvite) dialog.OutgoingOfferPending = false;
        }
    }

    public Task<SipResponse> ByeAsync(SipDialog dialog) => SendInDialogAsync(dialog, dialog.CreateRequest(SipMethods.Bye));

    /// <summary>re-INVITE (hold/resume/target refresh). A 491 is returned to the caller, who may retry after <see cref="SipDialog.GlareRetryDelay"/>.</summary>
    public Task<SipResponse> ReInviteAsync(SipDialog dialog, string? sdp)
    {
        var r = dialog.CreateRequest(SipMethods.Invite);
        r.SetBody("application/sdp", sdp);
        return SendInDialogAsync(dialog, r);
    }

    private void Terminate(SipDialog d, SipRequest? cause)
    {
        d.State = SipDialogState.Terminated;
        d.SessionTimer?.Dispose();
        lock (d.AckKeys)
        {
            foreach (var key in d.AckKeys) _acks.TryRemove(key, out _);
            d.AckKeys.Clear();
        }
        if (_dialogs.TryRemove(d.Id, out _)) DialogTerminated?.Invoke(d, cause);
    }

    private void OnRequest(SipServerTransaction tx)
    {
        _ = HandleAsync(tx);
    }

    private async Task HandleAsync(SipServerTransaction tx)
    {
        var req = tx.Request;
        try
        {
            if (req.To?.Tag is { } toTag)
            {
                if (!_dialogs.TryGetValue($"{req.CallId};{toTag};{req.From?.Tag}", out var dialog))
                {
                    tx.Respond(tx.CreateResponse(481));
                    return;
                }
                if (!dialog.AcceptRemoteCSeq(req))
                {
                    tx.Respond(tx.CreateResponse(500, "Server Internal Error - CSeq out of order"));
                    return;
                }
                switch (req.Method)
                {
                    case SipMethods.Bye:
                        // Forget the dialog before answering so nobody sees it alive after the 200.
                        Terminate(dialog, req);
                        tx.Respond(tx.CreateResponse(200));
                        return;
                    case SipMethods.Invite:
                        if (dialog.CheckIncomingReInvite(req) is { } reject)
                        {
                            tx.Respond(reject);
                            return;
                        }
                        dialog.IncomingOfferPending = true;
                        RestartSessionTimer(dialog);
                        try
                        {
                            dialog.RefreshTarget(req);
                            if (ReInviteReceived is { } h) await h(tx, dialog).ConfigureAwait(false);
                            else
                            {
                                var ok = tx.CreateResponse(200);
                                ok.Headers.Add(SipHeaderNames.Contact, $"<{dialog.LocalContact}>");
                                // An offer needs an answer and an offerless re-INVITE needs an offer (RFC 3264):
                                // re-send the current session unchanged.
                                ok.SetBody("application/sdp", dialog.LocalSdp);
                                if (dialog.SessionTimer is not null && req.Headers[SipHeaderNames.SessionExpires] is { } se)
                                {
                                    ok.Headers.Add(SipHeaderNames.SessionExpires, se);
                                    ok.Headers.Add(SipHeaderNames.Require, "timer");
                                }
                                tx.Respond(ok);
                            }
                        }
                        finally
                        {
                            dialog.IncomingOfferPending = false;
                        }
                        return;
                    default:
                        if (req.Method == SipMethods.Update) RestartSessionTimer(dialog);
                        if (RequestReceived is { } handler) await handler(tx, dialog).ConfigureAwait(false);
                        else tx.Respond(tx.CreateResponse(req.Method is SipMethods.Info or SipMethods.Notify or SipMethods.Update or SipMethods.Options ? 200 : 501));
                        return;
                }
            }
            if (req.Method == SipMethods.Invite)
            {
                if (IncomingCall is { } h) await h(new SipIncomingCall(this, tx)).ConfigureAwait(false);
                else tx.Respond(tx.CreateResponse(480));
                return;
            }
            if (RequestReceived is { } other) await other(tx, null).ConfigureAwait(false);
            else tx.Respond(tx.CreateResponse(req.Method == SipMethods.Options ? 200 : req.Method == SipMethods.Bye ? 481 : 501));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            tx.Respond(tx.CreateResponse(500));
        }
    }

    private void RestartSessionTimer(SipDialog dialog)
    {
        if (dialog.SessionTimer is { } t) t.Start(() => _ = RefreshSessionAsync(dialog), () => _ = ByeAsync(dialog));
    }

    private void OnAck(SipRequest ack, SipInboundContext context)
    {
        if (ack.To?.Tag is { } tag && _dialogs.TryGetValue($"{ack.CallId};{tag};{ack.From?.Tag}", out var d)) d.State = SipDialogState.Confirmed;
    }

    private void OnStrayResponse(SipResponse response, SipInboundContext context)
    {
        if (response.IsSuccess && response.CSeq?.Method == SipMethods.Invite && _acks.TryGetValue(AckKey(response), out var ack))
            _stack.Send(ack, context.SourceTarget);
    }
}

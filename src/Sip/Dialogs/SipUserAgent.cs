using System.Collections.Concurrent;
using Acd.Sip.Auth;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Transactions;
using Acd.Sip.Transports;
using Acd.Sip.Uris;
using Microsoft.Extensions.Logging;

namespace Acd.Sip.Dialogs;

/// <summary>
/// User-agent core over a <see cref="SipStack"/>: places and answers calls, keeps dialogs, answers
/// in-dialog requests (BYE, re-INVITE with 491 glare, INFO, REFER, NOTIFY, UPDATE) and re-ACKs 2xx
/// retransmissions. A B2BUA uses one SipUserAgent for both legs.
/// </summary>
public sealed class SipUserAgent
{
    private readonly SipStack _stack;
    private readonly ConcurrentDictionary<SipDialogId, SipDialog> _dialogs = new();
    private readonly ConcurrentDictionary<SipAckKey, SipRequest> _acks = new();
    private readonly ISipUserAgentHandler _handler;
    private readonly TransactionUser _core;

    /// <param name="handler">The application's side of every call; null answers with the defaults of <see cref="ISipUserAgentHandler"/>.</param>
    public SipUserAgent(SipStack stack, ISipUserAgentHandler? handler = null)
    {
        _stack = stack;
        _handler = handler ?? DefaultHandler.Instance;
        _core = new TransactionUser(this);
        stack.Transactions.Attach(_core);
    }

    public SipStack Stack => _stack;

    internal ILogger Logger => _stack.Logger;

    /// <summary>User part for our Contact URIs.</summary>
    public string? ContactUser { get; init; }

    /// <summary>
    /// Session interval (RFC 4028) to request as UAC and grant as UAS; null disables session timers.
    /// The refresher re-INVITEs with the last local SDP at half the interval; the other side sends BYE
    /// when no refresh arrived in time.
    /// </summary>
    public int? SessionTimerSeconds { get; init; }

    internal void StartSessionTimer(SipDialog dialog, SipSessionTimer timer)
    {
        dialog.SessionTimer = timer;
        RunSessionTimer(dialog, timer);
    }

    private void RunSessionTimer(SipDialog dialog, SipSessionTimer timer) =>
        timer.Start(() => Forget(RefreshSessionAsync(dialog), "session refresh", dialog), () => Forget(ByeAsync(dialog), "session expiry BYE", dialog));

    /// <summary>Work nobody awaits (timer-driven refreshes and BYEs): a failure is logged with the dialog's Call-ID instead of going unobserved.</summary>
    internal void Forget(Task work, string what, SipDialog dialog) => _ = ObserveAsync(work, what, dialog);

    private async Task ObserveAsync(Task work, string what, SipDialog dialog)
    {
        try
        {
            await work.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SipLog.BackgroundFailed(Logger, ex, what, dialog.CallId);
        }
    }

    private async Task RefreshSessionAsync(SipDialog dialog)
    {
        if (dialog.State == SipDialogState.Terminated || dialog.SessionTimer is not { } timer) return;
        var r = dialog.CreateRequest(SipMethods.Invite);
        r.Headers.Add(SipHeaderNames.SessionExpires, new SipSessionExpires(timer.IntervalSeconds, dialog.IsUac ? SipRefresher.Uac : SipRefresher.Uas).ToString());
        r.Headers.Add(SipHeaderNames.Supported, "timer");
        r.SetBody("application/sdp", dialog.LocalSdp);
        var final = await SendInDialogAsync(dialog, r).ConfigureAwait(false);
        if (final.IsSuccess) RunSessionTimer(dialog, timer);
        else if (final.StatusCode != 491) await ByeAsync(dialog).ConfigureAwait(false);
    }

    public ICollection<SipDialog> Dialogs => _dialogs.Values;

    public SipDialog? FindDialog(SipReplaces replaces) => FindDialog(SipDialogId.From(replaces));

    public SipDialog? FindDialog(SipDialogId id) => _dialogs.GetValueOrDefault(id);

    internal SipUri ContactFor(SipTransportKind kind, SipUri requestUri) => _stack.CreateContactUri(kind, ContactUser, requestUri.IsSecure);

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
        invite.Headers.Add(SipHeaderNames.Contact, $"<{ContactFor(t.Transport, requestUri)}>");
        invite.Headers.Add(SipHeaderNames.Supported, "replaces, timer");
        if (SessionTimerSeconds is { } se) invite.Headers.Add(SipHeaderNames.SessionExpires, se.ToString(System.Globalization.CultureInfo.InvariantCulture));
        invite.SetBody("application/sdp", sdp);
        configure?.Invoke(invite);
        for (var attempt = 0; ; attempt++)
        {
            var tx = _stack.SendRequest(invite, t, _core);
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
            SendAndRememberAck(dialog, SipAckKey.Of(final), ackReq);
            return new SipCallResult(final, dialog);
        }
    }

    /// <summary>
    /// Sends the ACK (which gives it its Via) before 2xx retransmissions can find it: remembered first, a retransmission
    /// arriving meanwhile re-sent it without a Via, and the peer saw two different ACKs.
    /// </summary>
    private void SendAndRememberAck(SipDialog dialog, SipAckKey key, SipRequest ack)
    {
        _stack.SendAck(ack, TargetFor(dialog, ack));
        _acks[key] = ack;
        lock (dialog.AckKeys) dialog.AckKeys.Add(key);
    }

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
            var tx = _stack.SendRequest(request, target, isInvite ? _core : null);
            var final = await tx.FinalResponse.ConfigureAwait(false);
            if (isInvite && final.IsSuccess)
            {
                dialog.RefreshTarget(final);
                var ack = dialog.CreateAck(request.CSeq!.Number);
                SendAndRememberAck(dialog, SipAckKey.Of(final), ack);
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
        if (!_dialogs.TryRemove(d.Id, out _)) return;
        try
        {
            _handler.OnDialogTerminated(d, cause);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SipLog.DialogHandlerFailed(Logger, ex, nameof(ISipUserAgentHandler.OnDialogTerminated), d.CallId);
        }
    }

    /// <summary>The default re-INVITE answer: 200 with the current session, since an offer needs an answer and an offerless re-INVITE an offer (RFC 3264).</summary>
    internal static void AnswerUnchanged(SipServerTransaction tx, SipDialog dialog)
    {
        var ok = tx.CreateResponse(200);
        ok.Headers.Add(SipHeaderNames.Contact, $"<{dialog.LocalContact}>");
        ok.SetBody("application/sdp", dialog.LocalSdp);
        if (dialog.SessionTimer is not null && tx.Request.Headers[SipHeaderNames.SessionExpires] is { } se)
        {
            ok.Headers.Add(SipHeaderNames.SessionExpires, se);
            ok.Headers.Add(SipHeaderNames.Require, "timer");
        }
        tx.Respond(ok);
    }

    private async Task HandleAsync(SipServerTransaction tx)
    {
        var req = tx.Request;
        // Which handler ran when something threw, for the log line.
        var stage = nameof(SipUserAgent);
        try
        {
            if (SipDialogId.TryFromReceived(req, out var dialogId))
            {
                if (!_dialogs.TryGetValue(dialogId, out var dialog))
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
                            stage = nameof(ISipUserAgentHandler.OnReInviteAsync);
                            await _handler.OnReInviteAsync(tx, dialog).ConfigureAwait(false);
                        }
                        finally
                        {
                            dialog.IncomingOfferPending = false;
                        }
                        return;
                    default:
                        if (req.Method == SipMethods.Update) RestartSessionTimer(dialog);
                        stage = nameof(ISipUserAgentHandler.OnInDialogRequestAsync);
                        await _handler.OnInDialogRequestAsync(tx, dialog).ConfigureAwait(false);
                        return;
                }
            }
            if (req.Method == SipMethods.Invite)
            {
                stage = nameof(ISipUserAgentHandler.OnIncomingCallAsync);
                await _handler.OnIncomingCallAsync(new SipIncomingCall(this, tx)).ConfigureAwait(false);
                return;
            }
            stage = nameof(ISipUserAgentHandler.OnRequestAsync);
            await _handler.OnRequestAsync(tx).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SipLog.HandlerFailed(Logger, ex, stage, req);
            // Ignored when the handler had answered finally; otherwise the peer is not left waiting.
            tx.Respond(tx.CreateResponse(500));
        }
    }

    private void RestartSessionTimer(SipDialog dialog)
    {
        if (dialog.SessionTimer is { } t) RunSessionTimer(dialog, t);
    }

    /// <summary>The UA's side of the transaction layer, kept off its public surface.</summary>
    private sealed class TransactionUser(SipUserAgent ua) : ISipTransactionUser, ISipClientTransactionObserver
    {
        public void OnRequest(SipServerTransaction transaction) => _ = ua.HandleAsync(transaction);

        public void OnAck(SipRequest ack, SipInboundContext source)
        {
            if (SipDialogId.TryFromReceived(ack, out var id) && ua._dialogs.TryGetValue(id, out var d)) d.State = SipDialogState.Confirmed;
        }

        public void OnStrayResponse(SipResponse response, SipInboundContext source)
        {
            if (response.IsSuccess && response.CSeq?.Method == SipMethods.Invite && ua._acks.TryGetValue(SipAckKey.Of(response), out var ack))
                ua._stack.Send(ack, source.SourceTarget);
        }

        /// <summary>A 2xx retransmission means our ACK got lost: send the same ACK again (13.2.2.4).</summary>
        public void OnResponse(SipClientTransaction transaction, SipResponse response)
        {
            // The first 2xx is the final response itself, ACKed by whoever awaited it; its event may be raised after that
            // ACK was remembered, and must not send it a second time.
            if (transaction.FinalResponse is { IsCompletedSuccessfully: true } final && ReferenceEquals(final.Result, response)) return;
            if (response.IsSuccess && ua._acks.TryGetValue(SipAckKey.Of(response), out var ack)) ua._stack.Send(ack, transaction.Target);
        }
    }

    private sealed class DefaultHandler : ISipUserAgentHandler
    {
        public static readonly DefaultHandler Instance = new();
    }
}

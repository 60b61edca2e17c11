using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Transactions;
using Acd.Sip.Transports;

namespace Acd.Sip.Dialogs;

/// <summary>An INVITE received outside any dialog, waiting for the application to ring, answer or reject it.</summary>
public sealed class SipIncomingCall
{
    private readonly SipUserAgent _ua;
    private readonly TaskCompletionSource<bool> _confirmed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal SipIncomingCall(SipUserAgent ua, SipServerTransaction transaction)
    {
        _ua = ua;
        Transaction = transaction;
        SipReplaces.TryParse(transaction.Request.Headers[SipHeaderNames.Replaces], out var replaces);
        Replaces = replaces;
        transaction.AddObserver(new Confirmation(this));
    }

    /// <summary>Turns the transaction's ACK, ACK timeout and CANCEL into <see cref="Confirmed"/>.</summary>
    private sealed class Confirmation(SipIncomingCall call) : ISipServerTransactionObserver
    {
        public void OnAckReceived(SipServerTransaction transaction, SipRequest ack) => call._confirmed.TrySetResult(true);

        public void OnAckTimedOut(SipServerTransaction transaction)
        {
            call._confirmed.TrySetResult(false);
            // RFC 3261 13.3.1.4: no ACK for our 2xx within 64*T1 ends the session with a BYE.
            if (call.Dialog is { State: not SipDialogState.Terminated } d) call._ua.Forget(call._ua.ByeAsync(d), "BYE after a missing ACK", d);
        }

        public void OnCancelled(SipServerTransaction transaction) => call._confirmed.TrySetResult(false);
    }

    public SipServerTransaction Transaction { get; }

    public SipRequest Invite => Transaction.Request;

    /// <summary>Present for an attended transfer's INVITE (RFC 3891); see <see cref="SipUserAgent.FindDialog(SipReplaces)"/>.</summary>
    public SipReplaces? Replaces { get; }

    public SipDialog? Dialog { get; private set; }

    public bool IsCancelled => Transaction.IsCancelled;

    /// <summary>Completes with true when the ACK for our 2xx arrives, false on CANCEL or ACK timeout.</summary>
    public Task<bool> Confirmed => _confirmed.Task;

    public void Ring(int statusCode = 180, string? sdp = null)
    {
        var r = Transaction.CreateResponse(statusCode);
        r.Headers.Add(SipHeaderNames.Contact, $"<{_ua.ContactFor(Transaction.Source.Transport, Invite.RequestUri)}>");
        if (sdp is not null) r.SetBody("application/sdp", sdp);
        Transaction.Respond(r);
    }

    /// <summary>Answers 200 with an SDP answer and creates the UAS dialog; extra headers (e.g. Session-Expires) may be added via <paramref name="configure"/>.</summary>
    public SipDialog? Answer(string? sdp, Action<SipResponse>? configure = null, Action<SipDialog>? established = null)
    {
        if (Transaction.IsCancelled) return null;
        var r = Transaction.CreateResponse(200);
        SipSessionTimer? timer = null;
        if (_ua.SessionTimerSeconds is { } interval)
        {
            timer = new SipSessionTimer(_ua.Stack.Transactions.Time);
            if (timer.NegotiateAsUas(Invite, r, preferred: interval) is { } tooSmall)
            {
                Transaction.Respond(tooSmall);
                return null;
            }
        }
        var contact = _ua.ContactFor(Transaction.Source.Transport, Invite.RequestUri);
        r.Headers.Add(SipHeaderNames.Contact, $"<{contact}>");
        foreach (var rr in Invite.Headers.GetAll(SipHeaderNames.RecordRoute)) r.Headers.Add(SipHeaderNames.RecordRoute, rr);
        if (sdp is not null) r.SetBody("application/sdp", sdp);
        configure?.Invoke(r);
        var flow = Transaction.Source.Transport.IsReliable() ? Transaction.Source.SourceTarget : (SipTarget?)null;
        var dialog = SipDialog.CreateUas(Invite, r, contact, flow);
        dialog.State = SipDialogState.Confirmed;
        _ua.Register(dialog);
        established?.Invoke(dialog);
        Transaction.Respond(r);
        if (!ReferenceEquals(Transaction.LastResponse, r))
        {
            // A CANCEL won the race: the INVITE already ended with 487, so no dialog exists.
            _ua.Forget(dialog);
            return null;
        }
        Dialog = dialog;
        dialog.LocalSdp = sdp;
        if (timer is not null) _ua.StartSessionTimer(dialog, timer);
        return dialog;
    }

    public void Reject(int statusCode, string? reason = null) => Transaction.Respond(Transaction.CreateResponse(statusCode, reason));

    /// <summary>Rejects with Retry-After (RFC 3261 20.33): a 503 that tells the trunk when this server takes calls again.</summary>
    public void Reject(int statusCode, TimeSpan retryAfter)
    {
        var response = Transaction.CreateResponse(statusCode);
        response.Headers.Add(SipHeaderNames.RetryAfter, ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Transaction.Respond(response);
    }
}

/// <summary>Result of <see cref="SipUserAgent.InviteAsync"/>.</summary>
public sealed record SipCallResult(SipResponse FinalResponse, SipDialog? Dialog)
{
    public bool Success => FinalResponse.IsSuccess && Dialog is not null;
}


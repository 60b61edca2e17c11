using Acd.Sip.Messages;
using Acd.Sip.Transactions;

namespace Acd.Sip.Dialogs;

/// <summary>
/// The application behind a <see cref="SipUserAgent"/>, one method per event. Every member has a default, so a handler
/// implements only what it serves (a phone that just answers calls implements <see cref="OnIncomingCallAsync"/>).
/// A member that throws is logged with the request's Call-ID and, if it had not answered yet, the request gets 500.
/// </summary>
public interface ISipUserAgentHandler
{
    /// <summary>A new INVITE outside any dialog: ring, answer or reject it. Default: 480.</summary>
    Task OnIncomingCallAsync(SipIncomingCall call)
    {
        call.Reject(480);
        return Task.CompletedTask;
    }

    /// <summary>Any other request outside a dialog (REGISTER, OPTIONS, MESSAGE...). Default: OPTIONS 200, BYE 481, others 501.</summary>
    Task OnRequestAsync(SipServerTransaction transaction)
    {
        var method = transaction.Request.Method;
        transaction.Respond(transaction.CreateResponse(method == SipMethods.Options ? 200 : method == SipMethods.Bye ? 481 : 501));
        return Task.CompletedTask;
    }

    /// <summary>
    /// A request inside <paramref name="dialog"/> other than BYE, ACK and re-INVITE (INFO, REFER, NOTIFY, UPDATE...), after
    /// its CSeq was checked. Default: INFO, NOTIFY, UPDATE and OPTIONS 200, others 501.
    /// </summary>
    Task OnInDialogRequestAsync(SipServerTransaction transaction, SipDialog dialog)
    {
        var ok = transaction.Request.Method is SipMethods.Info or SipMethods.Notify or SipMethods.Update or SipMethods.Options;
        transaction.Respond(transaction.CreateResponse(ok ? 200 : 501));
        return Task.CompletedTask;
    }

    /// <summary>A re-INVITE after the glare checks (the remote target is refreshed already). Default: 200 with the session unchanged.</summary>
    Task OnReInviteAsync(SipServerTransaction transaction, SipDialog dialog)
    {
        SipUserAgent.AnswerUnchanged(transaction, dialog);
        return Task.CompletedTask;
    }

    /// <summary>A dialog ended: BYE received (<paramref name="bye"/>) or sent, or the leg died (ACK timeout, 408/481). Default: nothing.</summary>
    void OnDialogTerminated(SipDialog dialog, SipRequest? bye)
    {
    }
}

using Acd.Sip.Dialogs;
using Acd.Sip.Transactions;

namespace Acd.SipEdge.Calls;

/// <summary>What owns a dialog the edge keeps: an ACD call's leg, or one side of an edge-to-edge hop.</summary>
internal interface IDialogOwner
{
    Task OnReInviteAsync(SipServerTransaction tx, SipDialog dialog);

    Task OnInDialogRequestAsync(SipServerTransaction tx, SipDialog dialog);

    void OnDialogTerminated(SipDialog dialog, bool byRemoteBye);
}

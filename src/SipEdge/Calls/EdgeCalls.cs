using System.Collections.Concurrent;
using Acd.Sip.Dialogs;

namespace Acd.SipEdge.Calls;

/// <summary>The calls this edge carries, by ACD call id and by the dialogs of their legs (for in-dialog requests and Replaces).</summary>
internal sealed class EdgeCalls
{
    private readonly ConcurrentDictionary<string, EdgeCall> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<SipDialogId, IDialogOwner> _dialogs = new();

    public int Count => _calls.Count;

    public ICollection<EdgeCall> All => _calls.Values;

    public void Add(EdgeCall call) => _calls[call.CallId] = call;

    public bool Contains(string callId) => _calls.ContainsKey(callId);

    public EdgeCall? Get(string callId) => _calls.GetValueOrDefault(callId);

    public void Track(SipDialog dialog, IDialogOwner owner) => _dialogs[dialog.Id] = owner;

    /// <summary>Who holds a dialog, if this edge carries it.</summary>
    public IDialogOwner? Owner(SipDialogId dialog) => _dialogs.GetValueOrDefault(dialog);

    /// <summary>The ACD call holding a dialog (a Replaces target), if this edge carries it.</summary>
    public EdgeCall? Find(SipDialogId dialog) => _dialogs.GetValueOrDefault(dialog) as EdgeCall;

    /// <summary>The owner of an ended dialog, which the dialog no longer leads to.</summary>
    public IDialogOwner? Release(SipDialogId dialog) => _dialogs.TryRemove(dialog, out var owner) ? owner : null;

    /// <summary>The call ended: it and the dialogs it tracked lead nowhere any more.</summary>
    public void Forget(EdgeCall call, IEnumerable<SipDialogId> dialogs)
    {
        _calls.TryRemove(new KeyValuePair<string, EdgeCall>(call.CallId, call));
        Forget((IDialogOwner)call, dialogs);
    }

    /// <summary>The dialogs an owner tracked lead nowhere any more.</summary>
    public void Forget(IDialogOwner owner, IEnumerable<SipDialogId> dialogs)
    {
        foreach (var dialog in dialogs)
        {
            _dialogs.TryRemove(new KeyValuePair<SipDialogId, IDialogOwner>(dialog, owner));
        }
    }
}

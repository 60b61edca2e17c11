using Acd.Sip.Messages;

namespace Acd.Sip.Dialogs;

/// <summary>
/// A dialog's identity (RFC 3261 12): Call-ID, this side's tag and the peer's tag. A missing peer tag (an RFC 2543
/// peer, or an early dialog) is the empty string. This is the one place that reads an id off a message or a Replaces
/// header, so every table keyed by dialog agrees on which tag is whose.
/// </summary>
public readonly record struct SipDialogId(string CallId, string LocalTag, string RemoteTag)
{
    /// <summary>
    /// The dialog a message received by this side belongs to: for a request this side's tag is the To tag, for a
    /// response the From tag. False when that tag or the Call-ID is missing (a request outside any dialog).
    /// </summary>
    public static bool TryFromReceived(SipMessage message, out SipDialogId id)
    {
        var (local, remote) = message.IsRequest ? (message.To, message.From) : (message.From, message.To);
        if (message.CallId is { } callId && local?.Tag is { } localTag)
        {
            id = new(callId, localTag, remote?.Tag ?? string.Empty);
            return true;
        }
        id = default;
        return false;
    }

    /// <summary>The dialog a message sent by this side belongs to (the mirror of <see cref="TryFromReceived"/>).</summary>
    public static bool TryFromSent(SipMessage message, out SipDialogId id)
    {
        var (local, remote) = message.IsRequest ? (message.From, message.To) : (message.To, message.From);
        if (message.CallId is { } callId && local?.Tag is { } localTag)
        {
            id = new(callId, localTag, remote?.Tag ?? string.Empty);
            return true;
        }
        id = default;
        return false;
    }

    /// <summary>The dialog a received Replaces header names (RFC 3891 3): its to-tag is this side's tag.</summary>
    public static SipDialogId From(SipReplaces replaces) => new(replaces.CallId, replaces.ToTag, replaces.FromTag);

    public override string ToString() => $"{CallId};{LocalTag};{RemoteTag}";
}

/// <summary>The 2xx an ACK answers (13.2.2.4): Call-ID, CSeq number and the To tag of the 2xx, so a retransmission finds its ACK.</summary>
internal readonly record struct SipAckKey(string? CallId, uint CSeq, string? ToTag)
{
    public static SipAckKey Of(SipResponse response) => new(response.CallId, response.CSeq?.Number ?? 0, response.To?.Tag);
}

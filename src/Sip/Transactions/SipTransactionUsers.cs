using Acd.Sip.Messages;
using Acd.Sip.Transports;

namespace Acd.Sip.Transactions;

/// <summary>
/// The transaction user (RFC 3261 17) of a <see cref="SipTransactionLayer"/>: everything that is not absorbed as a
/// retransmission surfaces here. <see cref="Dialogs.SipUserAgent"/> is one; tests implement it directly. An exception
/// thrown from a member is logged with the message's Call-ID; a request whose handler threw is answered 500.
/// </summary>
public interface ISipTransactionUser
{
    /// <summary>A new request created a server transaction (neither ACK nor CANCEL): respond through it.</summary>
    void OnRequest(SipServerTransaction transaction);

    /// <summary>An ACK no server transaction absorbed: the ACK for a 2xx, for the dialog layer.</summary>
    void OnAck(SipRequest ack, SipInboundContext source)
    {
    }

    /// <summary>A response that matched no client transaction (e.g. a 2xx retransmitted after Timer M).</summary>
    void OnStrayResponse(SipResponse response, SipInboundContext source)
    {
    }
}

/// <summary>Hears the responses of one client transaction; given to <see cref="SipTransactionLayer.SendRequest"/>.</summary>
public interface ISipClientTransactionObserver
{
    /// <summary>
    /// Every response in arrival order: provisional and final, 2xx retransmissions, and the 408/503 the transaction
    /// makes up on a timeout or a transport error. Never called with the transaction's lock held.
    /// </summary>
    void OnResponse(SipClientTransaction transaction, SipResponse response);
}

/// <summary>
/// Hears what happens to an answered or cancelled server transaction (<see cref="SipServerTransaction.AddObserver"/>).
/// Several may listen; each hears each event once, in the order they were added, never with the transaction's lock held.
/// </summary>
public interface ISipServerTransactionObserver
{
    /// <summary>A CANCEL matched while the INVITE was unanswered; the INVITE has already been answered 487.</summary>
    void OnCancelled(SipServerTransaction transaction)
    {
    }

    /// <summary>The ACK for the 2xx arrived.</summary>
    void OnAckReceived(SipServerTransaction transaction, SipRequest ack)
    {
    }

    /// <summary>The ACK for a final response never came (Timer H, or Timer L for a 2xx): the session should end.</summary>
    void OnAckTimedOut(SipServerTransaction transaction)
    {
    }
}

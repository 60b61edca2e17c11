using System.Net;
using Acd.Sip.Messages;
using Acd.Sip.Parsing;
using Acd.Sip.Transports;

namespace Acd.Testing;

/// <summary>A message on the <see cref="InMemorySipNetwork"/>: who sent it to whom, when, and what became of it.</summary>
public sealed class InMemorySipPacket
{
    private SipMessage? _message;

    internal InMemorySipPacket(SipTransportKind transport, IPEndPoint from, IPEndPoint to, byte[] bytes, DateTimeOffset sentAt, long sequence, SipConnection? connection)
    {
        Transport = transport;
        From = from;
        To = to;
        Bytes = bytes;
        SentAt = sentAt;
        Sequence = sequence;
        Connection = connection;
    }

    public SipTransportKind Transport { get; }

    public IPEndPoint From { get; }

    public IPEndPoint To { get; }

    public byte[] Bytes { get; }

    public DateTimeOffset SentAt { get; }

    public long Sequence { get; }

    /// <summary>The sending end of the connection for stream packets; null for datagrams.</summary>
    internal SipConnection? Connection { get; }

    public DateTimeOffset DeliverAt { get; internal set; }

    /// <summary>Lost by the <see cref="InMemorySipNetwork.Drop"/> hook.</summary>
    public bool Dropped { get; internal set; }

    /// <summary>Handed to the receiving stack (false while in flight, when dropped, or sent where nobody listens).</summary>
    public bool Delivered { get; internal set; }

    /// <summary>The parsed message, for assertions and for drop/delay hooks.</summary>
    public SipMessage Message => _message ??= SipParser.Parse(Bytes, Connection is null ? SipParseMode.Datagram : SipParseMode.Stream).Message
        ?? throw new InvalidOperationException("the stack sent bytes that do not parse");

    public bool IsRequest(string method) => Message is SipRequest r && r.Method == method;

    public bool IsResponse(int statusCode) => Message is SipResponse r && r.StatusCode == statusCode;

    public override string ToString() => $"{Transport} {From} -> {To}: {(Message is SipRequest r ? r.Method : $"{((SipResponse)Message).StatusCode} {Message.CSeq?.Method}")}";
}

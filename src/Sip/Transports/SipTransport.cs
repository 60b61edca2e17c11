using System.Net;

namespace Acd.Sip.Transports;

public enum SipTransportKind
{
    Udp,
    Tcp,
    Tls,
    Ws,
    Wss,
}

public static class SipTransportKinds
{
    public static bool IsReliable(this SipTransportKind k) => k != SipTransportKind.Udp;

    public static string ViaToken(this SipTransportKind k) => k switch
    {
        SipTransportKind.Udp => "UDP",
        SipTransportKind.Tcp => "TCP",
        SipTransportKind.Tls => "TLS",
        SipTransportKind.Ws => "WS",
        _ => "WSS",
    };

    public static SipTransportKind? FromToken(string? token) => token?.ToUpperInvariant() switch
    {
        "UDP" => SipTransportKind.Udp,
        "TCP" => SipTransportKind.Tcp,
        "TLS" => SipTransportKind.Tls,
        "WS" => SipTransportKind.Ws,
        "WSS" => SipTransportKind.Wss,
        _ => null,
    };
}

/// <summary>
/// Where to send a message. <see cref="FlowId"/> names an existing TCP/TLS/WebSocket connection
/// (0 = none): a registrar stores it with the binding so requests reach a browser or a phone behind
/// NAT over the very connection it registered on (RFC 5626 style flow reuse). <see cref="Host"/> is the name the
/// address was resolved from, which a TLS server's certificate must carry (RFC 5922); null when it was an IP address.
/// </summary>
public readonly record struct SipTarget(SipTransportKind Transport, IPEndPoint EndPoint, long FlowId = 0, string? Host = null)
{
    public override string ToString() => $"{Transport.ViaToken()}:{EndPoint}{(FlowId != 0 ? $"#{FlowId}" : "")}";
}

/// <summary>Where an inbound message came from.</summary>
public sealed record SipInboundContext(SipTransportKind Transport, IPEndPoint Local, IPEndPoint Remote, long FlowId)
{
    /// <summary>The target that reaches the sender again (same connection for stream transports).</summary>
    public SipTarget SourceTarget => new(Transport, Remote, FlowId);
}

/// <summary>A listening transport owned by a <see cref="SipStack"/>.</summary>
public interface ISipTransport : IAsyncDisposable
{
    SipTransportKind Kind { get; }

    IPEndPoint LocalEndPoint { get; }

    Task StartAsync(CancellationToken cancellationToken = default);

    /// <summary>Sends one serialized message; stream transports reuse or open a connection.</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> data, SipTarget target, CancellationToken cancellationToken = default);
}

/// <summary>
/// Where a transport delivers what it receives and registers its stream connections as flows. <see cref="SipStack"/>
/// implements it; a custom transport (such as the in-memory test network) gets it by converting the stack:
/// <c>ISipInboundSink sink = stack;</c>.
/// </summary>
public interface ISipInboundSink
{
    void OnReceived(ReadOnlySpan<byte> data, bool isStream, SipInboundContext context);

    long NewFlowId();

    void RegisterConnection(SipConnection connection);

    void UnregisterConnection(SipConnection connection);
}

/// <summary>A stream connection (TCP, TLS or WebSocket) addressable by its flow id.</summary>
public abstract class SipConnection
{
    protected SipConnection(long flowId, SipTransportKind kind, IPEndPoint local, IPEndPoint remote)
    {
        FlowId = flowId;
        Kind = kind;
        Local = local;
        Remote = remote;
    }

    public long FlowId { get; }

    public SipTransportKind Kind { get; }

    public IPEndPoint Local { get; }

    public IPEndPoint Remote { get; }

    public abstract ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    public abstract void Close();
}

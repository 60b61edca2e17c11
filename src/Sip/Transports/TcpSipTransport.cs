using System.Net;
using System.Net.Sockets;
using Acd.Sip.Parsing;

namespace Acd.Sip.Transports;

/// <summary>SIP over plain TCP: the socket's stream as it is (see <see cref="StreamSipTransport"/>).</summary>
public sealed class TcpSipTransport : StreamSipTransport
{
    internal TcpSipTransport(IPEndPoint bind, ISipInboundSink sink, SipParserOptions parserOptions)
        : base(bind, sink, parserOptions)
    {
    }

    public override SipTransportKind Kind => SipTransportKind.Tcp;

    private protected override ValueTask<Stream> OpenAsync(NetworkStream stream, SipTarget? target, CancellationToken cancellationToken) =>
        ValueTask.FromResult<Stream>(stream);
}

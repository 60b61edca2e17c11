using System.Net;
using System.Net.Sockets;

namespace Acd.Sip.Transports;

/// <summary>UDP transport: one datagram is one message (RFC 3261 18.3).</summary>
public sealed class UdpSipTransport : ISipTransport
{
    private readonly Socket _socket;
    private readonly ISipInboundSink _sink;
    private readonly CancellationTokenSource _cts = new();
    private Task? _loop;

    internal UdpSipTransport(IPEndPoint bind, ISipInboundSink sink, int receiveBufferBytes)
    {
        _sink = sink;
        _socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.ReceiveBufferSize = receiveBufferBytes;
        _socket.Bind(bind);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public SipTransportKind Kind => SipTransportKind.Udp;

    public IPEndPoint LocalEndPoint { get; }

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        _loop ??= Task.Run(ReceiveLoop, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task ReceiveLoop()
    {
        var buffer = new byte[65535];
        EndPoint any = new IPEndPoint(LocalEndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_cts.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // ICMP port unreachable surfaces as ConnectionReset on some platforms: keep serving.
                continue;
            }
            try
            {
                _sink.OnReceived(buffer.AsSpan(0, r.ReceivedBytes), false, new SipInboundContext(Kind, LocalEndPoint, (IPEndPoint)r.RemoteEndPoint, 0));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // SipStack.Receive logs and never throws; this only guards a custom sink so the listener survives it.
            }
        }
    }

    public async ValueTask SendAsync(ReadOnlyMemory<byte> data, SipTarget target, CancellationToken cancellationToken = default)
    {
        try
        {
            await _socket.SendToAsync(data, SocketFlags.None, target.EndPoint, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            // UDP is best effort; transactions retransmit or time out.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        if (_loop is not null) await _loop.ConfigureAwait(false);
        _cts.Dispose();
    }
}

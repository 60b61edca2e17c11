using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Acd.Media.Transport;

/// <summary>Receives the datagrams of one socket, on the receive loop's thread; the span is only valid during the call.</summary>
internal interface IDatagramHandler
{
    void OnDatagram(UdpChannel channel, Span<byte> datagram, SocketAddress source);
}

/// <summary>
/// One UDP socket with one receive loop: a non-allocating ReceiveFromAsync into a buffer owned by the loop,
/// the handler runs inline (parse, unprotect, relay), then the next receive. Sends are synchronous SendTo calls,
/// which for UDP complete at once. Closing the socket ends the loop.
/// </summary>
internal sealed class UdpChannel : IDisposable
{
    public const int BufferSize = 2048;
    private readonly Socket _socket;
    private readonly IDatagramHandler _handler;
    private readonly ILogger _logger;
    private volatile bool _closed;

    public UdpChannel(Socket socket, IDatagramHandler handler, ILogger logger)
    {
        _socket = socket;
        _handler = handler;
        _logger = logger;
        LocalPort = ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public int LocalPort { get; }
    public long SendErrors { get; private set; }
    public AddressFamily AddressFamily => _socket.AddressFamily;

    public void Start() => _ = Task.Run(ReceiveLoopAsync);

    public void Send(ReadOnlySpan<byte> datagram, SocketAddress destination)
    {
        if (_closed) return;
        try
        {
            _socket.SendTo(datagram, SocketFlags.None, destination);
        }
        catch (SocketException)
        {
            SendErrors++; // e.g. no route: the peer hears a gap, the call goes on
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(BufferSize, pinned: true);
        var source = new SocketAddress(_socket.AddressFamily);
        while (!_closed)
        {
            int received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer.AsMemory(), SocketFlags.None, source).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex) when (!_closed && ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                continue;
            }
            catch (SocketException)
            {
                break;
            }
            try
            {
                _handler.OnDatagram(this, buffer.AsSpan(0, received), source);
            }
            catch (Exception ex)
            {
                // A bug in packet handling must not stop the socket: the call would go silent.
                _logger.LogError(ex, "media packet handling failed on port {Port}", LocalPort);
            }
        }
    }

    public void Dispose()
    {
        _closed = true;
        _socket.Dispose();
    }
}

using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Acd.Sip.Parsing;

namespace Acd.Sip.Transports;

/// <summary>
/// TCP transport, or TLS when a certificate is configured. Messages are framed by Content-Length;
/// connections are kept and reused in both directions (RFC 3261 18.2.2, 18.1.1).
/// </summary>
public sealed class TcpSipTransport : ISipTransport
{
    private readonly Socket _listener;
    private readonly ISipInboundSink _sink;
    private readonly X509Certificate2? _certificate;
    private readonly SipParserOptions _parserOptions;
    private readonly CancellationTokenSource _cts = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<IPEndPoint, StreamConnection> _byRemote = new();
    private Task? _acceptLoop;

    internal TcpSipTransport(IPEndPoint bind, ISipInboundSink sink, X509Certificate2? certificate, SipParserOptions parserOptions)
    {
        _sink = sink;
        _certificate = certificate;
        _parserOptions = parserOptions;
        _listener = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(bind);
        _listener.Listen(512);
        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    public SipTransportKind Kind => _certificate is null ? SipTransportKind.Tcp : SipTransportKind.Tls;

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Validation callback for outbound TLS connections (default: system validation).</summary>
    public RemoteCertificateValidationCallback? ServerCertificateValidation { get; set; }

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        _acceptLoop ??= Task.Run(AcceptLoop, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task AcceptLoop()
    {
        while (!_cts.IsCancellationRequested)
        {
            Socket s;
            try
            {
                s = await _listener.AcceptAsync(_cts.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_cts.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            _ = Task.Run(() => RunAsync(s, outbound: false, null));
        }
    }

    private async Task<StreamConnection?> RunAsync(Socket socket, bool outbound, TaskCompletionSource<StreamConnection?>? ready)
    {
        socket.NoDelay = true;
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        var remote = (IPEndPoint)socket.RemoteEndPoint!;
        try
        {
            if (_certificate is not null)
            {
                var ssl = new SslStream(stream, false, ServerCertificateValidation);
                if (outbound) await ssl.AuthenticateAsClientAsync(remote.Address.ToString()).ConfigureAwait(false);
                else await ssl.AuthenticateAsServerAsync(_certificate).ConfigureAwait(false);
                stream = ssl;
            }
        }
        catch (Exception)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            ready?.TrySetResult(null);
            return null;
        }
        var conn = new StreamConnection(_sink.NewFlowId(), Kind, (IPEndPoint)socket.LocalEndPoint!, remote, stream);
        _byRemote[remote] = conn;
        _sink.RegisterConnection(conn);
        ready?.TrySetResult(conn);
        var reader = PipeReader.Create(stream);
        var ctx = new SipInboundContext(Kind, conn.Local, remote, conn.FlowId);
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(_cts.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (true)
                {
                    var status = SipStreamFramer.TryFrame(buffer, out var length, _parserOptions);
                    if (status == SipFrameStatus.NeedMoreData) break;
                    if (status == SipFrameStatus.Invalid) return conn;
                    var frame = buffer.Slice(0, length);
                    if (status == SipFrameStatus.Message)
                    {
                        Deliver(frame, ctx);
                    }
                    else if (length >= 4)
                    {
                        // RFC 5626 3.5.1: answer a double-CRLF ping with a single CRLF pong.
                        _ = conn.SendAsync("\r\n"u8.ToArray(), CancellationToken.None).AsTask();
                    }
                    buffer = buffer.Slice(length);
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted) return conn;
            }
        }
        catch (Exception)
        {
            return conn;
        }
        finally
        {
            _byRemote.TryRemove(new KeyValuePair<IPEndPoint, StreamConnection>(remote, conn));
            _sink.UnregisterConnection(conn);
            conn.Close();
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private void Deliver(in ReadOnlySequence<byte> frame, SipInboundContext ctx)
    {
        try
        {
            if (frame.IsSingleSegment)
            {
                _sink.OnReceived(frame.FirstSpan, true, ctx);
            }
            else
            {
                var copy = frame.ToArray();
                _sink.OnReceived(copy, true, ctx);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // SipStack.Receive logs and never throws; this only guards a custom sink so the connection survives it.
        }
    }

    public async ValueTask SendAsync(ReadOnlyMemory<byte> data, SipTarget target, CancellationToken cancellationToken = default)
    {
        if (!_byRemote.TryGetValue(target.EndPoint, out var conn))
        {
            var socket = new Socket(target.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(target.EndPoint, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                socket.Dispose();
                throw;
            }
            var ready = new TaskCompletionSource<StreamConnection?>(TaskCreationOptions.RunContinuationsAsynchronously);
            _ = Task.Run(() => RunAsync(socket, outbound: true, ready), CancellationToken.None);
            conn = await ready.Task.ConfigureAwait(false) ?? throw new IOException("connection failed");
        }
        await conn.SendAsync(data, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        foreach (var c in _byRemote.Values) c.Close();
        if (_acceptLoop is not null) await _acceptLoop.ConfigureAwait(false);
    }

    private sealed class StreamConnection(long flowId, SipTransportKind kind, IPEndPoint local, IPEndPoint remote, Stream stream)
        : SipConnection(flowId, kind, local, remote)
    {
        private readonly SemaphoreSlim _write = new(1, 1);

        public override async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            await _write.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _write.Release();
            }
        }

        public override void Close() => stream.Dispose();
    }
}

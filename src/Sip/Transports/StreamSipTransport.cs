using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Acd.Sip.Parsing;

namespace Acd.Sip.Transports;

/// <summary>
/// What TCP and TLS have in common (RFC 3261 18.2.2, 18.3): a listener, connections kept and reused in both directions,
/// each a flow of the stack, and Content-Length framing over a pipe. A subclass only says what the socket's stream
/// becomes (TLS wraps it in an authenticated <see cref="System.Net.Security.SslStream"/>).
/// </summary>
public abstract class StreamSipTransport : ISipTransport
{
    private static readonly byte[] Pong = "\r\n"u8.ToArray();

    private readonly Socket? _listener;
    private readonly ISipInboundSink _sink;
    private readonly SipParserOptions _parserOptions;
    private readonly CancellationTokenSource _cts = new();
    private readonly ConcurrentDictionary<IPEndPoint, StreamConnection> _byRemote = new();
    private Task? _acceptLoop;

    /// <param name="listen">False for a client-only transport (it connects out, never accepts).</param>
    private protected StreamSipTransport(IPEndPoint bind, ISipInboundSink sink, SipParserOptions parserOptions, bool listen = true)
    {
        _sink = sink;
        _parserOptions = parserOptions;
        if (!listen)
        {
            LocalEndPoint = bind;
            return;
        }

        _listener = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(bind);
        _listener.Listen(512);
        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    public abstract SipTransportKind Kind { get; }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Connections open right now (accepted and connected).</summary>
    public int ConnectionCount => _byRemote.Count;

    /// <summary>
    /// The stream messages travel on over a freshly accepted or connected socket; it throws (and the connection is
    /// dropped) when the peer cannot be accepted, such as a failed TLS handshake. <paramref name="target"/> is the
    /// destination of an outbound connection, null for an accepted one.
    /// </summary>
    private protected abstract ValueTask<Stream> OpenAsync(NetworkStream stream, SipTarget? target, CancellationToken cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_listener is not null)
        {
            _acceptLoop ??= Task.Run(AcceptLoop, CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    private async Task AcceptLoop()
    {
        while (!_cts.IsCancellationRequested)
        {
            Socket s;
            try
            {
                s = await _listener!.AcceptAsync(_cts.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_cts.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            _ = Task.Run(() => RunAsync(s, null, null), CancellationToken.None);
        }
    }

    private async Task RunAsync(Socket socket, SipTarget? target, TaskCompletionSource<StreamConnection>? ready)
    {
        socket.NoDelay = true;
        var network = new NetworkStream(socket, ownsSocket: true);
        IPEndPoint remote, local;
        Stream stream;
        try
        {
            remote = (IPEndPoint)socket.RemoteEndPoint!;
            local = (IPEndPoint)socket.LocalEndPoint!;
            stream = await OpenAsync(network, target, _cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A peer that fails its handshake (or hangs up first) costs this connection only, never the listener.
            await network.DisposeAsync().ConfigureAwait(false);
            ready?.TrySetException(new IOException($"{Kind.ViaToken()} connection to {target?.EndPoint} failed: {ex.Message}", ex));
            return;
        }

        var conn = new StreamConnection(_sink.NewFlowId(), Kind, local, remote, stream);
        _byRemote[remote] = conn;
        _sink.RegisterConnection(conn);
        ready?.TrySetResult(conn);
        var reader = PipeReader.Create(stream);
        var ctx = new SipInboundContext(Kind, local, remote, conn.FlowId);
        try
        {
            await ReadMessagesAsync(reader, conn, ctx).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The peer reset or the transport is stopping: the flow ends below.
        }
        finally
        {
            _byRemote.TryRemove(new KeyValuePair<IPEndPoint, StreamConnection>(remote, conn));
            _sink.UnregisterConnection(conn);
            conn.Close();
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Frames messages out of the stream until it ends or cannot be framed (the connection is then closed).</summary>
    private async Task ReadMessagesAsync(PipeReader reader, StreamConnection conn, SipInboundContext ctx)
    {
        while (true)
        {
            var result = await reader.ReadAsync(_cts.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            while (true)
            {
                var status = SipStreamFramer.TryFrame(buffer, out var length, _parserOptions);
                if (status == SipFrameStatus.NeedMoreData)
                {
                    break;
                }

                if (status == SipFrameStatus.Invalid)
                {
                    return;
                }

                var frame = buffer.Slice(0, length);
                if (status == SipFrameStatus.Message)
                {
                    Deliver(frame, ctx);
                }
                else if (length >= 4)
                {
                    // RFC 5626 3.5.1: answer a double-CRLF ping with a single CRLF pong.
                    _ = conn.SendAsync(Pong, CancellationToken.None).AsTask();
                }

                buffer = buffer.Slice(length);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    private void Deliver(in ReadOnlySequence<byte> frame, SipInboundContext ctx)
    {
        try
        {
            // A message split across reads (or TLS records) spans segments: the parser wants one span.
            _sink.OnReceived(frame.IsSingleSegment ? frame.FirstSpan : frame.ToArray(), true, ctx);
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

            var ready = new TaskCompletionSource<StreamConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
            _ = Task.Run(() => RunAsync(socket, target, ready), CancellationToken.None);
            conn = await ready.Task.ConfigureAwait(false);
        }

        await conn.SendAsync(data, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        foreach (var c in _byRemote.Values)
        {
            c.Close();
        }

        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        await DisposeCoreAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>What a subclass releases after the connections are closed.</summary>
    private protected virtual ValueTask DisposeCoreAsync() => ValueTask.CompletedTask;

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

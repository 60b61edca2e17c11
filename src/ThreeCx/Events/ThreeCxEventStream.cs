using System.Buffers;
using System.Net;
using System.Net.WebSockets;
using System.Threading.Channels;
using Acd.ThreeCx.Auth;
using Acd.ThreeCx.Configuration;
using Acd.ThreeCx.Rest;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.ThreeCx.Events;

/// <summary>
/// One PBX's event socket (<c>/callcontrol/ws</c>) turned into participant notifications. 3CX's events carry no data
/// and can be missed, repeated or reordered, so an event is only a hint: the stream fetches the entity, and a snapshot
/// on every connect and every <see cref="ThreeCxPbxOptions.SnapshotSeconds"/> repairs whatever it did not see.
/// </summary>
public sealed partial class ThreeCxEventStream
{
    private const int MaxMessageBytes = 256 * 1024;

    private readonly ThreeCxPbxOptions _pbx;
    private readonly ThreeCxTokenCache _tokens;
    private readonly ThreeCxClient _client;
    private readonly IThreeCxObserver _observer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<ClientWebSocket> _socketFactory;
    private readonly Channel<WorkItem> _work = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private ThreeCxConnectionHealth _health;
    private int _connections;

    /// <param name="socketFactory">Makes each connection's socket (tests and proxies set options on it); a plain one by default.</param>
    public ThreeCxEventStream(ThreeCxPbxOptions pbx, ThreeCxTokenCache tokens, ThreeCxClient client, IThreeCxObserver observer,
        TimeProvider? time = null, ILogger<ThreeCxEventStream>? logger = null, Func<ClientWebSocket>? socketFactory = null)
    {
        _pbx = pbx;
        _tokens = tokens;
        _client = client;
        _observer = observer;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _socketFactory = socketFactory ?? (() => new ClientWebSocket());
        _health = new ThreeCxConnectionHealth(pbx.Name, false, "not connected yet", _time.GetUtcNow(), null);
    }

    public string PbxName => _pbx.Name;

    /// <summary>The participants per DN as last learnt.</summary>
    public ThreeCxParticipantModel Model { get; } = new();

    public ThreeCxConnectionHealth Health => Volatile.Read(ref _health);

    /// <summary>Sockets opened so far (for metrics and tests).</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Connects, listens and reconnects until <paramref name="cancellationToken"/> stops it.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var period = TimeSpan.FromSeconds(_pbx.SnapshotSeconds);
        using var snapshots = _time.CreateTimer(_ => RequestSnapshot(), null, period, period);
        var worker = ProcessAsync(cancellationToken);
        var backoff = TimeSpan.FromSeconds(1);
        var maxBackoff = TimeSpan.FromSeconds(_pbx.ReconnectMaxSeconds);
        string? rejectedToken = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                string reason;
                var connectedAt = _time.GetUtcNow();
                var wasUp = false;
                try
                {
                    var token = rejectedToken is null
                        ? await _tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false)
                        : await _tokens.RenewAsync(rejectedToken, cancellationToken).ConfigureAwait(false);
                    rejectedToken = null;
                    using var socket = _socketFactory();
                    socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
                    socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(_pbx.PingSeconds);
                    // A ping left unanswered this long means a dead path, which TCP alone notices only much later.
                    socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(_pbx.PingSeconds * 2);
                    socket.Options.CollectHttpResponseDetails = true;
                    try
                    {
                        await socket.ConnectAsync(SocketUri(), cancellationToken).ConfigureAwait(false);
                    }
                    catch (WebSocketException) when (socket.HttpStatusCode == HttpStatusCode.Unauthorized)
                    {
                        rejectedToken = token;
                        throw new ThreeCxAuthException("the socket upgrade was refused with 401");
                    }

                    Interlocked.Increment(ref _connections);
                    connectedAt = _time.GetUtcNow();
                    wasUp = true;
                    Enqueue(new HealthItem(true, null));
                    RequestSnapshot();
                    reason = await ReceiveAsync(socket, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex) when (ex is WebSocketException or HttpRequestException or ThreeCxAuthException or IOException or OperationCanceledException)
                {
                    reason = $"{ex.GetType().Name}: {ex.Message}";
                }

                // A connection that held for a while earns a quick reconnect; one refused or dropped at once backs off further.
                if (wasUp && _time.GetUtcNow() - connectedAt >= TimeSpan.FromSeconds(_pbx.PingSeconds))
                {
                    backoff = TimeSpan.FromSeconds(1);
                }

                _logger.LogWarning("3CX {Pbx}: event socket down ({Reason}); reconnecting in {Delay}", _pbx.Name, reason, backoff);
                Enqueue(new HealthItem(false, reason));
                try
                {
                    await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, maxBackoff.Ticks));
            }
        }
        finally
        {
            _work.Writer.TryComplete();
            await worker.ConfigureAwait(false);
            Model.Clear();
        }
    }

    private Uri SocketUri()
    {
        var builder = new UriBuilder(new Uri(_pbx.ApiBase, "callcontrol/ws"));
        builder.Scheme = builder.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        return builder.Uri;
    }

    /// <summary>Reads events until the socket closes; returns why it did.</summary>
    private async Task<string> ReceiveAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length >= MaxMessageBytes)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "message too big", cancellationToken).ConfigureAwait(false);
                        return "the PBX sent a message over 256 KiB";
                    }

                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return $"the PBX closed the socket ({socket.CloseStatus} {socket.CloseStatusDescription})";
                }

                length += result.Count;
                if (!result.EndOfMessage)
                {
                    continue;
                }

                if (result.MessageType == WebSocketMessageType.Text && ThreeCxEventMessage.TryParse(buffer.AsSpan(0, length), out var message))
                {
                    Enqueue(new EventItem(message));
                }
                else
                {
                    _logger.LogDebug("3CX {Pbx}: ignored a socket message that is no event ({Length} bytes)", _pbx.Name, length);
                }

                length = 0;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

using System.Collections.Concurrent;
using System.Net;
using Acd.Media.Codecs;
using Acd.Media.Dtls;
using Acd.Media.Playback;
using Acd.Media.Sessions;
using Acd.Media.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.Media;

/// <summary>
/// The in-process media engine of one SIP edge: a port pool, one 20 ms clock, the DTLS certificate, and the
/// sessions (calls) with their legs. Thread-safe; see README.md for the threading model.
/// </summary>
public sealed class MediaEngine : IAsyncDisposable, IClockListener
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, MediaSession> _sessions = new();
    private readonly Lock _registryLock = new();
    private readonly Lazy<DtlsCertificate> _certificate;
    private MediaEndpoint[] _endpoints = [];
    private MediaPlayer[] _players = [];
    private PcmSink[] _sinks = [];
    private long _nextSession;
    private bool _disposed;

    public MediaEngine(MediaOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        TimeProvider = timeProvider ?? TimeProvider.System;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger("Acd.Media");
        if (!IPAddress.TryParse(options.BindAddress, out var bind)) throw new ArgumentException($"Media:BindAddress '{options.BindAddress}' is not an IP address");
        var publicAddress = options.ResolvePublicAddress();
        if (!IPAddress.TryParse(publicAddress, out _)) throw new ArgumentException($"Media:PublicAddress '{publicAddress}' is not an IP address");
        BindIPAddress = bind;
        LoopbackOnly = IPAddress.IsLoopback(bind);
        PublicAddress = publicAddress;
        Codecs = options.Codecs.Count == 0
            ? [AudioCodec.Pcmu, AudioCodec.Pcma]
            : options.Codecs.Select(c => AudioCodecs.FromEncodingName(c) ?? throw new ArgumentException($"Media:Codecs: unknown codec '{c}' (PCMU, PCMA)")).Distinct().ToList();
        if (options.TelephoneEventPayloadType is < 96 or > 127) throw new ArgumentException("Media:TelephoneEventPayloadType must be 96-127");
        Ports = new UdpPortPool(bind, options.PortMin, options.PortMax);
        Epoch = TimeProvider.GetTimestamp();
        _certificate = new Lazy<DtlsCertificate>(() => DtlsCertificate.Create(TimeProvider.GetUtcNow()), LazyThreadSafetyMode.ExecutionAndPublication);
        Clock = new MediaClock(TimeProvider, this);
        MediaMetrics.EngineStarted(this);
    }

    public MediaOptions Options { get; }
    public TimeProvider TimeProvider { get; }
    public MediaClock Clock { get; }

    /// <summary>False in <see cref="MediaMode.Direct"/>: the edge passes SDP through and does not use the engine.</summary>
    public bool IsAnchoring => Options.Mode == MediaMode.Anchor;

    /// <summary>The engine's DTLS certificate (made on first use, then kept for the engine's lifetime).</summary>
    public DtlsCertificate Certificate => _certificate.Value;

    public int PortPairCapacity => Ports.Capacity;
    public int PortPairsInUse => Ports.InUse;
    public IReadOnlyCollection<MediaSession> Sessions => [.. _sessions.Values];

    internal IReadOnlyList<AudioCodec> Codecs { get; }
    internal UdpPortPool Ports { get; }
    internal IPAddress BindIPAddress { get; }
    internal bool LoopbackOnly { get; }
    internal string PublicAddress { get; }
    internal long Epoch { get; }
    internal Lock BridgeLock { get; } = new();

    /// <summary>A session for one call. The id defaults to a counter; the edge may pass its call id.</summary>
    public MediaSession CreateSession(string? id = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        id ??= $"m{Interlocked.Increment(ref _nextSession)}";
        var session = new MediaSession(this, id, _loggerFactory.CreateLogger("Acd.Media.Session"));
        if (!_sessions.TryAdd(id, session)) throw new ArgumentException($"a media session '{id}' exists already", nameof(id));
        return session;
    }

    public MediaSession? FindSession(string id) => _sessions.TryGetValue(id, out var s) ? s : null;

    /// <summary>A player over a source; it runs on the engine's clock while at least one leg listens to it.</summary>
    public MediaPlayer CreatePlayer(IAudioSource source, string? name = null) =>
        new(name ?? "player", source, ActivatePlayer, DeactivatePlayer);

    /// <summary>
    /// A consumer of 20 ms PCM frames outside RTP (see <see cref="PcmSink"/>): <paramref name="onFrame"/> runs on the
    /// clock's thread once per tick with the frame of the player the sink listens to; keep it short (copy and hand over).
    /// </summary>
    public PcmSink CreateSink(Action<ReadOnlySpan<short>> onFrame)
    {
        ArgumentNullException.ThrowIfNull(onFrame);
        var sink = new PcmSink(onFrame, RemoveSink);
        lock (_registryLock) _sinks = [.. _sinks, sink];
        return sink;
    }

    private void RemoveSink(PcmSink sink)
    {
        lock (_registryLock) _sinks = _sinks.Where(s => !ReferenceEquals(s, sink)).ToArray();
    }

    internal void Remove(MediaSession session) => _sessions.TryRemove(session.Id, out _);

    /// <summary>The legs that are negotiated and not yet closed (what the clock ticks and the metrics read).</summary>
    internal MediaEndpoint[] Endpoints => Volatile.Read(ref _endpoints);

    internal void Register(MediaEndpoint endpoint)
    {
        lock (_registryLock)
        {
            if (Array.IndexOf(_endpoints, endpoint) < 0) _endpoints = [.. _endpoints, endpoint];
        }
    }

    internal void Unregister(MediaEndpoint endpoint)
    {
        lock (_registryLock) _endpoints = _endpoints.Where(e => !ReferenceEquals(e, endpoint)).ToArray();
    }

    private void ActivatePlayer(MediaPlayer player)
    {
        lock (_registryLock)
        {
            if (Array.IndexOf(_players, player) < 0) _players = [.. _players, player];
        }
    }

    private void DeactivatePlayer(MediaPlayer player)
    {
        lock (_registryLock) _players = _players.Where(p => !ReferenceEquals(p, player)).ToArray();
    }

    /// <summary>Every player reads its frame first, then every leg sends what it hears: one pass per 20 ms.</summary>
    void IClockListener.OnTick(long tick, long timestamp)
    {
        foreach (var player in Volatile.Read(ref _players))
        {
            try
            {
                player.Tick();
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "player {Player} failed", player.Name);
                player.Stop();
            }
        }
        foreach (var endpoint in Volatile.Read(ref _endpoints))
        {
            try
            {
                endpoint.OnTick(tick, timestamp);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "clock work for media endpoint {Endpoint} failed", endpoint.Id);
            }
        }
        foreach (var sink in Volatile.Read(ref _sinks))
        {
            try
            {
                sink.OnTick();
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "a PCM sink failed");
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        if (_disposed) return ValueTask.CompletedTask;
        _disposed = true;
        MediaMetrics.EngineStopped(this);
        Clock.Dispose();
        foreach (var session in _sessions.Values) session.Dispose();
        return ValueTask.CompletedTask;
    }
}

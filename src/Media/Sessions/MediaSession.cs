using Acd.Media.Playback;
using Microsoft.Extensions.Logging;

namespace Acd.Media.Sessions;

/// <summary>
/// The media of one call: its legs, who hears whom, and the events the edge reacts to. Events are raised on the
/// engine's threads (a receive loop or the clock): handlers must be quick and must not block; a throwing handler
/// is logged and ignored.
/// </summary>
public sealed class MediaSession : IDisposable
{
    private readonly MediaEngine _engine;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly List<MediaEndpoint> _endpoints = [];
    private int _nextEndpoint;
    private bool _disposed;

    internal MediaSession(MediaEngine engine, string id, ILogger logger)
    {
        _engine = engine;
        Id = id;
        _logger = logger;
    }

    public string Id { get; }
    public MediaEngine Engine => _engine;

    /// <summary>Relay RFC 4733 digits to the legs that hear the sender (on by default; an IVR turns it off).</summary>
    public bool RelayDtmf { get; set; } = true;

    public IReadOnlyList<MediaEndpoint> Endpoints
    {
        get
        {
            lock (_lock) return [.. _endpoints];
        }
    }

    public event Action<DtmfReceived>? DtmfReceived;
    public event Action<MediaTimedOut>? MediaTimeout;
    public event Action<EndpointStateChanged>? StateChanged;

    /// <summary>A new leg with its ports bound; fails with <see cref="MediaError.NoPortAvailable"/> when the pool is dry.</summary>
    public MediaResult<MediaEndpoint> CreateEndpoint(string? label = null)
    {
        lock (_lock)
        {
            if (_disposed) return MediaResult<MediaEndpoint>.Fail(MediaError.Closed, "the session is disposed");
            var ports = _engine.Ports.TryAllocate();
            if (ports is null)
                return MediaResult<MediaEndpoint>.Fail(MediaError.NoPortAvailable, $"all {_engine.Ports.Capacity} media port pairs are in use");
            var endpoint = new MediaEndpoint(_engine, this, $"{Id}-{++_nextEndpoint}", label, ports, _logger);
            _endpoints.Add(endpoint);
            return MediaResult<MediaEndpoint>.Ok(endpoint);
        }
    }

    /// <summary>Both legs hear each other.</summary>
    public void Bridge(MediaEndpoint a, MediaEndpoint b)
    {
        a.ListenTo(b);
        b.ListenTo(a);
    }

    /// <summary>Hold: <paramref name="held"/> hears the player, <paramref name="other"/> hears silence.</summary>
    public void Hold(MediaEndpoint held, MediaEndpoint other, MediaPlayer music)
    {
        held.ListenTo(music);
        other.ListenToSilence();
    }

    /// <summary>
    /// Takes a leg of another session into this one, with its ports, keys and stream: when two calls are joined (an attended
    /// transfer set up on a phone) the leg that moves keeps its media, and its events now come to this session.
    /// </summary>
    public bool Adopt(MediaEndpoint endpoint)
    {
        var from = endpoint.Session;
        if (from == this)
        {
            return true;
        }

        lock (from._lock)
        {
            if (!from._endpoints.Remove(endpoint))
            {
                return false;
            }
        }

        lock (_lock)
        {
            if (_disposed)
            {
                endpoint.Close();
                return false;
            }

            _endpoints.Add(endpoint);
            endpoint.Session = this;
        }

        return true;
    }

    /// <summary>Closes a leg and releases its ports.</summary>
    public void Remove(MediaEndpoint endpoint)
    {
        endpoint.Close();
        lock (_lock) _endpoints.Remove(endpoint);
    }

    internal void Raise(DtmfReceived e) => Invoke(DtmfReceived, e);

    internal void Raise(MediaTimedOut e) => Invoke(MediaTimeout, e);

    internal void Raise(EndpointStateChanged e) => Invoke(StateChanged, e);

    private void Invoke<T>(Action<T>? handler, T e)
    {
        if (handler is null) return;
        try
        {
            handler(e);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "a media event handler failed for {Event}", e);
        }
    }

    /// <summary>Closes every leg; the session can no longer make legs.</summary>
    public void Dispose()
    {
        MediaEndpoint[] endpoints;
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            endpoints = [.. _endpoints];
            _endpoints.Clear();
        }
        foreach (var e in endpoints) e.Close();
        _engine.Remove(this);
    }
}

using Acd.Media;
using Acd.Media.Playback;
using Acd.Media.Sessions;
using Acd.Queues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.SipEdge.Announcements;

/// <summary>
/// What callers hear from the queue side, on the edge's media engine: hold music with periodic position
/// announcements while they wait in line (<see cref="ForWaiting"/>), the queue's music alone while held or parked
/// (<see cref="Music(QueueConfig?)"/>), ringback while an agent rings (<see cref="Ringback"/>). One per edge process;
/// thread-safe (the edge calls it from its per-call mailboxes, the engine's clock and the announcement timers run on
/// their own threads).
/// </summary>
public sealed class QueueAudio
{
    private readonly MediaEngine _engine;
    private readonly IQueuePositions _positions;
    private readonly QueueAudioOptions _options;
    private readonly ILogger _logger;

    /// <param name="time">The announcement timers' clock; the engine's own by default (tests step one fake clock for both).</param>
    public QueueAudio(MediaEngine engine, SoundLibrary sounds, IQueuePositions positions, QueueAudioOptions? options = null,
        ILoggerFactory? loggerFactory = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(sounds);
        ArgumentNullException.ThrowIfNull(positions);
        _engine = engine;
        Sounds = sounds;
        _positions = positions;
        _options = options ?? new QueueAudioOptions();
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Acd.SipEdge.Announcements");
        Time = time ?? engine.TimeProvider;
    }

    public SoundLibrary Sounds { get; }

    public TimeProvider Time { get; }

    internal TimeSpan PositionTimeout => TimeSpan.FromMilliseconds(Math.Max(1, _options.PositionTimeoutMs));

    internal ILogger Logger => _logger;

    internal IQueuePositions Positions => _positions;

    /// <summary>
    /// A caller joined the line: from now on <paramref name="endpoint"/> hears the queue's music and, first
    /// <c>Media:FirstAnnouncementMs</c> after joining and then every <see cref="QueueConfig.AnnounceSeconds"/> (none when
    /// 0), "thank you for holding, you are caller number N, the estimated wait time is M minutes" in the queue's
    /// language, then the music again where it stopped. Pause the handle while the caller is away from the line (an
    /// agent's phone rings) and resume it when it is back; dispose it when the call is done with the line (answered,
    /// hung up); the endpoint then hears silence unless the edge pointed it elsewhere already. <paramref name="config"/>
    /// is read once, here (null: the defaults).
    /// </summary>
    public QueueAudioHandle ForWaiting(IPlayerListener endpoint, string queueId, string callId, QueueConfig? config)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentException.ThrowIfNullOrEmpty(queueId);
        ArgumentException.ThrowIfNullOrEmpty(callId);
        var source = new WaitingAudioSource(MusicSource(config?.HoldMusic));
        var player = _engine.CreatePlayer(source, $"queue {queueId} for {callId}");
        // A queue whose settings are not known (yet) gets the defaults: the default music, announcements every 30 s in English.
        var interval = config is null ? TimeSpan.FromSeconds(QueueConfig.DefaultAnnounceSeconds) : config.AnnounceInterval;
        var handle = new QueueAudioHandle(this, endpoint, player, source, queueId, callId,
            config?.EffectiveLanguage ?? QueueConfig.DefaultLanguage, interval, TimeSpan.FromMilliseconds(Math.Max(0, _options.FirstAnnouncementMs)));
        endpoint.ListenTo(player);
        return handle;
    }

    /// <summary>The queue's hold music in a loop, for a held or parked caller (no announcements).</summary>
    public MediaPlayer Music(QueueConfig? config) => Music(config?.HoldMusic);

    /// <summary>
    /// Hold music in a loop: <c>music/&lt;holdMusic&gt;</c>, else <c>music/default.wav</c>, else the generated
    /// <see cref="ToneSource.HoldMusic"/>. A new player each time (each listener starts at the beginning; one player may
    /// also serve several legs).
    /// </summary>
    public MediaPlayer Music(string? holdMusic) => _engine.CreatePlayer(MusicSource(holdMusic), $"music {holdMusic ?? SoundLibrary.DefaultMusic}");

    /// <summary>Ringback of <paramref name="country"/>, else of <c>Media:RingbackCountry</c>, for a caller while an agent rings.</summary>
    public MediaPlayer Ringback(string? country = null)
    {
        var which = string.IsNullOrWhiteSpace(country) ? _options.RingbackCountry : country;
        return _engine.CreatePlayer(ToneSource.Ringback(which), $"ringback {which}");
    }

    /// <summary>The music as a source (the clip looping, or the generated music when no file is usable).</summary>
    public IAudioSource MusicSource(string? holdMusic) =>
        Sounds.Music(holdMusic) is { } clip ? new ClipSource(clip, loop: true) : ToneSource.HoldMusic();
}

using Acd.Media.Playback;
using Acd.Media.Sessions;
using Acd.Queues;
using Microsoft.Extensions.Logging;

namespace Acd.SipEdge.Announcements;

/// <summary>
/// One waiting caller's queue audio (from <see cref="QueueAudio.ForWaiting"/>): the player the caller's endpoint
/// listens to and the announcement timer. <see cref="Pause"/> it while the caller is away from the line for a while (an
/// agent's phone rings) and <see cref="Resume"/> it when the caller is back: the music continues where it stopped.
/// Dispose it when the call is done with the line; disposing twice is harmless. Thread-safe.
/// </summary>
public sealed class QueueAudioHandle : IDisposable
{
    private readonly QueueAudio _audio;
    private readonly WaitingAudioSource _source;
    private readonly ITimer? _timer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private int _asking;
    private int _announcements;
    private bool _disposed;
    private bool _paused;

    internal QueueAudioHandle(QueueAudio audio, IPlayerListener endpoint, MediaPlayer player, WaitingAudioSource source,
        string queueId, string callId, string language, TimeSpan? interval, TimeSpan firstAnnouncement)
    {
        _audio = audio;
        _source = source;
        Endpoint = endpoint;
        Player = player;
        QueueId = queueId;
        CallId = callId;
        Language = language;
        Interval = interval;
        FirstAnnouncement = interval is { } every && firstAnnouncement < every ? firstAnnouncement : interval ?? Timeout.InfiniteTimeSpan;
        if (interval is { } period)
        {
            _timer = audio.Time.CreateTimer(_ => _ = AnnounceNowAsync(), null, FirstAnnouncement, period);
        }
    }

    /// <summary>Who hears the queue: the caller's media leg, or a PBX stream's sink.</summary>
    public IPlayerListener Endpoint { get; }

    /// <summary>The player the endpoint listens to: music with the announcements in it.</summary>
    public MediaPlayer Player { get; }

    public string QueueId { get; }

    public string CallId { get; }

    public string Language { get; }

    /// <summary>Null when the queue makes no announcements.</summary>
    public TimeSpan? Interval { get; }

    /// <summary>How long after joining (or <see cref="Resume"/>) the first announcement comes (<c>Media:FirstAnnouncementMs</c>, at most the interval).</summary>
    public TimeSpan FirstAnnouncement { get; }

    /// <summary>While paused the caller is away from the line: no announcements, the music waits where it stopped.</summary>
    public bool IsPaused => Volatile.Read(ref _paused);

    /// <summary>Announcements handed to the player so far.</summary>
    public int Announcements => Volatile.Read(ref _announcements);

    public bool IsAnnouncing => _source.IsAnnouncing;

    /// <summary>
    /// Asks the queue where the caller stands and plays the announcement now (the timer calls this; the edge may too,
    /// e.g. when the caller joins). Skipped while one is playing or being prepared, when the queue does not answer
    /// within <c>Media:PositionTimeoutMs</c>, and when the call is no longer waiting. Never throws.
    /// </summary>
    public async Task AnnounceNowAsync()
    {
        if (Volatile.Read(ref _disposed) || Volatile.Read(ref _paused) || _source.IsAnnouncing || Interlocked.Exchange(ref _asking, 1) == 1)
        {
            return;
        }

        try
        {
            WaitingPosition position;
            try
            {
                position = await _audio.Positions.GetAsync(QueueId, CallId, _stop.Token).WaitAsync(_audio.PositionTimeout, _audio.Time);
            }
            catch (Exception ex) when (!_stop.IsCancellationRequested)
            {
                _audio.Logger.LogWarning(ex, "No position for call {CallId} in queue {QueueId}; the announcement is skipped", CallId, QueueId);
                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (position.Position is null)
            {
                return; // no longer in line (offered to an agent, gone): the edge moves the caller on
            }

            var sounds = _audio.Sounds;
            var names = AnnouncementScript.For(position, name => sounds.HasPrompt(Language, name)
                || (Language != SoundLibrary.FallbackLanguage && sounds.HasPrompt(SoundLibrary.FallbackLanguage, name)));
            var clips = names.Select(name => sounds.Prompt(Language, name)).OfType<AudioClip>().ToList();
            lock (_lock)
            {
                if (_disposed || _paused || clips.Count == 0)
                {
                    return;
                }

                _source.Announce(clips);
                _announcements++;
            }
        }
        catch (Exception ex)
        {
            _audio.Logger.LogError(ex, "Announcement for call {CallId} in queue {QueueId} failed", CallId, QueueId);
        }
        finally
        {
            Volatile.Write(ref _asking, 0);
        }
    }

    /// <summary>
    /// The caller leaves the line for a while (its endpoint is about to hear something else: ringback, an agent): the
    /// announcements stop, one being played is dropped, and the music waits where it is (a player nobody listens to is
    /// not read). The endpoint is left alone.
    /// </summary>
    public void Pause()
    {
        lock (_lock)
        {
            if (_disposed || _paused)
            {
                return;
            }

            _paused = true;
            _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _source.Interrupt();
        }
    }

    /// <summary>
    /// The caller is back in line: the endpoint hears this player again (the music from where it stopped) and the
    /// announcements start over, the first after <see cref="FirstAnnouncement"/>. Also harmless while not paused (it
    /// points the endpoint back at the player).
    /// </summary>
    public void Resume()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            Endpoint.ListenTo(Player);
            if (_paused)
            {
                _paused = false;
                if (Interval is { } period)
                {
                    _timer?.Change(FirstAnnouncement, period);
                }
            }
        }
    }

    /// <summary>Stops the announcements and the music; the endpoint hears silence if it still listens to this player.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _timer?.Dispose();
        _stop.Cancel(); // not disposed: an announcement in flight may still look at it
        if (ReferenceEquals(Endpoint.InputPlayer, Player))
        {
            Endpoint.ListenToSilence();
        }

        Player.Stop();
    }
}

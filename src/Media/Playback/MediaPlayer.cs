namespace Acd.Media.Playback;

public enum PlayerState
{
    /// <summary>Created, or waiting for a listener: the source is not read while nobody hears it.</summary>
    Idle,
    Playing,

    /// <summary>The source ended (or <see cref="MediaPlayer.Stop"/> was called); listeners hear silence.</summary>
    Finished,
}

/// <summary>A player finished its source (all prompts played): the edge may move on, e.g. to the next prompt set.</summary>
public sealed record PlaybackFinished(MediaPlayer Player);

/// <summary>
/// Reads one 20 ms frame from its source per tick of the engine's clock, for every endpoint that listens to it
/// (a music-on-hold player can serve several held legs). Each endpoint encodes the frame into its own codec and
/// its own continuous RTP stream. Create with <c>MediaEngine.CreatePlayer</c>.
/// </summary>
public sealed class MediaPlayer
{
    public const int FrameSamples = AudioClip.SampleRate / 50;
    private readonly IAudioSource _source;
    private readonly short[] _frame = new short[FrameSamples];
    private readonly Action<MediaPlayer> _activate;
    private readonly Action<MediaPlayer> _deactivate;
    private int _listeners;
    private volatile PlayerState _state = PlayerState.Idle;

    internal MediaPlayer(string name, IAudioSource source, Action<MediaPlayer> activate, Action<MediaPlayer> deactivate)
    {
        Name = name;
        _source = source;
        _activate = activate;
        _deactivate = deactivate;
    }

    public string Name { get; }
    public PlayerState State => _state;
    public int Listeners => Volatile.Read(ref _listeners);

    /// <summary>Raised once, on the clock's thread, when the source ends. Keep handlers short.</summary>
    public event Action<PlaybackFinished>? Finished;

    /// <summary>The frame of the current tick; valid while <see cref="HasFrame"/>.</summary>
    internal ReadOnlySpan<short> Frame => _frame;

    internal bool HasFrame { get; private set; }
    internal bool FrameStartsItem { get; private set; }

    public void Stop()
    {
        if (_state == PlayerState.Finished) return;
        _state = PlayerState.Finished;
        HasFrame = false;
        Finished?.Invoke(new PlaybackFinished(this));
    }

    internal void AddListener()
    {
        if (Interlocked.Increment(ref _listeners) == 1) _activate(this);
    }

    internal void RemoveListener()
    {
        if (Interlocked.Decrement(ref _listeners) == 0) _deactivate(this);
    }

    internal void Tick()
    {
        if (_state == PlayerState.Finished)
        {
            HasFrame = false;
            return;
        }
        _state = PlayerState.Playing;
        var result = _source.Read(_frame);
        if (result == AudioReadResult.End)
        {
            HasFrame = false;
            _state = PlayerState.Finished;
            Finished?.Invoke(new PlaybackFinished(this));
            return;
        }
        HasFrame = true;
        FrameStartsItem = result == AudioReadResult.FrameAfterJump;
    }
}

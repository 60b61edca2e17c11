namespace Acd.Media.Playback;

/// <summary>
/// Hands the frames of the player it listens to, one 20 ms frame of 8 kHz 16-bit samples per tick of the engine's clock
/// (silence when it listens to nothing, or the player has no frame), to a callback: for audio that leaves the engine
/// without RTP, such as a 3CX participant's PCM stream. Create with <c>MediaEngine.CreateSink</c>; dispose to stop.
/// </summary>
public sealed class PcmSink : IPlayerListener, IDisposable
{
    private readonly Action<ReadOnlySpan<short>> _onFrame;
    private readonly Action<PcmSink> _remove;
    private readonly Lock _gate = new();
    private readonly short[] _silence = new short[MediaPlayer.FrameSamples];
    private MediaPlayer? _player;
    private bool _disposed;

    internal PcmSink(Action<ReadOnlySpan<short>> onFrame, Action<PcmSink> remove)
    {
        _onFrame = onFrame;
        _remove = remove;
    }

    public MediaPlayer? InputPlayer => Volatile.Read(ref _player);

    public void ListenTo(MediaPlayer player)
    {
        ArgumentNullException.ThrowIfNull(player);
        lock (_gate)
        {
            if (_disposed || ReferenceEquals(_player, player)) return;
            _player?.RemoveListener();
            player.AddListener();
            Volatile.Write(ref _player, player);
        }
    }

    public void ListenToSilence()
    {
        lock (_gate)
        {
            _player?.RemoveListener();
            Volatile.Write(ref _player, null);
        }
    }

    /// <summary>On the clock's thread, after every player read its frame.</summary>
    internal void OnTick()
    {
        var player = Volatile.Read(ref _player);
        _onFrame(player is { HasFrame: true } ? player.Frame : _silence);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _player?.RemoveListener();
            _player = null;
        }

        _remove(this);
    }
}

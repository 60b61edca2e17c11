namespace Acd.Media.Playback;

/// <summary>Something the shared clock drives every 20 ms (players, endpoints' RTCP and timeouts).</summary>
internal interface IClockListener
{
    void OnTick(long tick, long timestamp);
}

/// <summary>
/// The one 20 ms clock of an engine: a single timer from the <see cref="TimeProvider"/> (so tests step it with a
/// fake), catching up when the timer fires late, so packets per second stay right even on a loaded machine.
/// A tick never overlaps the previous one.
/// </summary>
public sealed class MediaClock : IDisposable
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(20);
    private const int MaxCatchUpTicks = 10;

    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly long _start;
    private readonly IClockListener _listener;
    private long _ticks;
    private int _running;
    private bool _disposed;

    internal MediaClock(TimeProvider time, IClockListener listener)
    {
        _time = time;
        _listener = listener;
        _start = time.GetTimestamp();
        _timer = time.CreateTimer(_ => OnTimer(), null, Period, Period);
    }

    /// <summary>Ticks run so far: the engine's media time in 20 ms units.</summary>
    public long Ticks => Interlocked.Read(ref _ticks);

    public TimeProvider TimeProvider => _time;

    /// <summary>Ticks skipped because the process could not keep up for more than 200 ms.</summary>
    public long SkippedTicks { get; private set; }

    private void OnTimer()
    {
        if (Interlocked.Exchange(ref _running, 1) == 1) return; // the previous tick is still running; it catches up
        try
        {
            var now = _time.GetTimestamp();
            var due = (long)(_time.GetElapsedTime(_start, now).Ticks / Period.Ticks);
            var behind = due - _ticks;
            if (behind > MaxCatchUpTicks)
            {
                SkippedTicks += behind - MaxCatchUpTicks;
                _ticks = due - MaxCatchUpTicks;
            }
            while (_ticks < due && !_disposed)
            {
                var tick = Interlocked.Increment(ref _ticks);
                _listener.OnTick(tick, now);
            }
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _timer.Dispose();
    }
}

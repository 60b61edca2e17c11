namespace Acd.Media.Sessions;

/// <summary>
/// The one RTP stream the engine sends to a leg: its own SSRC, sequence numbers and timestamps, whatever feeds
/// it. Relayed packets are mapped with per-source offsets, so gaps and reordering of the source stay visible;
/// when the source changes (re-pointing, a player, a DTMF event) the stream continues from where it was, with the
/// timestamp advanced by the time that passed, and the marker bit set. Callers hold the endpoint's send lock.
/// </summary>
internal sealed class OutboundStream(uint ssrc, ushort initialSequence, uint initialTimestamp, TimeProvider time)
{
    private const int SamplesPerFrame = 160;
    private static readonly object EventSource = new();
    private ushort _nextSeq = initialSequence;
    private uint _lastTs = initialTimestamp;
    private long _lastTime;
    private bool _started;
    private object? _source;
    private uint _sourceSsrc;
    private ushort _seqOffset;
    private uint _tsOffset;
    private ushort _sourceHighestSeq;

    public uint Ssrc { get; } = ssrc;
    public long Packets { get; private set; }
    public long Octets { get; private set; }

    public void Count(int payloadBytes)
    {
        Packets++;
        Octets += payloadBytes;
    }

    /// <summary>The timestamp the stream has now, as if it had run on since the last packet (for SR and source changes).</summary>
    public uint TimestampAt(long now)
    {
        if (!_started) return _lastTs;
        var elapsed = time.GetElapsedTime(_lastTime, now).TotalSeconds;
        return _lastTs + (uint)Math.Max(0, elapsed * 8000);
    }

    private uint NextTimestampForNewSource(long now)
    {
        if (!_started) return _lastTs;
        var elapsed = (uint)Math.Max(0, time.GetElapsedTime(_lastTime, now).TotalSeconds * 8000);
        return _lastTs + Math.Max(elapsed, SamplesPerFrame);
    }

    public (ushort Seq, uint Ts, bool Marker) Relay(object source, uint ssrc, ushort seq, uint ts, bool marker, long now)
    {
        var newSource = !_started || !ReferenceEquals(source, _source) || ssrc != _sourceSsrc
            || Math.Abs((short)(ushort)(seq - _sourceHighestSeq)) > 1000;
        if (newSource)
        {
            var next = NextTimestampForNewSource(now);
            _source = source;
            _sourceSsrc = ssrc;
            _seqOffset = (ushort)(_nextSeq - seq);
            _tsOffset = next - ts;
            _sourceHighestSeq = seq;
        }
        else if ((short)(ushort)(seq - _sourceHighestSeq) > 0)
        {
            _sourceHighestSeq = seq;
        }
        var outSeq = (ushort)(seq + _seqOffset);
        var outTs = ts + _tsOffset;
        if (newSource || (short)(ushort)(outSeq - _nextSeq) >= 0) _nextSeq = (ushort)(outSeq + 1);
        if (newSource || (int)(outTs - _lastTs) > 0)
        {
            _lastTs = outTs;
            _lastTime = now;
        }
        _started = true;
        return (outSeq, outTs, marker || newSource);
    }

    /// <summary>A locally made frame (player, silence): contiguous timestamps while the source stays the same.</summary>
    public (ushort Seq, uint Ts, bool Marker) Local(object source, int samples, bool startsItem, long now)
    {
        var newSource = !_started || !ReferenceEquals(source, _source);
        var ts = newSource ? NextTimestampForNewSource(now) : _lastTs + (uint)samples;
        _source = source;
        _sourceSsrc = 0;
        _lastTs = ts;
        _lastTime = now;
        _started = true;
        return (_nextSeq++, ts, newSource || startsItem);
    }

    /// <summary>Starts a generated RFC 4733 event: its timestamp is the stream's time now, fixed for all its packets.</summary>
    public uint BeginEvent(long now)
    {
        var ts = NextTimestampForNewSource(now);
        _source = EventSource;
        _lastTs = ts;
        _lastTime = now;
        _started = true;
        return ts;
    }

    public ushort NextEventSequence(long now)
    {
        _lastTime = now;
        return _nextSeq++;
    }

    /// <summary>After the event the stream's clock has moved on by its duration.</summary>
    public void EndEvent(uint eventTimestamp, int durationSamples, long now)
    {
        _lastTs = eventTimestamp + (uint)durationSamples;
        _lastTime = now;
    }
}

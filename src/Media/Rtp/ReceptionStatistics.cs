namespace Acd.Media.Rtp;

/// <summary>
/// What a receiver knows about one incoming RTP source (RFC 3550 appendix A.1, A.3 and A.8): extended highest
/// sequence, packets received and expected, and the interarrival jitter estimate. Not thread-safe: the owning
/// socket's receive loop updates it, readers take approximate snapshots.
/// </summary>
public sealed class ReceptionStatistics
{
    private const int MaxDropout = 3000;
    private const int MaxMisorder = 100;
    private const uint SequenceModulo = 1 << 16;

    private ushort _maxSeq;
    private uint _cycles;
    private uint _baseSeq;
    private uint _badSeq = SequenceModulo + 1;
    private long _received;
    private long _expectedPrior;
    private long _receivedPrior;
    private long _lastTransit;
    private bool _haveTransit;
    private double _jitter;
    private bool _initialised;

    public uint Ssrc { get; private set; }
    public long PacketsReceived => _received;
    public long Bytes { get; private set; }

    /// <summary>Interarrival jitter in timestamp units (RFC 3550 6.4.1).</summary>
    public uint Jitter => (uint)_jitter;

    public uint ExtendedHighestSequence => _cycles + _maxSeq;

    public long Expected => _initialised ? (long)ExtendedHighestSequence - _baseSeq + 1 : 0;

    /// <summary>Cumulative number lost; negative when duplicates arrived (RFC 3550 6.4.1 allows that).</summary>
    public long CumulativeLost => Expected - _received;

    /// <summary>Restarts the statistics for a new source (an SSRC change is a new stream).</summary>
    public void Reset(uint ssrc, ushort seq)
    {
        Ssrc = ssrc;
        _baseSeq = seq;
        _maxSeq = seq;
        _cycles = 0;
        _badSeq = SequenceModulo + 1;
        _received = 0;
        _expectedPrior = 0;
        _receivedPrior = 0;
        _haveTransit = false;
        _jitter = 0;
        _initialised = true;
        Bytes = 0;
    }

    /// <summary>
    /// Counts one packet. <paramref name="arrival"/> is the arrival time in the stream's timestamp units (e.g. 8 kHz).
    /// Returns false for a packet the sequence check of A.1 throws away (a large jump not yet confirmed).
    /// </summary>
    public bool Update(uint ssrc, ushort seq, uint rtpTimestamp, long arrival, int payloadBytes)
    {
        if (!_initialised || ssrc != Ssrc)
        {
            Reset(ssrc, seq);
            Count(rtpTimestamp, arrival, payloadBytes);
            return true;
        }
        var delta = (ushort)(seq - _maxSeq);
        if (delta < MaxDropout)
        {
            if (seq < _maxSeq) _cycles += SequenceModulo; // wrapped
            _maxSeq = seq;
        }
        else if (delta <= SequenceModulo - MaxMisorder)
        {
            // A very large jump: accept it only when the next packet follows it (the sender restarted).
            if (seq == _badSeq)
            {
                Reset(ssrc, seq);
            }
            else
            {
                _badSeq = (uint)((seq + 1) & (SequenceModulo - 1));
                return false;
            }
        }
        // else a duplicate or reordered packet: counted, no change to the highest sequence
        Count(rtpTimestamp, arrival, payloadBytes);
        return true;
    }

    private void Count(uint rtpTimestamp, long arrival, int payloadBytes)
    {
        _received++;
        Bytes += payloadBytes;
        // A.8: transit difference between consecutive packets, smoothed with gain 1/16.
        var transit = arrival - rtpTimestamp;
        if (_haveTransit)
        {
            var d = (int)(transit - _lastTransit);
            if (d < 0) d = -d;
            _jitter += (d - _jitter) / 16.0;
        }
        _lastTransit = transit;
        _haveTransit = true;
    }

    /// <summary>
    /// The loss figures of a report block (RFC 3550 A.3) since the previous call: the fraction lost in 1/256 units
    /// and the cumulative loss clamped to 24 bits signed.
    /// </summary>
    public (byte FractionLost, int CumulativeLost) TakeIntervalLoss()
    {
        var expected = Expected;
        var expectedInterval = expected - _expectedPrior;
        _expectedPrior = expected;
        var receivedInterval = _received - _receivedPrior;
        _receivedPrior = _received;
        var lostInterval = expectedInterval - receivedInterval;
        var fraction = expectedInterval == 0 || lostInterval <= 0 ? 0 : (byte)Math.Min(255, (lostInterval << 8) / expectedInterval);
        var cumulative = (int)Math.Clamp(CumulativeLost, -0x800000, 0x7FFFFF);
        return ((byte)fraction, cumulative);
    }
}

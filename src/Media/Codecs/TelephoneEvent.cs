using System.Buffers.Binary;

namespace Acd.Media.Codecs;

/// <summary>One RFC 4733 telephone-event payload (section 2.3): event, end bit, volume, duration in timestamp units.</summary>
public readonly record struct TelephoneEvent(byte Event, bool End, byte Volume, ushort Duration)
{
    public const int Size = 4;

    public static bool TryParse(ReadOnlySpan<byte> payload, out TelephoneEvent value)
    {
        if (payload.Length < Size)
        {
            value = default;
            return false;
        }
        value = new TelephoneEvent(payload[0], (payload[1] & 0x80) != 0, (byte)(payload[1] & 0x3F), BinaryPrimitives.ReadUInt16BigEndian(payload[2..]));
        return true;
    }

    public void Write(Span<byte> destination)
    {
        destination[0] = Event;
        destination[1] = (byte)((End ? 0x80 : 0) | (Volume & 0x3F));
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Duration);
    }
}

/// <summary>The DTMF events of RFC 4733 3.2 (0-9, *, #, A-D) and their characters.</summary>
public static class DtmfEvents
{
    private const string Digits = "0123456789*#ABCD";

    public static char? ToDigit(byte eventCode) => eventCode < Digits.Length ? Digits[eventCode] : null;

    public static byte? FromDigit(char digit)
    {
        var i = Digits.IndexOf(char.ToUpperInvariant(digit));
        return i < 0 ? null : (byte)i;
    }
}

/// <summary>
/// Turns the packets of RFC 4733 events into one notification per digit: an event is identified by its RTP
/// timestamp (section 2.5.1.3), the end bit is retransmitted three times and must be reported once; an event whose
/// end packets were all lost is reported when the next one starts. Late retransmissions of recently reported
/// events are recognised by their timestamp.
/// </summary>
public sealed class TelephoneEventDetector
{
    private const int Remembered = 8;
    private readonly uint[] _reported = new uint[Remembered];
    private int _reportedCount;
    private int _reportedNext;
    private uint _currentTimestamp;
    private bool _inEvent;
    private TelephoneEvent _last;

    /// <summary>
    /// Feeds one packet; writes the events this packet finished (at most two: an unfinished previous one, and
    /// this one) into <paramref name="finished"/> and returns how many.
    /// </summary>
    public int Feed(uint rtpTimestamp, TelephoneEvent value, Span<TelephoneEvent> finished)
    {
        if (WasReported(rtpTimestamp)) return 0; // a retransmission of an event already reported
        var count = 0;
        if (_inEvent && rtpTimestamp != _currentTimestamp)
        {
            finished[count++] = _last with { End = true }; // its end packets never came
            Remember(_currentTimestamp);
        }
        _inEvent = true;
        _currentTimestamp = rtpTimestamp;
        _last = value;
        if (value.End)
        {
            finished[count++] = value;
            Remember(rtpTimestamp);
            _inEvent = false;
        }
        return count;
    }

    private bool WasReported(uint timestamp)
    {
        for (var i = 0; i < _reportedCount; i++) if (_reported[i] == timestamp) return true;
        return false;
    }

    private void Remember(uint timestamp)
    {
        _reported[_reportedNext] = timestamp;
        _reportedNext = (_reportedNext + 1) % Remembered;
        if (_reportedCount < Remembered) _reportedCount++;
    }
}

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
/// end packets were all lost is reported when the next one starts.
/// </summary>
public sealed class TelephoneEventDetector
{
    private uint _currentTimestamp;
    private bool _inEvent;
    private bool _reported;
    private TelephoneEvent _last;
    private uint _lastReportedTimestamp;
    private bool _anyReported;

    /// <summary>Feeds one packet; returns the finished event to report, if this packet finished one.</summary>
    public TelephoneEvent? Feed(uint rtpTimestamp, TelephoneEvent value)
    {
        TelephoneEvent? result = null;
        if (!_inEvent || rtpTimestamp != _currentTimestamp)
        {
            if (_anyReported && rtpTimestamp == _lastReportedTimestamp) return null; // a late retransmission of an ended event
            if (_inEvent && !_reported) result = _last with { End = true };
            _inEvent = true;
            _reported = false;
            _currentTimestamp = rtpTimestamp;
        }
        _last = value;
        if (value.End && !_reported)
        {
            _reported = true;
            _anyReported = true;
            _lastReportedTimestamp = rtpTimestamp;
            return value;
        }
        return result;
    }
}

using System.Buffers.Binary;

namespace Acd.Media.Rtp;

/// <summary>Why a datagram is not a usable RTP packet; the hot path counts these instead of throwing.</summary>
public enum RtpParseResult
{
    Ok,
    TooShort,
    BadVersion,
    BadCsrcLength,
    BadExtensionLength,
    BadPadding,
}

/// <summary>
/// The fixed RTP header (RFC 3550 5.1) of a parsed packet, with where the payload lies in the datagram.
/// A value type so parsing allocates nothing; the payload is sliced from the caller's buffer.
/// </summary>
public readonly record struct RtpHeader(
    bool Marker,
    byte PayloadType,
    ushort SequenceNumber,
    uint Timestamp,
    uint Ssrc,
    int PayloadOffset,
    int PayloadLength,
    bool HasPadding = false,
    int CsrcCount = 0,
    bool HasExtension = false)
{
    public const int FixedSize = 12;

    public ReadOnlySpan<byte> Payload(ReadOnlySpan<byte> packet) => packet.Slice(PayloadOffset, PayloadLength);

    /// <summary>Parses without throwing: malformed input gives a result other than <see cref="RtpParseResult.Ok"/>.</summary>
    public static RtpParseResult TryParse(ReadOnlySpan<byte> packet, out RtpHeader header) => TryParse(packet, out header, checkPadding: true);

    /// <summary>
    /// With <paramref name="checkPadding"/> false the padding count is left inside the payload: SRTP needs the header
    /// length before decrypting, and the padding count is still encrypted then.
    /// </summary>
    public static RtpParseResult TryParse(ReadOnlySpan<byte> packet, out RtpHeader header, bool checkPadding)
    {
        header = default;
        if (packet.Length < FixedSize) return RtpParseResult.TooShort;
        var b0 = packet[0];
        if (b0 >> 6 != 2) return RtpParseResult.BadVersion;
        var padding = (b0 & 0x20) != 0;
        var extension = (b0 & 0x10) != 0;
        var csrcCount = b0 & 0x0F;
        var offset = FixedSize + 4 * csrcCount;
        if (offset > packet.Length) return RtpParseResult.BadCsrcLength;
        if (extension)
        {
            // RFC 3550 5.3.1: 16-bit profile word, then the length in 32-bit words, not counting the 4-byte header.
            if (offset + 4 > packet.Length) return RtpParseResult.BadExtensionLength;
            var words = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]);
            offset += 4 + 4 * words;
            if (offset > packet.Length) return RtpParseResult.BadExtensionLength;
        }
        var end = packet.Length;
        if (padding && checkPadding)
        {
            var pad = packet[^1];
            if (pad == 0 || end - pad < offset) return RtpParseResult.BadPadding;
            end -= pad;
        }
        var b1 = packet[1];
        header = new RtpHeader(
            (b1 & 0x80) != 0,
            (byte)(b1 & 0x7F),
            BinaryPrimitives.ReadUInt16BigEndian(packet[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(packet[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(packet[8..]),
            offset,
            end - offset,
            padding,
            csrcCount,
            extension);
        return RtpParseResult.Ok;
    }

    /// <summary>Writes a 12-byte header (no CSRC, no extension, no padding); returns its length.</summary>
    public static int Write(Span<byte> destination, bool marker, byte payloadType, ushort sequenceNumber, uint timestamp, uint ssrc)
    {
        destination[0] = 0x80;
        destination[1] = (byte)((marker ? 0x80 : 0) | (payloadType & 0x7F));
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], sequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], ssrc);
        return FixedSize;
    }
}

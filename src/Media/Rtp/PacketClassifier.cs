namespace Acd.Media.Rtp;

public enum PacketKind
{
    Unknown,
    Stun,
    Dtls,
    Rtp,
    Rtcp,
}

/// <summary>
/// Tells STUN, DTLS, RTP and RTCP apart on one port by their first bytes (RFC 7983 section 7, RFC 5761 section 4):
/// WebRTC multiplexes all four on the same 5-tuple.
/// </summary>
public static class PacketClassifier
{
    public static PacketKind Classify(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length == 0) return PacketKind.Unknown;
        var b = datagram[0];
        if (b <= 3) return datagram.Length >= 20 ? PacketKind.Stun : PacketKind.Unknown;
        if (b is >= 20 and <= 63) return PacketKind.Dtls;
        if (b is >= 128 and <= 191)
        {
            if (datagram.Length < 2) return PacketKind.Unknown;
            // RTCP packet types 192-223 sit where an RTP packet would carry marker + payload type 64-95,
            // which RFC 5761 section 4 keeps free for exactly this reason.
            return datagram[1] is >= 192 and <= 223 ? PacketKind.Rtcp : PacketKind.Rtp;
        }
        return PacketKind.Unknown;
    }
}

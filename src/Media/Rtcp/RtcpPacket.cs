using System.Buffers.Binary;

namespace Acd.Media.Rtcp;

public enum RtcpParseResult
{
    Ok,
    TooShort,
    BadVersion,
    BadLength,
    NotSrOrRrFirst,
}

/// <summary>One reception report block (RFC 3550 6.4.1), about the source <see cref="Ssrc"/>.</summary>
public readonly record struct RtcpReportBlock(
    uint Ssrc,
    byte FractionLost,
    int CumulativeLost,
    uint ExtendedHighestSequence,
    uint Jitter,
    uint LastSenderReport,
    uint DelaySinceLastSenderReport)
{
    public const int Size = 24;

    /// <summary>The fraction lost as a ratio (0..1).</summary>
    public double LossRatio => FractionLost / 256.0;

    internal static RtcpReportBlock Read(ReadOnlySpan<byte> b)
    {
        var lostRaw = (int)(BinaryPrimitives.ReadUInt32BigEndian(b[4..]) & 0xFFFFFF);
        if ((lostRaw & 0x800000) != 0) lostRaw |= unchecked((int)0xFF000000); // 24-bit two's complement
        return new RtcpReportBlock(
            BinaryPrimitives.ReadUInt32BigEndian(b),
            b[4],
            lostRaw,
            BinaryPrimitives.ReadUInt32BigEndian(b[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(b[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(b[16..]),
            BinaryPrimitives.ReadUInt32BigEndian(b[20..]));
    }

    internal void Write(Span<byte> b)
    {
        BinaryPrimitives.WriteUInt32BigEndian(b, Ssrc);
        BinaryPrimitives.WriteUInt32BigEndian(b[4..], ((uint)FractionLost << 24) | ((uint)CumulativeLost & 0xFFFFFF));
        BinaryPrimitives.WriteUInt32BigEndian(b[8..], ExtendedHighestSequence);
        BinaryPrimitives.WriteUInt32BigEndian(b[12..], Jitter);
        BinaryPrimitives.WriteUInt32BigEndian(b[16..], LastSenderReport);
        BinaryPrimitives.WriteUInt32BigEndian(b[20..], DelaySinceLastSenderReport);
    }
}

/// <summary>The sender information of an SR (RFC 3550 6.4.1).</summary>
public readonly record struct RtcpSenderInfo(ulong NtpTimestamp, uint RtpTimestamp, uint PacketCount, uint OctetCount)
{
    /// <summary>The middle 32 bits of the NTP timestamp, echoed as LSR by whoever receives this SR.</summary>
    public uint CompactNtp => (uint)(NtpTimestamp >> 16);
}

/// <summary>
/// What the engine needs from a compound RTCP packet: the sender's SSRC, its SR figures, the report block about
/// one of our streams and whether it said BYE. Filled without allocating.
/// </summary>
public struct RtcpSummary
{
    public uint SenderSsrc;
    public bool HasSenderInfo;
    public RtcpSenderInfo SenderInfo;
    public bool HasReportForLocal;
    public RtcpReportBlock ReportForLocal;
    public bool Bye;
    public int PacketCount;
}

public static class RtcpPacket
{
    public const byte SenderReport = 200;
    public const byte ReceiverReport = 201;
    public const byte SourceDescription = 202;
    public const byte Goodbye = 203;

    /// <summary>
    /// Walks a compound RTCP packet (RFC 3550 6.1): every part must have version 2 and a length that fits; the
    /// first must be SR or RR. Report blocks about <paramref name="localSsrc"/> are picked out.
    /// </summary>
    public static RtcpParseResult TryParse(ReadOnlySpan<byte> packet, uint localSsrc, out RtcpSummary summary)
    {
        summary = default;
        if (packet.Length < 8) return RtcpParseResult.TooShort;
        var offset = 0;
        while (offset < packet.Length)
        {
            var rest = packet[offset..];
            if (rest.Length < 4) return RtcpParseResult.BadLength;
            if (rest[0] >> 6 != 2) return RtcpParseResult.BadVersion;
            var count = rest[0] & 0x1F;
            var type = rest[1];
            var length = (BinaryPrimitives.ReadUInt16BigEndian(rest[2..]) + 1) * 4;
            if (length > rest.Length) return RtcpParseResult.BadLength;
            if (summary.PacketCount == 0 && type is not (SenderReport or ReceiverReport)) return RtcpParseResult.NotSrOrRrFirst;
            var body = rest[..length];
            switch (type)
            {
                case SenderReport:
                    if (length < 28 + count * RtcpReportBlock.Size) return RtcpParseResult.BadLength;
                    summary.SenderSsrc = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
                    summary.HasSenderInfo = true;
                    summary.SenderInfo = new RtcpSenderInfo(
                        BinaryPrimitives.ReadUInt64BigEndian(body[8..]),
                        BinaryPrimitives.ReadUInt32BigEndian(body[16..]),
                        BinaryPrimitives.ReadUInt32BigEndian(body[20..]),
                        BinaryPrimitives.ReadUInt32BigEndian(body[24..]));
                    ReadBlocks(body[28..], count, localSsrc, ref summary);
                    break;
                case ReceiverReport:
                    if (length < 8 + count * RtcpReportBlock.Size) return RtcpParseResult.BadLength;
                    summary.SenderSsrc = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
                    ReadBlocks(body[8..], count, localSsrc, ref summary);
                    break;
                case Goodbye:
                    summary.Bye = true;
                    break;
            }
            summary.PacketCount++;
            offset += length;
        }
        return RtcpParseResult.Ok;
    }

    private static void ReadBlocks(ReadOnlySpan<byte> blocks, int count, uint localSsrc, ref RtcpSummary summary)
    {
        for (var i = 0; i < count; i++)
        {
            var block = blocks.Slice(i * RtcpReportBlock.Size, RtcpReportBlock.Size);
            if (BinaryPrimitives.ReadUInt32BigEndian(block) != localSsrc) continue;
            summary.ReportForLocal = RtcpReportBlock.Read(block);
            summary.HasReportForLocal = true;
        }
    }

    /// <summary>
    /// Writes a compound packet: an SR (when <paramref name="senderInfo"/> is given) or an RR, with at most one report
    /// block, then the SDES CNAME that RFC 3550 6.1 requires in every compound packet. Returns the length.
    /// </summary>
    public static int WriteReport(Span<byte> destination, uint ssrc, RtcpSenderInfo? senderInfo, RtcpReportBlock? block, ReadOnlySpan<byte> cname)
    {
        var blocks = block is null ? 0 : 1;
        var offset = 0;
        var type = senderInfo is null ? ReceiverReport : SenderReport;
        var length = (senderInfo is null ? 8 : 28) + blocks * RtcpReportBlock.Size;
        destination[0] = (byte)(0x80 | blocks);
        destination[1] = type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)(length / 4 - 1));
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ssrc);
        offset = 8;
        if (senderInfo is { } si)
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination[8..], si.NtpTimestamp);
            BinaryPrimitives.WriteUInt32BigEndian(destination[16..], si.RtpTimestamp);
            BinaryPrimitives.WriteUInt32BigEndian(destination[20..], si.PacketCount);
            BinaryPrimitives.WriteUInt32BigEndian(destination[24..], si.OctetCount);
            offset = 28;
        }
        if (block is { } rb)
        {
            rb.Write(destination[offset..]);
            offset += RtcpReportBlock.Size;
        }
        // SDES: one chunk with CNAME, terminated by a null item and padded to 32 bits.
        var sdesStart = offset;
        var cnameLength = Math.Min(cname.Length, 255);
        var chunk = 4 + 2 + cnameLength + 1;
        var padded = (chunk + 3) & ~3;
        destination[offset] = 0x81;
        destination[offset + 1] = SourceDescription;
        BinaryPrimitives.WriteUInt16BigEndian(destination[(offset + 2)..], (ushort)(padded / 4));
        BinaryPrimitives.WriteUInt32BigEndian(destination[(offset + 4)..], ssrc);
        destination[offset + 8] = 1; // CNAME
        destination[offset + 9] = (byte)cnameLength;
        cname[..cnameLength].CopyTo(destination[(offset + 10)..]);
        destination.Slice(offset + 10 + cnameLength, padded - chunk + 1).Clear();
        offset = sdesStart + 4 + padded;
        return offset;
    }

    /// <summary>An NTP timestamp (RFC 3550 4) for a wall-clock time.</summary>
    public static ulong ToNtp(DateTimeOffset time)
    {
        var sinceNtpEpoch = time.UtcDateTime - new DateTime(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var seconds = (ulong)sinceNtpEpoch.Ticks / TimeSpan.TicksPerSecond;
        var fraction = (ulong)sinceNtpEpoch.Ticks % TimeSpan.TicksPerSecond;
        return (seconds << 32) | (fraction * (1UL << 32) / TimeSpan.TicksPerSecond);
    }
}

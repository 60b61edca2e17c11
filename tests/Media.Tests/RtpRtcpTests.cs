using Acd.Media.Rtcp;
using Acd.Media.Rtp;
using Acd.Media.Tests.Infrastructure;

namespace Acd.Media.Tests;

public sealed class RtpRtcpTests
{
    [Fact]
    public void Parses_a_packet_with_csrcs_extension_and_padding()
    {
        var packet = Hex.Bytes(
            "B2 88 12 34 DE CA FB AD CA FE BA BE" + // V=2 P=1 X=1 CC=2, M=1 PT=8, seq 0x1234
            "00000001 00000002" +                  // two CSRCs
            "BEDE 0001 AABBCCDD" +                 // extension: profile, 1 word
            "0102030405" +                         // payload
            "000003");                             // 3 bytes of padding, count last
        Assert.Equal(RtpParseResult.Ok, RtpHeader.TryParse(packet, out var h));
        Assert.True(h.Marker);
        Assert.Equal(8, h.PayloadType);
        Assert.Equal(0x1234, h.SequenceNumber);
        Assert.Equal(0xDECAFBADu, h.Timestamp);
        Assert.Equal(0xCAFEBABEu, h.Ssrc);
        Assert.Equal(2, h.CsrcCount);
        Assert.True(h.HasExtension);
        Assert.Equal(28, h.PayloadOffset);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, h.Payload(packet).ToArray());
    }

    [Fact]
    public void Write_and_parse_round_trip()
    {
        var buffer = new byte[12 + 3];
        RtpHeader.Write(buffer, true, 101, 65535, 0xFFFFFFF0, 42);
        buffer[12] = 9;
        Assert.Equal(RtpParseResult.Ok, RtpHeader.TryParse(buffer, out var h));
        Assert.Equal((true, (byte)101, (ushort)65535, 0xFFFFFFF0u, 42u, 3), (h.Marker, h.PayloadType, h.SequenceNumber, h.Timestamp, h.Ssrc, h.PayloadLength));
    }

    [Theory]
    [InlineData("80 00 00 01 00 00 00 00 00 00 00", RtpParseResult.TooShort)]
    [InlineData("40 00 00 01 00 00 00 00 00 00 00 01", RtpParseResult.BadVersion)]
    [InlineData("C0 00 00 01 00 00 00 00 00 00 00 01", RtpParseResult.BadVersion)]
    [InlineData("8F 00 00 01 00 00 00 00 00 00 00 01 00 00 00 02", RtpParseResult.BadCsrcLength)]
    [InlineData("90 00 00 01 00 00 00 00 00 00 00 01 BE DE", RtpParseResult.BadExtensionLength)]
    [InlineData("90 00 00 01 00 00 00 00 00 00 00 01 BE DE 00 05 00 00 00 00", RtpParseResult.BadExtensionLength)]
    [InlineData("A0 00 00 01 00 00 00 00 00 00 00 01 AA 00", RtpParseResult.BadPadding)]
    [InlineData("A0 00 00 01 00 00 00 00 00 00 00 01 AA 09", RtpParseResult.BadPadding)]
    public void Malformed_rtp_gives_a_result(string hex, RtpParseResult expected) =>
        Assert.Equal(expected, RtpHeader.TryParse(Hex.Bytes(hex), out _));

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(3);
        var summary = default(RtcpSummary);
        for (var i = 0; i < 5000; i++)
        {
            var junk = new byte[random.Next(0, 80)];
            random.NextBytes(junk);
            if (junk.Length > 0) junk[0] = (byte)(0x80 | (junk[0] & 0x3F));
            RtpHeader.TryParse(junk, out _);
            RtcpPacket.TryParse(junk, 1, out summary);
        }
        Assert.True(summary.PacketCount >= 0);
    }

    [Fact]
    public void Reception_statistics_and_report_block_match_a_hand_computed_case()
    {
        // Ten packets 20 ms apart (160 timestamp units); 4 and 7 are lost; 5 arrives 10 ms (80 units) late.
        var stats = new ReceptionStatistics();
        foreach (var seq in new ushort[] { 1, 2, 3, 5, 6, 8, 9, 10 })
        {
            var ts = 1000u + seq * 160u;
            var arrival = 50_000L + seq * 160L + (seq == 5 ? 80 : 0);
            stats.Update(0xABCD, seq, ts, arrival, 160);
        }
        // Expected 10 (1..10), received 8: lost 2; fraction 2/10 = 51/256.
        Assert.Equal(10, stats.Expected);
        Assert.Equal(2, stats.CumulativeLost);
        // Jitter (A.8, gain 1/16): packet 5 gives |D| = 80 -> J = 5; packet 6 gives |D| = 80 -> J = 5 + 75/16 = 9.6875;
        // packets 8, 9, 10 give D = 0 -> J = 9.6875 * (15/16)^3 = 7.98; reported as an integer, 7.
        Assert.Equal(7u, stats.Jitter);
        var (fraction, cumulative) = stats.TakeIntervalLoss();
        Assert.Equal(51, fraction);
        Assert.Equal(2, cumulative);

        var block = new RtcpReportBlock(0xABCD, fraction, cumulative, stats.ExtendedHighestSequence, stats.Jitter, 0x12345678, 65536);
        var buffer = new byte[200];
        var length = RtcpPacket.WriteReport(buffer, 0x1111, new RtcpSenderInfo(0xAABBCCDD11223344, 777, 50, 8000), block, "acd"u8);
        Assert.Equal(0, length % 4);
        Assert.Equal(RtcpParseResult.Ok, RtcpPacket.TryParse(buffer.AsSpan(0, length), 0xABCD, out var summary));
        Assert.Equal(2, summary.PacketCount); // SR + SDES
        Assert.Equal(0x1111u, summary.SenderSsrc);
        Assert.True(summary.HasSenderInfo);
        Assert.Equal(0xCCDD1122u, summary.SenderInfo.CompactNtp);
        Assert.Equal((777u, 50u, 8000u), (summary.SenderInfo.RtpTimestamp, summary.SenderInfo.PacketCount, summary.SenderInfo.OctetCount));
        Assert.True(summary.HasReportForLocal);
        Assert.Equal(block, summary.ReportForLocal);
        Assert.Equal(51 / 256.0, summary.ReportForLocal.LossRatio);

        // An interval with no loss reports a zero fraction; the cumulative figure stays.
        stats.Update(0xABCD, 11, 1000 + 11 * 160, 50_000 + 11 * 160, 160);
        Assert.Equal(((byte)0, 2), stats.TakeIntervalLoss());
    }

    [Fact]
    public void Reception_statistics_follow_a_sequence_wrap_and_negative_loss_round_trips()
    {
        var stats = new ReceptionStatistics();
        foreach (var seq in new ushort[] { 65534, 65535, 0, 1 }) stats.Update(7, seq, seq * 160u, seq * 160L, 160);
        Assert.Equal(65537u, stats.ExtendedHighestSequence);
        Assert.Equal(4, stats.Expected);
        Assert.Equal(0, stats.CumulativeLost);

        var buffer = new byte[100];
        var length = RtcpPacket.WriteReport(buffer, 1, null, new RtcpReportBlock(9, 0, -3, 5, 0, 0, 0), "x"u8);
        Assert.Equal(RtcpParseResult.Ok, RtcpPacket.TryParse(buffer.AsSpan(0, length), 9, out var summary));
        Assert.False(summary.HasSenderInfo);
        Assert.Equal(-3, summary.ReportForLocal.CumulativeLost);
    }

    [Theory]
    [InlineData("80 C8 00", RtcpParseResult.TooShort)]
    [InlineData("40 C9 00 01 00 00 00 01", RtcpParseResult.BadVersion)]
    [InlineData("80 C9 00 05 00 00 00 01", RtcpParseResult.BadLength)]
    [InlineData("81 C9 00 01 00 00 00 01", RtcpParseResult.BadLength)]   // one block announced, none there
    [InlineData("81 CA 00 01 00 00 00 01", RtcpParseResult.NotSrOrRrFirst)]
    [InlineData("80 C9 00 01 00 00 00 01 80", RtcpParseResult.BadLength)]
    public void Malformed_rtcp_gives_a_result(string hex, RtcpParseResult expected) =>
        Assert.Equal(expected, RtcpPacket.TryParse(Hex.Bytes(hex), 1, out _));
}

using System.Buffers.Binary;
using Acd.Media.Rtp;
using Acd.Media.Srtp;
using Acd.Media.Tests.Infrastructure;

namespace Acd.Media.Tests;

public sealed class SrtpTests
{
    private static readonly byte[] MasterKey = Hex.Bytes("E1F97A0D3E018BE0D64FA32C06DE4139");
    private static readonly byte[] MasterSalt = Hex.Bytes("0EC675AD498AFEEBB6960B3AABE6");

    [Fact]
    public void Key_derivation_matches_rfc3711_appendix_b3()
    {
        var keys = SrtpKeyDerivation.Derive(MasterKey, MasterSalt);
        Assert.Equal(Hex.Bytes("C61E7A93744F39EE10734AFE3FF7A087"), keys.RtpEncryption);
        Assert.Equal(Hex.Bytes("30CBBC08863D8C85D49DB34A9AE1"), keys.RtpSalt);
        Assert.Equal(Hex.Bytes("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"), keys.RtpAuthentication);
        // The RFC lists 94 bytes of the auth-key keystream; the first 20 are the HMAC-SHA1 key.
        var longAuth = SrtpKeyDerivation.DeriveOne(MasterKey, MasterSalt, 1, 94);
        Assert.Equal(Hex.Bytes("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE" +
            "E049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC256D6E919A48B610EF17C2041E47403576" +
            "6B68642C59BBFC2F34DB60DBDFB2"), longAuth);
        // RTCP keys use labels 3-5 and so differ from the RTP ones.
        Assert.NotEqual(keys.RtpEncryption, keys.RtcpEncryption);
    }

    [Fact]
    public void Aes_counter_keystream_matches_rfc3711_appendix_b2()
    {
        var key = Hex.Bytes("2B7E151628AED2A6ABF7158809CF4F3C");
        Span<byte> iv = stackalloc byte[16];
        SrtpContext.BuildIv(iv, Hex.Bytes("F0F1F2F3F4F5F6F7F8F9FAFBFCFD"), ssrc: 0, index: 0);
        Assert.Equal(Hex.Bytes("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"), iv.ToArray());

        using var aes = new AesCounterMode(key);
        var stream = new byte[48];
        aes.Apply(iv, stream);
        Assert.Equal(Hex.Bytes("E03EAD0935C95E80E166B16DD92B4EB4 D23513162B02D0F72A43A2FE4A5F97AB 41E95B3BB0A2E8DD477901E4FCA894C0"), stream);

        var end = new byte[48];
        aes.Apply(Hex.Bytes("F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF"), end);
        Assert.Equal(Hex.Bytes("EC8CDF7398607CB0F2D21675EA9EA1E4 362B7C3C6773516318A077D7FC5073AE 6A2CC3787889374FBEB4C81B17BA6C44"), end);
    }

    [Fact]
    public void Iv_places_ssrc_and_index_as_section_4_1_1_says()
    {
        Span<byte> iv = stackalloc byte[16];
        SrtpContext.BuildIv(iv, new byte[14], ssrc: 0x11223344, index: 0x0000AABBCCDD);
        Assert.Equal(Hex.Bytes("00000000 11223344 0000AABBCCDD 0000"), iv.ToArray());
    }

    [Theory]
    [InlineData(SrtpProfile.AesCm128HmacSha1_80, 10)]
    [InlineData(SrtpProfile.AesCm128HmacSha1_32, 4)]
    public void Protect_then_unprotect_restores_the_packet(SrtpProfile profile, int tagLength)
    {
        using var sender = new SrtpContext(profile, MasterKey, MasterSalt);
        using var receiver = new SrtpContext(profile, MasterKey, MasterSalt);
        var plain = Packet(seq: 4660, payloadByte: 0xAB, payloadLength: 160);
        var buffer = new byte[plain.Length + 16];
        plain.CopyTo(buffer, 0);
        Assert.Equal(SrtpResult.Ok, sender.ProtectRtp(buffer, plain.Length, out var protectedLength));
        Assert.Equal(plain.Length + tagLength, protectedLength);
        Assert.Equal(plain[..12], buffer[..12]); // the header stays in clear
        Assert.NotEqual(plain[12..], buffer[12..plain.Length]);

        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(buffer, protectedLength, out var plainLength));
        Assert.Equal(plain, buffer[..plainLength]);
    }

    [Fact]
    public void Rollover_counter_follows_a_sequence_wrap_on_both_sides()
    {
        using var sender = new SrtpContext(SrtpProfile.AesCm128HmacSha1_80, MasterKey, MasterSalt);
        using var receiver = new SrtpContext(SrtpProfile.AesCm128HmacSha1_80, MasterKey, MasterSalt);
        var protectedPackets = new Dictionary<ushort, byte[]>();
        foreach (ushort seq in new ushort[] { 65533, 65534, 65535, 0, 1, 2 })
        {
            protectedPackets[seq] = Protect(sender, Packet(seq, (byte)seq));
        }
        Assert.Equal(1u, sender.RolloverCounter(Ssrc));

        // Delivered out of order across the wrap: 65535 arrives after 0 and 1, and still decrypts (ROC 0).
        foreach (ushort seq in new ushort[] { 65533, 65534, 0, 1, 65535, 2 })
        {
            var packet = protectedPackets[seq].ToArray();
            Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(packet, packet.Length, out var length));
            Assert.Equal(Packet(seq, (byte)seq), packet[..length]);
        }
        Assert.Equal(1u, receiver.RolloverCounter(Ssrc));
    }

    [Fact]
    public void Replay_window_refuses_a_replayed_and_a_too_old_packet()
    {
        using var sender = new SrtpContext(SrtpProfile.AesCm128HmacSha1_80, MasterKey, MasterSalt);
        using var receiver = new SrtpContext(SrtpProfile.AesCm128HmacSha1_80, MasterKey, MasterSalt);
        var first = Protect(sender, Packet(100, 1));
        var old = Protect(sender, Packet(101, 1));
        Assert.Equal(SrtpResult.Ok, Unprotect(receiver, first));
        Assert.Equal(SrtpResult.Replayed, Unprotect(receiver, first));

        for (ushort seq = 102; seq < 102 + ReplayWindow.Size + 10; seq++) Assert.Equal(SrtpResult.Ok, Unprotect(receiver, Protect(sender, Packet(seq, 1))));
        Assert.Equal(SrtpResult.TooOld, Unprotect(receiver, old));
    }

    [Fact]
    public void A_tampered_packet_fails_authentication_and_does_not_move_the_state()
    {
        using var sender = new SrtpContext(SrtpProfile.AesCm128HmacSha1_80, MasterKey, MasterSalt);
        using var receiver = new SrtpContext(SrtpProfile.AesCm128HmacSha1_80, MasterKey, MasterSalt);
        var good = Protect(sender, Packet(10, 7));
        var payloadFlipped = good.ToArray();
        payloadFlipped[20] ^= 1;
        var tagFlipped = good.ToArray();
        tagFlipped[^1] ^= 0x80;
        Assert.Equal(SrtpResult.AuthenticationFailed, Unprotect(receiver, payloadFlipped));
        Assert.Equal(SrtpResult.AuthenticationFailed, Unprotect(receiver, tagFlipped));

        // A forged packet far ahead must not push the replay window past the genuine one.
        var forged = Protect(sender, Packet(5000, 7));
        forged[^2] ^= 1;
        Assert.Equal(SrtpResult.AuthenticationFailed, Unprotect(receiver, forged));
        Assert.Equal(SrtpResult.Ok, Unprotect(receiver, good));

        using var otherKey = new SrtpContext(SrtpProfile.AesCm128HmacSha1_80, MasterSalt.Concat(new byte[2]).ToArray(), MasterSalt);
        Assert.Equal(SrtpResult.AuthenticationFailed, Unprotect(otherKey, Protect(sender, Packet(11, 7))));
    }

    [Fact]
    public void Srtcp_carries_the_e_flag_and_a_growing_index_and_refuses_replays()
    {
        using var sender = new SrtpContext(SrtpProfile.AesCm128HmacSha1_80, MasterKey, MasterSalt);
        using var receiver = new SrtpContext(SrtpProfile.AesCm128HmacSha1_80, MasterKey, MasterSalt);
        var report = new byte[64];
        var length = Rtcp.RtcpPacket.WriteReport(report, Ssrc, new Rtcp.RtcpSenderInfo(0x1122334455667788, 1234, 10, 1600), null, "cname"u8);
        var plain = report[..length];

        var first = ProtectRtcp(sender, plain);
        var second = ProtectRtcp(sender, plain);
        Assert.Equal(length + 14, first.Length);
        Assert.Equal(plain[..8], first[..8]); // header and SSRC in clear
        Assert.NotEqual(plain[8..], first[8..length]);
        Assert.Equal(0x80000000u, BinaryPrimitives.ReadUInt32BigEndian(first.AsSpan(length)));
        Assert.Equal(0x80000001u, BinaryPrimitives.ReadUInt32BigEndian(second.AsSpan(length)));

        var copy = first.ToArray();
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtcp(copy, copy.Length, out var plainLength));
        Assert.Equal(plain, copy[..plainLength]);
        Assert.Equal(SrtpResult.Replayed, receiver.UnprotectRtcp(first.ToArray(), first.Length, out _));
        var tampered = second.ToArray();
        tampered[10] ^= 4;
        Assert.Equal(SrtpResult.AuthenticationFailed, receiver.UnprotectRtcp(tampered, tampered.Length, out _));
    }

    [Fact]
    public void Malformed_input_gives_results_not_exceptions()
    {
        using var receiver = new SrtpContext(SrtpProfile.AesCm128HmacSha1_80, MasterKey, MasterSalt);
        Assert.Equal(SrtpResult.TooShort, receiver.UnprotectRtp(new byte[15], 15, out _));
        Assert.Equal(SrtpResult.BadHeader, receiver.UnprotectRtp(new byte[40], 40, out _));
        Assert.Equal(SrtpResult.TooShort, receiver.UnprotectRtcp(new byte[12], 12, out _));
        Assert.Equal(SrtpResult.BufferTooSmall, receiver.ProtectRtp(Packet(1, 1), 172, out _));
    }

    private const uint Ssrc = 0xCAFEBABE;

    private static byte[] Packet(ushort seq, byte payloadByte, int payloadLength = 32)
    {
        var packet = new byte[12 + payloadLength];
        RtpHeader.Write(packet, false, 0, seq, seq * 160u, Ssrc);
        packet.AsSpan(12).Fill(payloadByte);
        return packet;
    }

    private static byte[] Protect(SrtpContext context, byte[] plain)
    {
        var buffer = new byte[plain.Length + 10];
        plain.CopyTo(buffer, 0);
        Assert.Equal(SrtpResult.Ok, context.ProtectRtp(buffer, plain.Length, out var length));
        return buffer[..length];
    }

    private static SrtpResult Unprotect(SrtpContext context, byte[] packet)
    {
        var copy = packet.ToArray();
        return context.UnprotectRtp(copy, copy.Length, out _);
    }

    private static byte[] ProtectRtcp(SrtpContext context, byte[] plain)
    {
        var buffer = new byte[plain.Length + 14];
        plain.CopyTo(buffer, 0);
        Assert.Equal(SrtpResult.Ok, context.ProtectRtcp(buffer, plain.Length, out var length));
        return buffer[..length];
    }
}

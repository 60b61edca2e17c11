using System.Net;
using System.Text;
using Acd.Media.Rtp;
using Acd.Media.Stun;
using Acd.Media.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Media.Tests;

public sealed class StunTests
{
    private static readonly byte[] Rfc5769Password = "VOkJxbRl1RmTxUk/WvJxBt"u8.ToArray();

    // RFC 5769 2.1: sample request (software "STUN test client", PRIORITY, ICE-CONTROLLED, USERNAME "evtj:h6vY").
    private static readonly byte[] SampleRequest = Hex.Bytes(
        "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74002400046e0001ff" +
        "80290008932ff9b151263b36000600096576746a3a68367659202020000800149aeaa70cbfd8cb56781ef2b5b2d3f249" +
        "c1b571a280280004e57a3bcf");

    // RFC 5769 2.2: sample IPv4 response, XOR-MAPPED-ADDRESS 192.0.2.1:32853.
    private static readonly byte[] SampleIpv4Response = Hex.Bytes(
        "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000080001a147e112a643" +
        "000800142b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96");

    [Fact]
    public void Rfc5769_sample_request_verifies()
    {
        Assert.Equal(StunParseResult.Ok, StunMessage.TryParse(SampleRequest, out var message));
        Assert.Equal(Stun.Stun.BindingRequest, message.Type);
        Assert.Equal("evtj:h6vY", Encoding.ASCII.GetString(message.Username));
        Assert.True(message.HasPriority);
        Assert.Equal(0x6e0001ffu, message.Priority);
        Assert.True(message.VerifyIntegrity(Rfc5769Password));
        Assert.True(message.VerifyFingerprint());
        Assert.False(message.VerifyIntegrity("VOkJxbRl1RmTxUk/WvJxBT"u8));
    }

    [Fact]
    public void Rfc5769_sample_response_verifies_and_gives_the_mapped_address()
    {
        Assert.Equal(StunParseResult.Ok, StunMessage.TryParse(SampleIpv4Response, out var message));
        Assert.Equal(Stun.Stun.BindingSuccess, message.Type);
        Assert.True(message.VerifyIntegrity(Rfc5769Password));
        Assert.True(message.VerifyFingerprint());
        Assert.True(message.TryGetXorMappedAddress(out var mapped));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853), mapped);

        var corrupted = SampleIpv4Response.ToArray();
        corrupted[30] ^= 1;
        Assert.Equal(StunParseResult.Ok, StunMessage.TryParse(corrupted, out var bad));
        Assert.False(bad.VerifyIntegrity(Rfc5769Password));
        Assert.False(bad.VerifyFingerprint());
    }

    [Fact]
    public void Writer_reproduces_the_rfc5769_response_integrity_and_fingerprint()
    {
        // Same attributes, but our writer pads SOFTWARE with zeros where the RFC used spaces: what must hold is that
        // a writer-built message verifies with the same checks.
        var buffer = new byte[200];
        var writer = new StunWriter(buffer, Stun.Stun.BindingSuccess, SampleIpv4Response.AsSpan(8, 12));
        writer.AddAttribute(Stun.Stun.Software, "test vector"u8);
        writer.AddXorMappedAddress(IPAddress.Parse("192.0.2.1"), 32853);
        writer.AddMessageIntegrity(Rfc5769Password);
        writer.AddFingerprint();
        Assert.Equal(SampleIpv4Response.Length, writer.Length);
        Assert.Equal(SampleIpv4Response.AsSpan(0, 28).ToArray(), buffer[..28]);
        Assert.Equal(SampleIpv4Response.AsSpan(40, 12).ToArray(), buffer[40..52]); // XOR-MAPPED-ADDRESS bytes
        Assert.Equal(StunParseResult.Ok, StunMessage.TryParse(buffer.AsSpan(0, writer.Length), out var message));
        Assert.True(message.VerifyIntegrity(Rfc5769Password));
        Assert.True(message.VerifyFingerprint());
    }

    [Fact]
    public void Ice_lite_answers_a_valid_check_and_refuses_a_wrong_password_with_401()
    {
        var time = new FakeTimeProvider();
        var agent = new IceLiteAgent(time);
        agent.SetRemoteCredentials("remoteUfrag", "remote-password-0123456789");
        var source = new IPEndPoint(IPAddress.Loopback, 50000);
        var response = new byte[512];

        var request = Request($"{agent.LocalUfrag}:remoteUfrag", agent.LocalPassword, useCandidate: true);
        Assert.Equal(IceCheckResult.Accepted, agent.HandleBindingRequest(request, source, response, out var length, out var changed));
        Assert.True(changed);
        Assert.Equal(source, agent.SelectedAddress);
        Assert.Equal(StunParseResult.Ok, StunMessage.TryParse(response.AsSpan(0, length), out var success));
        Assert.Equal(Stun.Stun.BindingSuccess, success.Type);
        Assert.Equal(request.AsSpan(8, 12).ToArray(), success.TransactionId.ToArray());
        Assert.True(success.VerifyIntegrity(Encoding.ASCII.GetBytes(agent.LocalPassword)));
        Assert.True(success.VerifyFingerprint());
        Assert.True(success.TryGetXorMappedAddress(out var mapped));
        Assert.Equal(source, mapped);

        var wrong = Request($"{agent.LocalUfrag}:remoteUfrag", "not-the-password", useCandidate: false);
        Assert.Equal(IceCheckResult.Unauthorized, agent.HandleBindingRequest(wrong, source, response, out length, out _));
        Assert.Equal(StunParseResult.Ok, StunMessage.TryParse(response.AsSpan(0, length), out var error));
        Assert.Equal(Stun.Stun.BindingError, error.Type);
        Assert.True(error.TryGetAttribute(Stun.Stun.ErrorCode, out var code));
        Assert.Equal(401, code[2] * 100 + code[3]);
        Assert.True(error.IntegrityOffset < 0);
        Assert.True(error.VerifyFingerprint());

        var wrongUser = Request("someoneelse:remoteUfrag", agent.LocalPassword, useCandidate: false);
        Assert.Equal(IceCheckResult.Unauthorized, agent.HandleBindingRequest(wrongUser, source, response, out _, out _));
        Assert.Equal(1, agent.ChecksAccepted);
        Assert.Equal(2, agent.ChecksRefused);
    }

    [Fact]
    public void Consent_lapses_30_seconds_after_the_last_check()
    {
        var time = new FakeTimeProvider();
        var agent = new IceLiteAgent(time);
        var source = new IPEndPoint(IPAddress.Loopback, 50001);
        var response = new byte[512];
        Assert.False(agent.HasConsent(time.GetTimestamp()));
        agent.HandleBindingRequest(Request($"{agent.LocalUfrag}:r", agent.LocalPassword, true), source, response, out _, out _);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.True(agent.HasConsent(time.GetTimestamp()));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(agent.HasConsent(time.GetTimestamp()));
        agent.HandleBindingRequest(Request($"{agent.LocalUfrag}:r", agent.LocalPassword, false), source, response, out _, out _);
        Assert.True(agent.HasConsent(time.GetTimestamp()));
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0x01 }, PacketKind.Stun)]
    [InlineData(new byte[] { 0x01, 0x01 }, PacketKind.Stun)]
    [InlineData(new byte[] { 22, 0xFE }, PacketKind.Dtls)]
    [InlineData(new byte[] { 63, 0 }, PacketKind.Dtls)]
    [InlineData(new byte[] { 0x80, 0x00 }, PacketKind.Rtp)]
    [InlineData(new byte[] { 0x80, 0x88 }, PacketKind.Rtp)]   // marker + PCMA
    [InlineData(new byte[] { 0x80, 0xE0 }, PacketKind.Rtp)]   // marker + PT 96
    [InlineData(new byte[] { 0x80, 200 }, PacketKind.Rtcp)]   // SR
    [InlineData(new byte[] { 0x81, 201 }, PacketKind.Rtcp)]   // RR
    [InlineData(new byte[] { 0x80, 223 }, PacketKind.Rtcp)]
    [InlineData(new byte[] { 0x80, 191 }, PacketKind.Rtp)]
    [InlineData(new byte[] { 64, 0 }, PacketKind.Unknown)]    // TURN channel range: not used here
    [InlineData(new byte[] { 200, 0 }, PacketKind.Unknown)]
    [InlineData(new byte[] { }, PacketKind.Unknown)]
    public void Demultiplexing_follows_rfc7983(byte[] start, PacketKind expected)
    {
        var datagram = new byte[Math.Max(start.Length, start.Length == 0 ? 0 : 24)];
        start.CopyTo(datagram, 0);
        Assert.Equal(expected, PacketClassifier.Classify(datagram));
    }

    [Fact]
    public void Malformed_stun_gives_results_not_exceptions()
    {
        Assert.Equal(StunParseResult.TooShort, StunMessage.TryParse(new byte[10], out _));
        var noCookie = SampleRequest.ToArray();
        noCookie[4] = 0;
        Assert.Equal(StunParseResult.NotStun, StunMessage.TryParse(noCookie, out _));
        var badLength = SampleRequest.ToArray();
        badLength[3] = 0xFF;
        Assert.Equal(StunParseResult.BadLength, StunMessage.TryParse(badLength, out _));
        var badAttribute = SampleRequest.ToArray();
        badAttribute[22] = 0x7F; // SOFTWARE length beyond the message
        Assert.Equal(StunParseResult.BadAttribute, StunMessage.TryParse(badAttribute, out _));
        var random = new Random(5);
        for (var i = 0; i < 2000; i++)
        {
            var junk = new byte[random.Next(0, 120)];
            random.NextBytes(junk);
            if (junk.Length >= 8) { junk[0] &= 0x3F; junk[4] = 0x21; junk[5] = 0x12; junk[6] = 0xA4; junk[7] = 0x42; }
            StunMessage.TryParse(junk, out _);
        }
    }

    internal static byte[] Request(string username, string password, bool useCandidate)
    {
        var buffer = new byte[256];
        var writer = new StunWriter(buffer, Stun.Stun.BindingRequest, Guid.NewGuid().ToByteArray().AsSpan(0, 12));
        writer.AddAttribute(Stun.Stun.Username, Encoding.ASCII.GetBytes(username));
        writer.AddAttribute(Stun.Stun.Priority, [0x6e, 0x00, 0x01, 0xff]);
        if (useCandidate) writer.AddAttribute(Stun.Stun.UseCandidate, []);
        writer.AddMessageIntegrity(Encoding.ASCII.GetBytes(password));
        writer.AddFingerprint();
        return buffer[..writer.Length];
    }
}

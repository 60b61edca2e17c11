using Acd.Media.Codecs;
using Acd.Media.Sdp;
using Acd.Media.Sessions;
using Acd.Media.Tests.Infrastructure;

namespace Acd.Media.Tests;

public sealed class NegotiationTests
{
    // What Chromium offers for an audio-only RTCPeerConnection (abridged), plus a video section to be refused.
    internal const string BrowserOffer =
        "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS\r\n" +
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n" +
        "a=ice-ufrag:Ab3d\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=ice-options:trickle\r\n" +
        "a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08\r\n" +
        "a=setup:actpass\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\na=rtcp-rsize\r\n" +
        "a=rtpmap:111 opus/48000/2\r\na=rtpmap:63 red/48000/2\r\na=rtpmap:9 G722/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n" +
        "a=rtpmap:13 CN/8000\r\na=rtpmap:110 telephone-event/48000\r\na=rtpmap:126 telephone-event/8000\r\n" +
        "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=rtpmap:96 VP8/90000\r\n";

    [Fact]
    public async Task A_browser_offer_gets_an_ice_lite_dtls_answer_that_echoes_mid_and_bundle()
    {
        await using var engine = new MediaEngine(TestPorts.Options());
        using var session = engine.CreateSession();
        var endpoint = Legs.Ok(session.CreateEndpoint());
        var answer = Legs.Ok(endpoint.AcceptOffer(BrowserOffer));
        Assert.Contains("a=ice-lite\r\n", answer);
        Assert.Contains("a=group:BUNDLE 0\r\n", answer);
        Assert.Contains($"m=audio {endpoint.LocalPort} UDP/TLS/RTP/SAVPF 0 126\r\n", answer);
        Assert.Contains("a=mid:0\r\n", answer);
        Assert.Contains("a=setup:passive\r\n", answer);
        Assert.Contains("a=rtcp-mux\r\n", answer);
        Assert.Contains($"a=fingerprint:sha-256 {engine.Certificate.Fingerprint}\r\n", answer);
        Assert.Contains($"a=candidate:1 1 udp 2130706431 127.0.0.1 {endpoint.LocalPort} typ host\r\n", answer);
        Assert.Contains($"a=ice-ufrag:{endpoint.LocalIceCredentials!.Value.Ufrag}\r\n", answer);
        Assert.Contains("m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n", answer);
        Assert.Equal(EndpointState.Connecting, endpoint.State);
        Assert.Equal(AudioCodec.Pcmu, endpoint.Codec);

        var prefersA = Legs.Ok(Legs.Ok(session.CreateEndpoint()).AcceptOffer(BrowserOffer, preferredCodec: AudioCodec.Pcma));
        Assert.Contains(" UDP/TLS/RTP/SAVPF 8 126\r\n", prefersA);
    }

    [Fact]
    public async Task An_engine_webrtc_offer_has_what_browsers_require()
    {
        await using var engine = new MediaEngine(TestPorts.Options());
        using var session = engine.CreateSession();
        var endpoint = Legs.Ok(session.CreateEndpoint());
        var offer = Legs.Ok(endpoint.CreateOffer(MediaProfile.WebRtc));
        foreach (var line in new[] { "a=ice-lite", "a=setup:actpass", "a=rtcp-mux", "a=mid:0", "a=group:BUNDLE 0", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000" })
            Assert.Contains(line + "\r\n", offer);
        Assert.Equal(EndpointState.Offered, endpoint.State);
        var browserAnswer = BrowserOffer.Replace("a=setup:actpass", "a=setup:active").Replace("a=group:BUNDLE 0 1", "a=group:BUNDLE 0");
        browserAnswer = browserAnswer[..browserAnswer.IndexOf("m=video", StringComparison.Ordinal)];
        var status = endpoint.AcceptAnswer(browserAnswer);
        Assert.True(status.Succeeded, status.ToString());
        Assert.Equal(EndpointState.Connecting, endpoint.State);
        Assert.Equal(MediaError.InvalidState, endpoint.AcceptAnswer(browserAnswer).Error);
    }

    [Theory]
    [InlineData("this is not sdp", MediaError.BadSdp)]
    [InlineData("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", MediaError.NoAudio)]
    [InlineData("v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 9 18\r\na=rtpmap:9 G722/8000\r\n", MediaError.NoCommonCodec)]
    [InlineData("v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/SAVP 0\r\n", MediaError.NoUsableCrypto)]
    [InlineData("v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:AAAA\r\n", MediaError.NoUsableCrypto)]
    [InlineData("v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 TCP/MRCPv2 0\r\n", MediaError.UnsupportedProfile)]
    [InlineData("v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 UDP/TLS/RTP/SAVPF 0\r\na=fingerprint:sha-256 AA\r\n", MediaError.MissingIceCredentials)]
    [InlineData("v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 UDP/TLS/RTP/SAVPF 0\r\na=ice-ufrag:a\r\na=ice-pwd:b\r\n", MediaError.BadFingerprint)]
    [InlineData("v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 UDP/TLS/RTP/SAVPF 0\r\na=ice-ufrag:a\r\na=ice-pwd:b\r\na=fingerprint:md5 AA\r\n", MediaError.BadFingerprint)]
    [InlineData("v=0\r\nc=IN IP4 not-an-address\r\nm=audio 4000 RTP/AVP 0\r\n", MediaError.BadSdp)]
    [InlineData("v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 99999 RTP/AVP 0\r\n", MediaError.BadSdp)]
    public async Task Bad_offers_give_a_typed_failure_and_change_nothing(string sdp, MediaError expected)
    {
        await using var engine = new MediaEngine(TestPorts.Options());
        using var session = engine.CreateSession();
        var endpoint = Legs.Ok(session.CreateEndpoint());
        var result = endpoint.AcceptOffer(sdp);
        Assert.False(result.Succeeded);
        Assert.Equal(expected, result.Error);
        Assert.False(string.IsNullOrEmpty(result.Detail));
        Assert.Equal(EndpointState.Allocated, endpoint.State);
    }

    [Fact]
    public async Task Configured_codecs_limit_what_is_offered_and_accepted()
    {
        var options = TestPorts.Options();
        options.Codecs.Add("PCMA");
        await using var engine = new MediaEngine(options);
        using var session = engine.CreateSession();
        var offer = Legs.Ok(Legs.Ok(session.CreateEndpoint()).CreateOffer(MediaProfile.RtpAvp));
        Assert.Contains(" RTP/AVP 8 101\r\n", offer);
        Assert.DoesNotContain("PCMU", offer);
        await using var phone = new TestPhone(AudioCodec.Pcmu);
        Assert.Equal(MediaError.NoCommonCodec, Legs.Ok(session.CreateEndpoint()).AcceptOffer(phone.Sdp()).Error);
        Assert.Throws<ArgumentException>(() => new MediaEngine(new MediaOptions { Codecs = { "G729" } }));
    }

    [Fact]
    public async Task A_hold_offer_is_answered_recvonly_and_the_engine_stops_sending()
    {
        await using var engine = new MediaEngine(TestPorts.Options());
        using var session = engine.CreateSession();
        await using var phone = new TestPhone();
        var endpoint = Legs.AnswerPhone(session, phone);
        var answer = Legs.Ok(endpoint.AcceptOffer(phone.Sdp("sendonly")));
        Assert.Contains("a=recvonly\r\n", answer);
        Assert.Contains($"m=audio {endpoint.LocalPort} ", answer);
        var inactive = Legs.Ok(endpoint.AcceptOffer(phone.Sdp("inactive")));
        Assert.Contains("a=inactive\r\n", inactive);
    }

    [Fact]
    public void Sdes_crypto_lines_parse_and_refuse_what_is_not_supported()
    {
        var key = Convert.ToBase64String(Enumerable.Range(0, 30).Select(i => (byte)i).ToArray());
        var crypto = SdesCrypto.TryParse($"1 AES_CM_128_HMAC_SHA1_80 inline:{key}|2^20");
        Assert.NotNull(crypto);
        Assert.Equal(16, crypto.Key.Length);
        Assert.Equal(14, crypto.Salt.Length);
        Assert.Equal($"1 AES_CM_128_HMAC_SHA1_80 inline:{key}", crypto.ToAttributeValue());
        Assert.Null(SdesCrypto.TryParse($"1 AES_CM_128_HMAC_SHA1_80 inline:{key}|2^20|1:4"));
        Assert.Null(SdesCrypto.TryParse("1 AES_CM_128_HMAC_SHA1_80 inline:short"));
        Assert.Null(SdesCrypto.TryParse("x"));
    }
}

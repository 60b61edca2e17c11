using Acd.Media.Sessions;
using Acd.Media.Tests.Infrastructure;

namespace Acd.Media.Tests;

/// <summary>
/// SDES-SRTP end to end through the engine: two RTP/SAVP legs of the engine negotiate with each other and carry
/// the audio of two plain phones, so every packet between them is encrypted and authenticated by the engine's SRTP.
/// </summary>
public sealed class SdesBridgeTests
{
    [Fact]
    public async Task Tones_cross_an_sdes_srtp_hop_in_both_directions()
    {
        await using var engine = new MediaEngine(TestPorts.Options());
        using var session = engine.CreateSession();
        await using var phoneA = new TestPhone();
        await using var phoneB = new TestPhone();
        var plainA = Legs.AnswerPhone(session, phoneA);
        var plainB = Legs.OfferToPhone(session, phoneB);
        var x = Legs.Ok(session.CreateEndpoint("srtp-x"));
        var y = Legs.Ok(session.CreateEndpoint("srtp-y"));
        var offer = Legs.Ok(x.CreateOffer(MediaProfile.RtpSavp));
        Assert.Contains("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:", offer);
        Assert.Contains("a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:", offer);
        var answer = Legs.Ok(y.AcceptOffer(offer));
        Assert.Contains("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:", answer);
        Assert.DoesNotContain("a=crypto:2", answer);
        Assert.True(x.AcceptAnswer(answer).Succeeded);
        session.Bridge(plainA, x);
        session.Bridge(y, plainB);
        phoneA.StartTone(1000);
        phoneB.StartTone(440);

        Assert.True(await phoneB.HearsAsync(1000, 1200), "B hears A across SRTP");
        Assert.True(await phoneA.HearsAsync(440, 600), "A hears B across SRTP");
        Assert.Equal(0, x.GetStatistics().AuthenticationFailures);
        Assert.Equal(EndpointState.Active, y.State);
        Assert.True(y.GetStatistics().Received.Packets > 10);
    }
}

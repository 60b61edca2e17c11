using System.Net;
using Acd.Agents;
using Acd.Media;
using Acd.Sip.Sdp;
using Acd.Sip.Transports;
using Acd.Sip.Uris;
using Acd.SipEdge.Bridging;
using Acd.SipEdge.Legs;
using Acd.SipEdge.Registration;

namespace Acd.SipEdge.Tests;

/// <summary>Which legs may get SDES keys: only those whose own INVITE travels over TLS, whatever the phone registered with.</summary>
public sealed class SdesPolicyTests
{
    private const string Keyed = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/SAVP 0\r\n" +
                                 "a=rtpmap:0 PCMU/8000\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZWNyZXRfX19rZXlfX19zYWx0X19f\r\n";

    [Theory]
    [InlineData("TLS", SipTransportKind.Tls, false, LegProfile.Srtp)]
    [InlineData("TLS", SipTransportKind.Tls, true, LegProfile.Rtp)] // SrtpOverTls off
    [InlineData("TLS", SipTransportKind.Udp, false, LegProfile.Rtp)] // a TLS phone reached at a UDP contact, or through another edge's hop
    [InlineData("UDP", SipTransportKind.Udp, false, LegProfile.Rtp)]
    [InlineData("TCP", SipTransportKind.Tcp, false, LegProfile.Rtp)]
    [InlineData("WSS", SipTransportKind.Wss, false, LegProfile.WebRtc)]
    public void A_phone_is_offered_srtp_only_when_the_invite_itself_goes_over_tls(string registered, SipTransportKind route, bool srtpOff,
        LegProfile expected)
    {
        var device = new DeviceBinding("sip:1001@127.0.0.1:5061;transport=tls", "edge", registered, DateTimeOffset.UtcNow.AddHours(1), null, null);
        var target = new SipTarget(route, new IPEndPoint(IPAddress.Loopback, 5061));
        Assert.Equal(expected, CallMediaFactory.ProfileFor(new PhoneRoute(device, SipUri.Parse(device.Contact), target, null), srtpOverTls: !srtpOff));
    }

    [Fact]
    public void A_description_prepared_for_a_leg_without_tls_loses_its_keys()
    {
        var clear = new LegSdp();
        var sent = clear.Prepare(Keyed, SdpShape.Verbatim);
        Assert.False(SdpKeys.HasKeys(sent));
        Assert.False(SdpKeys.HasKeys(clear.LastSent));

        var tls = new LegSdp { KeysAllowed = true };
        Assert.Equal(Keyed, tls.Prepare(Keyed, SdpShape.Verbatim));
    }
}

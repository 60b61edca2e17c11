using System.Buffers;
using System.Net;
using System.Text;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Parsing;
using Acd.Sip.Sdp;
using Acd.Sip.Transports;

namespace Acd.Sip.Tests;

public sealed class SdpAndFramingTests
{
    private const string Offer = "v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n" +
                                 "m=audio 49170 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n" +
                                 "m=video 51372 RTP/AVP 31\r\na=recvonly\r\n";

    [Fact]
    public void Sdp_round_trips()
    {
        var s = SdpSession.Parse(Offer);
        Assert.Equal(2, s.Media.Count);
        Assert.Equal(["0", "8", "101"], s.Media[0].Formats);
        Assert.Equal(Offer, s.ToString());
    }

    [Fact]
    public void Hold_and_resume_follow_rfc3264()
    {
        var s = SdpSession.Parse(Offer);
        s.Hold();
        Assert.Equal(SdpDirection.SendOnly, s.EffectiveDirection(s.Media[0]));
        Assert.Equal(SdpDirection.Inactive, s.EffectiveDirection(s.Media[1]));
        Assert.True(s.IsOnHold);
        Assert.Contains("o=alice 2890844526 2890844527 ", s.ToString());
        s.Resume();
        Assert.Equal(SdpDirection.SendRecv, s.EffectiveDirection(s.Media[0]));
        Assert.False(s.IsOnHold);
        Assert.Equal(SdpDirection.RecvOnly, SdpSession.AnswerDirection(SdpDirection.SendOnly));
        Assert.Equal(SdpDirection.Inactive, SdpSession.AnswerDirection(SdpDirection.RecvOnly, SdpDirection.RecvOnly));
        Assert.Equal(SdpDirection.SendOnly, SdpSession.AnswerDirection(SdpDirection.SendRecv, SdpDirection.SendOnly));
    }

    [Fact]
    public void Bad_sdp_is_reported_not_thrown()
    {
        Assert.False(SdpSession.TryParse("garbage", out _, out var e));
        Assert.NotNull(e);
        Assert.False(SdpSession.TryParse("v=0\r\nm=audio x RTP/AVP 0\r\n", out _, out _));
    }

    [Fact]
    public void Multipart_bodies_survive_parse_and_serialize()
    {
        var body = "--b1\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n\r\n--b1\r\nContent-Type: application/isup\r\n\r\nxx\r\n--b1--\r\n";
        var text = "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nMax-Forwards: 70\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: m\r\nCSeq: 1 INVITE\r\n" +
                   $"Content-Type: multipart/mixed;boundary=b1\r\nContent-Length: {body.Length}\r\n\r\n{body}";
        var m = SipParser.Parse(Encoding.ASCII.GetBytes(text)).Message!;
        var parts = SipMultipart.Parse(m);
        Assert.Equal(2, parts.Count);
        Assert.Equal("application/sdp", parts[0].ContentType);
        Assert.Equal("v=0\r\n", Encoding.ASCII.GetString(parts[0].Body.Span));
        var rebuilt = new SipRequest("INVITE", m is SipRequest r ? r.RequestUri : throw new InvalidOperationException());
        SipMultipart.SetBody(rebuilt, parts, "b2");
        var again = SipMultipart.Parse(SipParser.Parse(rebuilt.ToBytes()).Message!);
        Assert.Equal(parts.Select(p => p.ContentType), again.Select(p => p.ContentType));
    }

    [Fact]
    public void Stream_framer_waits_for_body_and_skips_keepalives()
    {
        var msg = Msg.Request("OPTIONS");
        msg.SetBody("text/plain", "hello");
        var bytes = msg.ToBytes();
        Assert.Equal(SipFrameStatus.NeedMoreData, SipStreamFramer.TryFrame(new ReadOnlySequence<byte>(bytes.AsMemory(0, bytes.Length - 2)), out _));
        Assert.Equal(SipFrameStatus.Message, SipStreamFramer.TryFrame(new ReadOnlySequence<byte>(bytes), out var len));
        Assert.Equal(bytes.Length, len);
        var ka = Encoding.ASCII.GetBytes("\r\n\r\n");
        Assert.Equal(SipFrameStatus.KeepAlive, SipStreamFramer.TryFrame(new ReadOnlySequence<byte>(ka), out var kl));
        Assert.Equal(4, kl);
        Assert.Equal(SipFrameStatus.Invalid, SipStreamFramer.TryFrame(new ReadOnlySequence<byte>(TestPaths.Torture("ncl")), out _));
        Assert.Equal(SipFrameStatus.Invalid, SipStreamFramer.TryFrame(new ReadOnlySequence<byte>(TestPaths.Torture("mcl01")), out _));
        // Two messages back to back in one read are framed one at a time.
        var two = bytes.Concat(bytes).ToArray();
        Assert.Equal(SipFrameStatus.Message, SipStreamFramer.TryFrame(new ReadOnlySequence<byte>(two), out var first));
        Assert.Equal(bytes.Length, first);
        var parsed = SipParser.Parse(two.AsSpan(0, (int)first), SipParseMode.Stream);
        Assert.Equal("hello", parsed.Message!.BodyText);
    }

    [Fact]
    public void Stream_mode_parse_reports_incomplete()
    {
        var bytes = Msg.Request("OPTIONS").ToBytes();
        Assert.Equal(SipParseError.Incomplete, SipParser.Parse(bytes.AsSpan(0, 40), SipParseMode.Stream).Error);
    }

    [Fact]
    public async Task Stack_stamps_received_and_rport_and_answers_bad_requests_statelessly()
    {
        var wire = new FakeTransport(SipTransportKind.Udp, new IPEndPoint(IPAddress.Loopback, 5060));
        await using var stack = new SipStack();
        stack.AddTransport(wire);
        stack.Transactions.Attach(new RecordingTransactionUser { OnRequestAction = t => t.Respond(t.CreateResponse(200)) });
        var natted = new IPEndPoint(IPAddress.Parse("198.51.100.7"), 40000);
        stack.Receive(Msg.Request("OPTIONS").ToBytes(), false, new SipInboundContext(SipTransportKind.Udp, wire.LocalEndPoint, natted, 0));
        var (resp, target) = Assert.Single(wire.Sent);
        Assert.Equal(natted, target.EndPoint);
        Assert.Equal("198.51.100.7", resp.TopVia!.Received);
        Assert.Equal(40000, resp.TopVia.RportValue);

        stack.Receive(TestPaths.Torture("badinv01"), false, new SipInboundContext(SipTransportKind.Udp, wire.LocalEndPoint, natted, 0));
        Assert.Equal(400, ((SipResponse)wire.Sent[^1].Message).StatusCode);
        var before = wire.Sent.Count;
        stack.Receive(TestPaths.Torture("bigcode"), false, new SipInboundContext(SipTransportKind.Udp, wire.LocalEndPoint, natted, 0));
        stack.Receive(Encoding.ASCII.GetBytes("\r\n\r\n"), false, new SipInboundContext(SipTransportKind.Udp, wire.LocalEndPoint, natted, 0));
        Assert.Equal(before, wire.Sent.Count);
    }
}

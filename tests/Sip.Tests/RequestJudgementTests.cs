using System.Text;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Parsing;
using Acd.Sip.Uris;

namespace Acd.Sip.Tests;

/// <summary>Syntax and protocol checks that decide a request before any application (or digest) sees it.</summary>
public sealed class RequestJudgementTests
{
    private static readonly SipValidationOptions Edge = new() { AllowedMethods = [SipMethods.Invite, SipMethods.Ack, SipMethods.Bye, SipMethods.Cancel, SipMethods.Options, SipMethods.Register] };

    private static SipInboundDecision Judge(string method, string extraHeaders = "", string body = "", string via = "z9hG4bK-1", bool maxForwards = true, string? cseqMethod = null)
    {
        var text = $"{method} sip:queue@acd.example.com SIP/2.0\r\n"
            + $"Via: SIP/2.0/UDP 192.0.2.1:5060{(via.Length > 0 ? ";branch=" + via : "")}\r\n"
            + "From: <sip:caller@example.com>;tag=1\r\n"
            + "To: <sip:queue@acd.example.com>\r\n"
            + "Call-ID: judge-1\r\n"
            + $"CSeq: 1 {cseqMethod ?? method}\r\n"
            + (maxForwards ? "Max-Forwards: 70\r\n" : "")
            + extraHeaders
            + $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n" + body;
        return SipRequestValidator.Evaluate(SipParser.Parse(Encoding.UTF8.GetBytes(text)), Edge);
    }

    [Theory]
    [InlineData("From: <sip:other@example.com>;tag=2\r\n", "duplicate From header")]
    [InlineData("To: <sip:queue@acd.example.com>\r\n", "duplicate To header")]
    [InlineData("Call-ID: judge-2\r\n", "duplicate Call-ID header")]
    [InlineData("CSeq: 2 OPTIONS\r\n", "duplicate CSeq header")]
    [InlineData("Max-Forwards: 69\r\n", "duplicate Max-Forwards header")]
    [InlineData("Expires: 60\r\nExpires: 70\r\n", "duplicate Expires header")]
    [InlineData("Date: Fri, 01 Jan 2010 16:00:00 EST\r\n", "invalid Date header")]
    [InlineData("Expires: 99999999999\r\n", "invalid Expires header")]
    public void A_single_valued_header_twice_or_malformed_is_400_naming_it(string extra, string reason)
    {
        var decision = Judge(SipMethods.Options, extra);
        Assert.Equal(SipInboundAction.Respond, decision.Action);
        Assert.Equal(400, decision.Response!.StatusCode);
        Assert.Contains(reason, decision.Response.ReasonPhrase, StringComparison.Ordinal);
    }

    [Fact]
    public void A_date_in_gmt_is_fine()
    {
        Assert.Equal(SipInboundAction.Accept, Judge(SipMethods.Options, "Date: Sat, 13 Nov 2010 23:29:00 GMT\r\n").Action);
    }

    [Fact]
    public void An_unknown_method_is_501_and_a_registered_one_the_element_does_not_serve_is_405_with_allow()
    {
        var unknown = Judge("FROBNICATE");
        Assert.Equal(501, unknown.Response!.StatusCode);

        var message = Judge(SipMethods.Message);
        Assert.Equal(405, message.Response!.StatusCode);
        Assert.Equal("INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER", message.Response.Headers[SipHeaderNames.Allow]);
    }

    [Fact]
    public void A_method_with_unusual_token_characters_parses()
    {
        var result = SipParser.Parse(Encoding.UTF8.GetBytes("!interesting-Method0123456789_*+`.%indeed'~ sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
            + "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 !interesting-Method0123456789_*+`.%indeed'~\r\nMax-Forwards: 1\r\nContent-Length: 0\r\n\r\n"));
        Assert.True(result.Success, result.ToString());
        Assert.Equal("!interesting-Method0123456789_*+`.%indeed'~", ((SipRequest)result.Message!).Method);
    }

    [Fact]
    public void An_invite_body_the_element_cannot_read_is_415_with_accept()
    {
        var decision = Judge(SipMethods.Invite, "Content-Type: application/unknownformat\r\n", "<audio/>");
        Assert.Equal(415, decision.Response!.StatusCode);
        Assert.Equal("application/sdp, multipart/mixed", decision.Response.Headers[SipHeaderNames.Accept]);
    }

    [Fact]
    public void A_body_without_content_type_is_400()
    {
        var decision = Judge(SipMethods.Invite, body: "v=0\r\n");
        Assert.Equal(400, decision.Response!.StatusCode);
        Assert.Contains("Content-Type", decision.Response.ReasonPhrase, StringComparison.Ordinal);
    }

    [Fact]
    public void An_invite_whose_accept_rules_out_sdp_is_406()
    {
        Assert.Equal(406, Judge(SipMethods.Invite, "Accept: text/nobodyKnowsThis\r\n").Response!.StatusCode);
        Assert.Equal(SipInboundAction.Accept, Judge(SipMethods.Invite, "Accept: application/sdp;level=1, text/html\r\n").Action);
    }

    [Fact]
    public void A_register_needs_a_sip_address_of_record()
    {
        var text = "REGISTER sip:acd.example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <http://www.example.com>;tag=1\r\n"
            + "To: isbn:2983792873\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
        var decision = SipRequestValidator.Evaluate(SipParser.Parse(Encoding.UTF8.GetBytes(text)), Edge);
        Assert.Equal(400, decision.Response!.StatusCode);
    }

    [Fact]
    public void An_rfc2543_request_may_lack_max_forwards_but_an_rfc3261_one_may_not()
    {
        Assert.Equal(SipInboundAction.Accept, Judge(SipMethods.Options, via: "", maxForwards: false).Action);
        var modern = Judge(SipMethods.Options, maxForwards: false);
        Assert.Equal(400, modern.Response!.StatusCode);
        Assert.Contains("Max-Forwards", modern.Response.ReasonPhrase, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bare_magic_cookie_is_no_rfc3261_branch()
    {
        Assert.True(SipVia.TryParse("SIP/2.0/UDP h;branch=z9hG4bK", out var bare));
        Assert.False(bare!.IsRfc3261Branch);
        Assert.True(SipVia.TryParse("SIP/2.0/UDP h;branch=z9hG4bKx", out var real));
        Assert.True(real!.IsRfc3261Branch);
    }

    [Fact]
    public void A_user_part_may_hold_question_marks_and_semicolons()
    {
        var uri = SipUri.Parse("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com");
        Assert.Equal("example.com", uri.Host);
        Assert.Equal("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*", uri.User);

        // A URI header value with an unescaped '@' still reads as a header, not a user part.
        var withHeader = SipUri.Parse("sip:alice@example.com?Refer-To=sip:bob@example.org");
        Assert.Equal("alice", withHeader.User);
        Assert.Equal("example.com", withHeader.Host);
        Assert.Equal("sip:bob@example.org", withHeader.Headers["Refer-To"]);
    }

    [Fact]
    public void Whitespace_inside_angle_brackets_is_malformed()
    {
        Assert.False(SipNameAddress.TryParse("\"Watson, Thomas\" < sip:t.watson@example.org >", out _, out var error));
        Assert.Contains("whitespace", error, StringComparison.Ordinal);
    }
}

using System.Text;
using Acd.Sip.Auth;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Parsing;
using Acd.Sip.Uris;

namespace Acd.Sip.Tests;

/// <summary>RFC 4475 torture messages from ../shared/sip-torture with the verdicts of INDEX.tsv.</summary>
public sealed class ConformanceTests
{
    public static TheoryData<string, string> Cases()
    {
        var d = new TheoryData<string, string>();
        foreach (var e in TestPaths.Index()) d.Add(e.Tag, e.Expected);
        return d;
    }

    // The specific handling INDEX.tsv/RFC 4475 asks for, as (UAS verdict, status code).
    private static readonly Dictionary<string, (SipInboundAction Action, int Code)> Expected = new()
    {
        ["baddn"] = (SipInboundAction.Respond, 400),
        ["badinv01"] = (SipInboundAction.Respond, 400),
        ["bext01"] = (SipInboundAction.Respond, 420),
        ["bigcode"] = (SipInboundAction.Drop, 0),
        ["cparam01"] = (SipInboundAction.Accept, 0),
        ["dblreq"] = (SipInboundAction.Accept, 0),
        ["esc01"] = (SipInboundAction.Accept, 0),
        ["escnull"] = (SipInboundAction.Accept, 0),
        ["escruri"] = (SipInboundAction.Respond, 400),
        ["insuf"] = (SipInboundAction.Respond, 400),
        ["ltgtruri"] = (SipInboundAction.Respond, 400),
        ["lwsdisp"] = (SipInboundAction.Accept, 0),
        ["lwsstart"] = (SipInboundAction.Respond, 400),
        ["mcl01"] = (SipInboundAction.Respond, 400),
        ["mismatch01"] = (SipInboundAction.Respond, 400),
        ["ncl"] = (SipInboundAction.Respond, 400),
        ["novelsc"] = (SipInboundAction.Respond, 416),
        ["regaut01"] = (SipInboundAction.Accept, 0),
        ["regbadct"] = (SipInboundAction.Respond, 400),
        ["regescrt"] = (SipInboundAction.Accept, 0),
        ["scalarlg"] = (SipInboundAction.Drop, 0),
        ["transports"] = (SipInboundAction.Accept, 0),
        ["unreason"] = (SipInboundAction.Accept, 0),
        ["wsinv"] = (SipInboundAction.Accept, 0),
        ["zeromf"] = (SipInboundAction.Accept, 0),
    };

    [Fact]
    public void Every_indexed_message_has_an_expectation()
    {
        var tags = TestPaths.Index().Select(e => e.Tag).ToList();
        Assert.Equal(25, tags.Count);
        Assert.All(tags, t => Assert.True(Expected.ContainsKey(t), t));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Torture_message_gets_expected_verdict(string tag, string expected)
    {
        var bytes = TestPaths.Torture(tag);
        var result = SipParser.Parse(bytes);
        switch (expected)
        {
            case "valid":
                Assert.True(result.Success, $"{tag}: {result}");
                break;
            case "valid-but-odd":
                Assert.True(result.Success, $"{tag}: {result}");
                break;
            case "invalid":
                Assert.False(result.Success, $"{tag} must not parse cleanly");
                Assert.False(string.IsNullOrEmpty(result.Detail));
                var decisionInvalid = SipRequestValidator.Evaluate(result);
                Assert.NotEqual(SipInboundAction.Accept, decisionInvalid.Action);
                break;
            default:
                Assert.Fail("unknown verdict " + expected);
                break;
        }
        var decision = SipRequestValidator.Evaluate(result);
        var (action, code) = Expected[tag];
        Assert.True(action == decision.Action, $"{tag}: {decision.Action} {decision.Response?.StatusCode} {decision.Reason}");
        if (action == SipInboundAction.Respond)
        {
            Assert.Equal(code, decision.Response!.StatusCode);
            Assert.False(string.IsNullOrWhiteSpace(decision.Response.ReasonPhrase));
            // The stateless answer must be readable again (it echoes the bad Via/From verbatim, as RFC 3261 8.2.6 asks).
            var reparsed = SipParser.Parse(decision.Response.ToBytes());
            Assert.Equal(code, Assert.IsType<SipResponse>(reparsed.Message).StatusCode);
        }
    }

    [Fact]
    public void Bad_requests_get_400_naming_the_problem()
    {
        var d = SipRequestValidator.Evaluate(SipParser.Parse(TestPaths.Torture("badinv01")));
        Assert.Contains("Via", d.Response!.ReasonPhrase);
        d = SipRequestValidator.Evaluate(SipParser.Parse(TestPaths.Torture("insuf")));
        Assert.Equal("Missing To, From, Call-ID, Max-Forwards headers", d.Response!.ReasonPhrase);
        d = SipRequestValidator.Evaluate(SipParser.Parse(TestPaths.Torture("ncl")));
        Assert.Contains("Content-Length", d.Response!.ReasonPhrase);
        d = SipRequestValidator.Evaluate(SipParser.Parse(TestPaths.Torture("mcl01")));
        Assert.Contains("Content-Length", d.Response!.ReasonPhrase);
        d = SipRequestValidator.Evaluate(SipParser.Parse(TestPaths.Torture("escruri")));
        Assert.Contains("headers", d.Response!.ReasonPhrase);
        Assert.Equal(SipParseError.InvalidStartLine, SipParser.Parse(TestPaths.Torture("lwsstart")).Error);
        Assert.Equal(SipParseError.InvalidRequestUri, SipParser.Parse(TestPaths.Torture("ltgtruri")).Error);
        Assert.Equal(SipParseError.CSeqMethodMismatch, SipParser.Parse(TestPaths.Torture("mismatch01")).Error);
        Assert.Equal(SipParseError.InvalidStatusCode, SipParser.Parse(TestPaths.Torture("bigcode")).Error);
        Assert.Null(SipParser.Parse(TestPaths.Torture("bigcode")).Message);
        Assert.Equal(SipParseError.InvalidHeaderValue, SipParser.Parse(TestPaths.Torture("scalarlg")).Error);
    }

    [Fact]
    public void Bext01_420_lists_unsupported_require_tags_only()
    {
        var d = SipRequestValidator.Evaluate(SipParser.Parse(TestPaths.Torture("bext01")));
        Assert.Equal("nothingSupportsThis, nothingSupportsThisEither", d.Response!.Headers[SipHeaderNames.Unsupported]);
        var asProxy = SipRequestValidator.Evaluate(SipParser.Parse(TestPaths.Torture("bext01")), SipValidationOptions.Proxy);
        Assert.Equal("noProxiesSupportThis, norDoAnyProxiesSupportThis", asProxy.Response!.Headers[SipHeaderNames.Unsupported]);
    }

    [Fact]
    public void Zeromf_is_processed_by_a_uas_but_a_proxy_answers_483()
    {
        var r = SipParser.Parse(TestPaths.Torture("zeromf"));
        Assert.Equal(SipInboundAction.Accept, SipRequestValidator.Evaluate(r).Action);
        var proxy = SipRequestValidator.Evaluate(r, SipValidationOptions.Proxy);
        Assert.Equal(483, proxy.Response!.StatusCode);
    }

    [Fact]
    public void Novelsc_parses_and_a_proxy_may_route_it()
    {
        var r = SipParser.Parse(TestPaths.Torture("novelsc"));
        var req = Assert.IsType<SipRequest>(r.Message);
        Assert.Equal("soap.beep", req.RequestUri.Scheme);
        Assert.Equal(SipInboundAction.Accept, SipRequestValidator.Evaluate(r, SipValidationOptions.Proxy).Action);
    }

    [Fact]
    public async Task Regaut01_unknown_auth_scheme_is_challenged_not_crashed()
    {
        var req = (SipRequest)SipParser.Parse(TestPaths.Torture("regaut01")).Message!;
        var server = new DigestServer(new DigestServerOptions { Realm = "example.com" }, new NoUsers());
        var result = await server.VerifyAsync(req);
        Assert.Equal(DigestVerifyOutcome.Challenge, result.Outcome);
        Assert.Equal(401, result.Response!.StatusCode);
        Assert.StartsWith("Digest ", result.Response.Headers[SipHeaderNames.WwwAuthenticate]);
    }

    private sealed class NoUsers : IDigestCredentialStore
    {
        public ValueTask<string?> GetHa1Async(string username, string realm, DigestAlgorithm algorithm, CancellationToken cancellationToken = default) => ValueTask.FromResult<string?>(null);
    }

    [Fact]
    public void Wsinv_legal_oddities_are_understood()
    {
        var r = SipParser.Parse(TestPaths.Torture("wsinv"));
        var m = Assert.IsType<SipRequest>(r.Message);
        Assert.Equal("INVITE", m.Method);
        Assert.Equal("1918181833n", m.To!.Tag);
        Assert.Equal("J Rosenberg \\\"", m.From!.DisplayName);
        Assert.Equal("98asjd8", m.From.Tag);
        Assert.Equal(68, m.MaxForwards);
        Assert.Equal(new SipCSeq(9, "INVITE"), m.CSeq);
        Assert.Equal(3, m.Vias.Count);
        Assert.Equal("UDP", m.Vias[0].Transport);
        Assert.Equal("192.0.2.2", m.Vias[0].Host);
        Assert.Equal("390skdjuw", m.Vias[0].Branch);
        Assert.Equal("TCP", m.Vias[1].Transport);
        Assert.Equal("spindle.example.com", m.Vias[1].Host);
        Assert.Equal("z9hG4bK30239", m.Vias[2].Branch);
        Assert.Equal("", m.Headers["Subject"]);
        Assert.Equal("newfangled value continued newfangled value", m.Headers["NewFangledHeader"]);
        Assert.Equal(";;,,;;,;", m.Headers["UnknownHeaderWithUnusualValue"]);
        Assert.True(m.Routes[0].Uri.LooseRouting);
        var contact = Assert.Single(m.Contacts);
        Assert.Equal("Quoted string \"\"", contact.DisplayName);
        Assert.Equal("newvalue", contact.Parameters["newparam"]);
        Assert.True(contact.Parameters.Contains("secondparam"));
        Assert.Equal("0.33", contact.Parameters["q"]);
        Assert.Equal(150, m.Body.Length);
    }

    [Fact]
    public void Esc01_escaped_and_unescaped_forms_compare_equal()
    {
        var m = (SipRequest)SipParser.Parse(TestPaths.Torture("esc01")).Message!;
        Assert.Equal("sips:user@example.com", m.RequestUri.UserUnescaped);
        Assert.Equal(SipUri.Parse("sip:user@example.com"), m.To!.Uri);
        Assert.Equal("I have spaces", m.From!.Uri.UserUnescaped);
        var c = Assert.Single(m.Contacts).Uri;
        Assert.Equal(SipUri.Parse("sip:caller@host5.example.net;lr;name=value%41"), c);
        Assert.Equal(SipUri.Parse("sip:caller@host5.example.net;lr;name=valueA"), c);
    }

    [Fact]
    public void Escnull_keeps_nuls_and_distinct_contacts()
    {
        var m = (SipRequest)SipParser.Parse(TestPaths.Torture("escnull")).Message!;
        Assert.Equal("null-\0-null", m.To!.Uri.UserUnescaped);
        Assert.Equal(2, m.Contacts.Count);
        Assert.Equal("\0", m.Contacts[0].Uri.UserUnescaped);
        Assert.Equal("\0\0", m.Contacts[1].Uri.UserUnescaped);
        Assert.NotEqual(m.Contacts[0].Uri, m.Contacts[1].Uri);
    }

    [Fact]
    public void Dblreq_processes_only_the_first_message()
    {
        var bytes = TestPaths.Torture("dblreq");
        var r = SipParser.Parse(bytes);
        var m = Assert.IsType<SipRequest>(r.Message);
        Assert.Equal("REGISTER", m.Method);
        Assert.True(r.BytesConsumed < bytes.Length);
        Assert.True(m.Body.IsEmpty);
    }

    [Fact]
    public void Cparam01_unknownparam_is_a_contact_parameter()
    {
        var m = SipParser.Parse(TestPaths.Torture("cparam01")).Message!;
        var c = Assert.Single(m.Contacts);
        Assert.True(c.Parameters.Contains("unknownparam"));
        Assert.Equal(0, c.Uri.Parameters.Count);
        Assert.Equal("+19725552222", c.Uri.User);
    }

    [Fact]
    public void Regescrt_contact_keeps_its_escaped_route_header()
    {
        var m = SipParser.Parse(TestPaths.Torture("regescrt")).Message!;
        var c = Assert.Single(m.Contacts);
        Assert.Equal("%3Csip:sip.example.com%3E", c.Uri.Headers["Route"]);
        Assert.Equal("sip:user@example.com?Route=%3Csip:sip.example.com%3E", c.Uri.ToString());
    }

    [Fact]
    public void Transports_all_via_entries_parse()
    {
        var m = SipParser.Parse(TestPaths.Torture("transports")).Message!;
        Assert.Equal(["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"], m.Vias.Select(v => v.Transport));
    }

    [Fact]
    public void Unreason_reason_phrase_is_utf8()
    {
        var m = Assert.IsType<SipResponse>(SipParser.Parse(TestPaths.Torture("unreason")).Message);
        Assert.Equal(200, m.StatusCode);
        Assert.StartsWith("= 2**3 * 5**2 но сто", m.ReasonPhrase);
    }

    [Fact]
    public void Lwsdisp_token_display_name_without_space()
    {
        var m = SipParser.Parse(TestPaths.Torture("lwsdisp")).Message!;
        Assert.Equal("caller", m.From!.DisplayName);
    }

    [Theory]
    [InlineData("wsinv")]
    [InlineData("esc01")]
    [InlineData("escnull")]
    [InlineData("cparam01")]
    [InlineData("regescrt")]
    [InlineData("transports")]
    [InlineData("unreason")]
    [InlineData("lwsdisp")]
    [InlineData("zeromf")]
    [InlineData("bext01")]
    [InlineData("novelsc")]
    [InlineData("regaut01")]
    [InlineData("insuf")]
    public void Serialize_then_parse_round_trips(string tag)
    {
        var first = SipParser.Parse(TestPaths.Torture(tag)).Message!;
        var bytes = first.ToBytes();
        var second = SipParser.Parse(bytes);
        Assert.True(second.Success, second.ToString());
        var m2 = second.Message!;
        Assert.Equal(first.Headers.Count(h => h.Name != SipHeaderNames.ContentLength), m2.Headers.Count(h => h.Name != SipHeaderNames.ContentLength));
        Assert.Equal(first.Headers.Where(h => h.Name != SipHeaderNames.ContentLength), m2.Headers.Where(h => h.Name != SipHeaderNames.ContentLength));
        Assert.Equal(first.Body.ToArray(), m2.Body.ToArray());
        Assert.Equal(bytes, m2.ToBytes());
        Assert.Equal(first.Vias.Select(v => v.ToString()), m2.Vias.Select(v => v.ToString()));
        Assert.Equal(first.From?.Uri, m2.From?.Uri);
    }

    [Fact]
    public void Built_message_round_trips_with_typed_headers()
    {
        var req = new SipRequest(SipMethods.Invite, SipUri.Parse("sip:queue-1@acd.example.com"));
        req.Headers.Add("Via", new SipVia("UDP", "10.0.0.1", 5060, "z9hG4bKabc").ToString());
        req.From = new SipNameAddress(SipUri.Parse("sip:alice@example.com"), "Alice \"A\"").WithTag("t1");
        req.To = new SipNameAddress(SipUri.Parse("sip:queue-1@acd.example.com"));
        req.CallId = "c1@x";
        req.CSeq = new SipCSeq(1, SipMethods.Invite);
        req.MaxForwards = 70;
        req.Headers.Add("m", "<sip:alice@10.0.0.1:5060;transport=udp>;+sip.instance=\"<urn:uuid:1>\"");
        req.SetBody("application/sdp", "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n");
        var parsed = SipParser.Parse(req.ToBytes(), SipParseMode.Stream);
        Assert.True(parsed.Success, parsed.ToString());
        var m = (SipRequest)parsed.Message!;
        Assert.Equal("Alice \"A\"", m.From!.DisplayName);
        Assert.Equal("t1", m.From.Tag);
        Assert.Equal("z9hG4bKabc", m.TopVia!.Branch);
        Assert.True(m.TopVia.HasRport);
        Assert.Equal(6, m.Headers.ToList().FindIndex(h => h.Name == "Contact"));
        Assert.Equal("\"<urn:uuid:1>\"", m.Contacts[0].Parameters["+sip.instance"]);
        Assert.Equal(req.Body.ToArray(), m.Body.ToArray());
        Assert.Contains("Content-Length: " + req.Body.Length + "\r\n", Encoding.ASCII.GetString(m.ToBytes()));
    }
}

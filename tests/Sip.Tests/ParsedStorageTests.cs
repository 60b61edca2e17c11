using System.Text;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Parsing;
using Acd.Sip.Uris;

namespace Acd.Sip.Tests;

/// <summary>
/// A parsed message keeps one copy of its bytes, header values as slices turned into strings on first
/// read, typed headers and the Request-URI built lazily (issue 16): what it returns and refuses must not change.
/// </summary>
public sealed class ParsedStorageTests
{
    private const string Sdp = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n";

    private static readonly string Invite =
        "INVITE sip:queue-sales@acd.example.com;transport=udp SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "To: \"Sales\" <sip:queue-sales@acd.example.com>\r\n" +
        "From: \"Al \\\"the\\\" ice\" <sip:alice@example.com>;tag=1928301774\r\n" +
        "Call-ID: a84b4c76e66710@pc33.example.com\r\n" +
        "CSeq: 314159 INVITE\r\n" +
        "Contact: <sip:alice@192.0.2.10:5060>\r\n" +
        "X-Custom: one\r\n" +
        "Subject: first line\r\n   folded\tsecond\r\n" +
        "x-CUSTOM: two\r\n" +
        "Content-Type: application/sdp\r\n" +
        $"Content-Length: {Sdp.Length}\r\n\r\n" + Sdp;

    /// <summary>The INVITE without its folded line (folding is not kept) and without extension headers.</summary>
    private static readonly string PlainInvite = Invite.Replace("Subject: first line\r\n   folded\tsecond\r\n", "").Replace("X-Custom: one\r\n", "").Replace("x-CUSTOM: two\r\n", "");

    private static SipRequest ParseInvite()
    {
        var r = SipParser.Parse(Encoding.ASCII.GetBytes(Invite));
        Assert.True(r.Success, r.ToString());
        return (SipRequest)r.Message!;
    }

    [Fact]
    public void Values_are_read_as_received_and_cached_once_made_strings()
    {
        var m = ParseInvite();
        Assert.Equal(12, m.Headers.Count);
        var callId = m.Headers[SipHeaderNames.CallId];
        Assert.Equal("a84b4c76e66710@pc33.example.com", callId);
        Assert.Same(callId, m.Headers["i"]);
        Assert.Same(m.Headers["From"], m.Headers["f"]);
        Assert.Same(callId, m.CallId);
        Assert.Equal(new SipHeader(SipHeaderNames.From, "\"Al \\\"the\\\" ice\" <sip:alice@example.com>;tag=1928301774"), m.Headers[3]);
        Assert.Equal("Al \"the\" ice", m.From!.DisplayName);
        Assert.Equal("1928301774", m.From.Tag);
        Assert.Equal("z9hG4bK776asdhds", m.TopVia!.Branch);
        Assert.Equal(314159u, m.CSeq!.Number);
        Assert.Equal(70, m.MaxForwards);
        Assert.Equal("sip:alice@192.0.2.10:5060", m.Contacts[0].Uri.ToString());
        Assert.Equal(Sdp, m.BodyText);
    }

    [Fact]
    public void Folded_values_are_unfolded_and_unknown_names_keep_their_spelling()
    {
        var m = ParseInvite();
        Assert.Equal("first line folded\tsecond", m.Headers[SipHeaderNames.Subject]);
        Assert.Equal(["one", "two"], m.Headers.GetAll("X-CUSTOM"));
        Assert.Equal(2, m.Headers.CountOf("x-custom"));
        Assert.Equal(["X-Custom", "x-CUSTOM"], m.Headers.Where(h => h.Value is "one" or "two").Select(h => h.Name));
        var text = Encoding.ASCII.GetString(m.ToBytes());
        Assert.Contains("\r\nSubject: first line folded\tsecond\r\n", text);
        Assert.Contains("\r\nx-CUSTOM: two\r\n", text);
        Assert.Contains("\r\nFrom: \"Al \\\"the\\\" ice\" <sip:alice@example.com>;tag=1928301774\r\n", text);
    }

    [Fact]
    public void Non_ascii_values_are_decoded_as_utf8()
    {
        var bytes = Encoding.UTF8.GetBytes(PlainInvite.Replace("\"Sales\"", "\"Ventes équipe\""));
        var m = SipParser.Parse(bytes).Message!;
        Assert.Equal("Ventes équipe", m.To!.DisplayName);
        Assert.Equal(bytes, m.ToBytes());
    }

    [Fact]
    public void Request_uri_is_built_on_first_use_and_can_be_replaced()
    {
        var bytes = Encoding.ASCII.GetBytes(PlainInvite);
        var m = (SipRequest)SipParser.Parse(bytes).Message!;
        Assert.Equal(bytes, m.ToBytes());
        Assert.Equal("queue-sales", m.RequestUri.User);
        Assert.Equal("udp", m.RequestUri.Transport);
        Assert.Same(m.RequestUri, m.RequestUri);
        var clone = m.Clone();
        clone.RequestUri = SipUri.Parse("sip:agent-7@10.0.0.7:5070");
        Assert.StartsWith("INVITE sip:agent-7@10.0.0.7:5070 SIP/2.0\r\n", Encoding.ASCII.GetString(clone.ToBytes()));
        Assert.StartsWith("INVITE sip:queue-sales@acd.example.com;transport=udp SIP/2.0\r\n", Encoding.ASCII.GetString(m.ToBytes()));
    }

    [Fact]
    public void Clone_of_a_parsed_request_keeps_a_lazy_uri_and_its_own_headers()
    {
        var m = ParseInvite();
        var clone = m.Clone();
        Assert.Equal(m.RequestUri, clone.RequestUri);
        clone.Headers.AddFirst(SipHeaderNames.Via, "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKproxy");
        clone.Headers.Set(SipHeaderNames.MaxForwards, "69");
        Assert.Equal(2, clone.Vias.Count);
        Assert.Single(m.Vias);
        Assert.Equal(70, m.MaxForwards);
        Assert.Equal(69, clone.MaxForwards);
        Assert.Equal(m.Body.ToArray(), clone.Body.ToArray());
    }

    [Fact]
    public void Mutation_after_parse_mixes_received_and_added_values()
    {
        var m = ParseInvite();
        _ = m.Headers[SipHeaderNames.To]; // one value already a string before the table moves
        m.Headers.AddFirst(SipHeaderNames.Via, "SIP/2.0/TCP 10.0.0.1;branch=z9hG4bKtop");
        m.Headers.Add("X-Added", "added");
        m.Headers.Set("x-custom", "only");
        Assert.Equal(1, m.Headers.Remove(SipHeaderNames.Subject));
        Assert.True(m.Headers.RemoveFirst(SipHeaderNames.Contact));
        m.Headers.ReplaceAt(m.Headers.IndexOf(SipHeaderNames.CallId), "replaced@x");
        m.To = m.To!.WithTag("t2");

        Assert.Equal("z9hG4bKtop", m.TopVia!.Branch);
        Assert.Equal("z9hG4bK776asdhds", m.Vias[1].Branch);
        Assert.Equal(["only"], m.Headers.GetAll("X-Custom"));
        Assert.Empty(m.Contacts);
        Assert.Equal("replaced@x", m.CallId);
        Assert.Equal("t2", m.To!.Tag);
        Assert.Equal(
            [SipHeaderNames.Via, SipHeaderNames.Via, SipHeaderNames.MaxForwards, SipHeaderNames.To, SipHeaderNames.From, SipHeaderNames.CallId,
             SipHeaderNames.CSeq, "X-Custom", SipHeaderNames.ContentType, SipHeaderNames.ContentLength, "X-Added"],
            m.Headers.Select(h => h.Name));

        var reparsed = SipParser.Parse(m.ToBytes());
        Assert.True(reparsed.Success, reparsed.ToString());
        Assert.Equal(m.Headers.Where(h => h.Name != SipHeaderNames.ContentLength), reparsed.Message!.Headers.Where(h => h.Name != SipHeaderNames.ContentLength));
        Assert.Equal(Sdp, reparsed.Message.BodyText);
    }

    [Fact]
    public void A_response_built_from_a_parsed_request_copies_its_values_and_outlives_changes_to_it()
    {
        var m = (SipRequest)SipParser.Parse(Encoding.ASCII.GetBytes(PlainInvite)).Message!;
        _ = m.CallId; // one value already a string, the others still slices
        var ok = SipResponse.Create(m, 200, toTag: "as1");
        m.Headers.Set(SipHeaderNames.Via, "SIP/2.0/UDP 10.9.9.9;branch=z9hG4bKchanged");
        m.Headers.Remove(SipHeaderNames.CSeq);

        Assert.Equal("z9hG4bK776asdhds", ok.TopVia!.Branch);
        Assert.Equal("a84b4c76e66710@pc33.example.com", ok.CallId);
        Assert.Equal("as1", ok.To!.Tag);
        Assert.Equal("1928301774", ok.From!.Tag);
        Assert.Equal(SipMethods.Invite, ok.CSeq!.Method);
        var text = Encoding.ASCII.GetString(ok.ToBytes());
        Assert.StartsWith("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport\r\n", text);
        Assert.Contains("\r\nCSeq: 314159 INVITE\r\n", text);
        var reparsed = SipParser.Parse(ok.ToBytes());
        Assert.True(reparsed.Success, reparsed.ToString());
        Assert.Equal(ok.Headers.Where(h => h.Name != SipHeaderNames.ContentLength), reparsed.Message!.Headers.Where(h => h.Name != SipHeaderNames.ContentLength));
        ok.Headers.Add("X-After", "1");
        Assert.Equal("1", ok.Clone().Headers["x-after"]);
    }

    [Fact]
    public void Enumerating_while_changing_the_headers_is_refused()
    {
        var m = ParseInvite();
        Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var h in m.Headers) m.Headers.Add("X-Loop", h.Value);
        });
    }

    [Fact]
    public void Typed_headers_are_not_built_until_asked_and_are_refreshed_after_a_change()
    {
        var m = ParseInvite();
        var from = m.From!;
        Assert.Same(from, m.From);
        m.Headers.Set(SipHeaderNames.From, "<sip:bob@example.com>;tag=9");
        Assert.Equal("bob", m.From!.Uri.User);
    }

    [Theory]
    [InlineData("Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport", "Via: SIP/2.0/UDP 192.0.2.10:99999;branch=z9hG4bKx", "invalid Via header: invalid Via port")]
    [InlineData("Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport", "Via: SIP/2.0/UDP 192.0.2.10;branch=", "invalid Via header: parameter 'branch' has no value")]
    [InlineData("Contact: <sip:alice@192.0.2.10:5060>", "Contact: < sip:alice@192.0.2.10>", "invalid Contact header: whitespace inside <> around the URI")]
    [InlineData("Contact: <sip:alice@192.0.2.10:5060>", "Contact: sip:alice@h?x=y", "invalid Contact header: URI with headers must be enclosed in <>")]
    [InlineData("To: \"Sales\" <sip:queue-sales@acd.example.com>", "To: \"Sales <sip:queue-sales@acd.example.com>", "invalid To header: unterminated quoted display name")]
    [InlineData("CSeq: 314159 INVITE", "CSeq: 314159 BYE", "CSeq method does not match request method")]
    [InlineData("CSeq: 314159 INVITE", "CSeq: 4294967296 INVITE", "invalid CSeq header: invalid value")]
    [InlineData("Max-Forwards: 70", "Max-Forwards: 256", "invalid Max-Forwards header: not a number from 0 to 255")]
    [InlineData("Max-Forwards: 70", "Max-Forwards: 70\r\nMax-Forwards: 70", "duplicate Max-Forwards header")]
    [InlineData("Max-Forwards: 70", "Max-Forwards: 70\r\nDate: Sat, 13 Nov 2010 23:29:00 PST", "invalid Date header: not an RFC 1123 date in GMT")]
    [InlineData("Max-Forwards: 70", "Max-Forwards: 70\r\nRoute: <sip:p1.example.com;lr>,", "invalid Route header: empty address")]
    [InlineData("INVITE sip:queue-sales@acd.example.com;transport=udp SIP/2.0", "INVITE sip:queue-sales@acd.example.com?Subject=x SIP/2.0", "Request-URI must not contain headers")]
    [InlineData("INVITE sip:queue-sales@acd.example.com;transport=udp SIP/2.0", "INVITE sip:queue-sales@acd.example.com:0 SIP/2.0", "invalid Request-URI: invalid port in URI")]
    public void Malformed_core_headers_are_still_refused(string original, string replacement, string detail)
    {
        var r = SipParser.Parse(Encoding.ASCII.GetBytes(Invite.Replace(original, replacement)));
        Assert.False(r.Success);
        Assert.Equal(detail, r.Detail);
        Assert.NotNull(r.Message);
    }

    [Theory]
    [MemberData(nameof(TortureTags))]
    public void Span_validation_agrees_with_the_typed_parsers_on_every_torture_header(string tag)
    {
        var m = SipParser.Parse(TestPaths.Torture(tag)).Message;
        if (m is null) return; // dropped before headers: nothing to compare
        foreach (var h in m.Headers)
        {
            string? built, checkedOnly;
            bool ok, valid;
            switch (h.Name)
            {
                case SipHeaderNames.Via:
                    ok = SipVia.TryParseList(h.Value, [], out built);
                    valid = SipVia.TryValidateList(h.Value, out checkedOnly);
                    break;
                case SipHeaderNames.Contact or SipHeaderNames.Route or SipHeaderNames.RecordRoute:
                    ok = SipNameAddress.TryParseList(h.Value, [], h.Name == SipHeaderNames.Contact, out built);
                    valid = SipNameAddress.TryValidateList(h.Value, h.Name == SipHeaderNames.Contact, out checkedOnly);
                    break;
                case SipHeaderNames.From or SipHeaderNames.To:
                    ok = SipNameAddress.TryParse(h.Value, out _, out built);
                    valid = SipNameAddress.TryValidate(h.Value, out checkedOnly);
                    break;
                default:
                    continue;
            }
            Assert.Equal((ok, built), (valid, checkedOnly));
        }
        if (m is SipRequest req && req.RequestUri.IsValid)
        {
            var text = req.RequestUri.ToString();
            Assert.True(SipUri.TryValidate(text, out var error, out var hasHeaders), error);
            Assert.Equal(req.RequestUri.Headers.Count > 0, hasHeaders);
        }
    }

    public static TheoryData<string> TortureTags()
    {
        var d = new TheoryData<string>();
        foreach (var e in TestPaths.Index()) d.Add(e.Tag);
        return d;
    }

    [Fact]
    public void A_parsed_invite_allocates_about_its_own_size()
    {
        var bytes = Encoding.ASCII.GetBytes(PlainInvite);
        for (var i = 0; i < 50; i++) SipParser.Parse(bytes);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++) SipParser.Parse(bytes);
        var perMessage = (GC.GetAllocatedBytesForCurrentThread() - before) / 100.0;
        // The owned copy of the bytes with its entry table, the message and its header list; 4 KB before issue 16.
        Assert.InRange(perMessage, bytes.Length, bytes.Length + 300);
    }
}

namespace Acd.SipEdge.Tests.Judgement;

/// <summary>
/// Requests after RFC 4475's messages that are not in the shared torture set, written for this test: the same defect
/// (or oddity) as the RFC's message, addressed to the edge under test. <c>{via}</c> is the sender's host:port,
/// <c>{edge}</c> the edge's, <c>{b}</c> a fresh branch suffix, <c>{n}</c> a fresh Call-ID suffix, <c>{len}</c> the body's
/// length, <c>{BEL}</c>/<c>{NUL}</c>/<c>{DEL}</c> those control characters; <see cref="Case.Build"/> makes every line end in CRLF.
/// </summary>
public static class TortureRequests
{
    /// <summary>A case: its name, the message, and what a registrar/B2BUA must answer (null: nothing at all).</summary>
    public sealed record Case(string Name, string Rfc, string Template, int[]? Expected, string Why, string? Reason = null)
    {
        public override string ToString() => Name;

        public byte[] Build(string via, string edge, string unique)
        {
            var text = Template.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal)
                .Replace("{via}", via, StringComparison.Ordinal).Replace("{edge}", edge, StringComparison.Ordinal)
                .Replace("{b}", unique, StringComparison.Ordinal).Replace("{n}", unique, StringComparison.Ordinal)
                .Replace("{BEL}", "\a", StringComparison.Ordinal).Replace("{NUL}", "\0", StringComparison.Ordinal)
                .Replace("{DEL}", "\u007f", StringComparison.Ordinal);
            var bodyStart = text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
            var body = System.Text.Encoding.UTF8.GetByteCount(text.AsSpan(bodyStart));
            return System.Text.Encoding.UTF8.GetBytes(text.Replace("{len}", body.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        }
    }

    public static IReadOnlyList<Case> All { get; } =
    [
        new("intmeth", "3.1.1.2", """
            !interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@{edge} SIP/2.0
            Via: SIP/2.0/UDP {via};branch=z9hG4bK-.!%66*_+`'~{b}
            To: "BEL:\{BEL} NUL:\{NUL} DEL:\{DEL}" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>
            From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%="работающий";tag=_token~1'+`*%!-.
            Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\/"][?}{{n}
            CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~
            Max-Forwards: 255
            extensionHeader-!.%*+_`'~: 大停電
            Content-Length: 0


            """, [501], "a legal but unknown method parses and is refused as unknown (RFC 3261 21.5.2), not challenged"),

        new("esc02", "3.1.1.5", """
            RE%47IST%45R sip:registrar.example.com SIP/2.0
            To: "%Z%45" <sip:resource@example.com>
            From: "%Z%45" <sip:resource@example.com>;tag=f232jadfj23
            Call-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf{n}
            Via: SIP/2.0/UDP {via};branch=z9hG4bK209hwfa{b}
            CSeq: 29344 RE%47IST%45R
            Max-Forwards: 70
            Contact: <sip:alias1@host1.example.com>
            C%6Fntact: <sip:alias2@host2.example.com>
            Contact: <sip:alias3@host3.example.com>
            l: 0


            """, [501], "% is a token character in a method: RE%47IST%45R is not REGISTER but an unknown method"),

        new("longreq", "3.1.1.7", LongRequest(), [401], "about 5 KB over UDP is parsed and answered (challenged: the sender is not allow-listed)"),

        new("semiuri", "3.1.1.9", """
            OPTIONS sip:user;par=u%40example.net@{edge} SIP/2.0
            To: sip:j_user@example.com
            From: sip:caller@example.org;tag=33242
            Max-Forwards: 3
            Call-ID: semiuri.0ha0isndaksdj{n}
            CSeq: 8 OPTIONS
            Accept: application/sdp, application/pkcs7-mime, multipart/mixed, multipart/signed, message/sip, message/sipfrag
            Via: SIP/2.0/UDP {via};branch=z9hG4bKkdjuw{b}
            l: 0


            """, [200], "a user part with a semicolon is legal; OPTIONS is answered"),

        new("mpart01", "3.1.1.11", """
            MESSAGE sip:kumiko@{edge} SIP/2.0
            Via: SIP/2.0/UDP {via};branch=z9hG4bK-342-1-{b}
            Max-Forwards: 70
            To: <sip:kumiko@example.org>
            From: <sip:fuku@example.com>;tag=gsbv2qi
            Call-ID: mpart01.11e9v8{n}
            CSeq: 7 MESSAGE
            Content-Type: multipart/mixed;boundary=7a9cbec02ceef655
            Content-Length: {len}

            --7a9cbec02ceef655
            Content-Type: text/plain
            Content-Transfer-Encoding: binary

            Hello
            --7a9cbec02ceef655
            Content-Type: text/plain

            World
            --7a9cbec02ceef655--

            """, [405], "a multipart body parses; MESSAGE is a method the edge does not serve (405 with Allow), judged before digest"),

        new("clerr", "3.1.2.2", """
            INVITE sip:user@{edge} SIP/2.0
            Max-Forwards: 80
            To: sip:j.user@example.com
            From: sip:caller@example.net;tag=93942939o2
            Contact: <sip:caller@hungry.example.net>
            Call-ID: clerr.0ha0isndaksdjweiafasdk3{n}
            CSeq: 8 INVITE
            Via: SIP/2.0/UDP {via};branch=z9hG4bK-39234-23523{b}
            Content-Type: application/sdp
            Content-Length: 9999

            v=0
            o=mhandley 29739 7272939 IN IP4 192.0.2.155
            s=-
            c=IN IP4 192.0.2.155
            t=0 0
            m=audio 49217 RTP/AVP 0

            """, [400], "a datagram shorter than its Content-Length", "Content-Length"),

        new("scalar02", "3.1.2.4", """
            REGISTER sip:{edge} SIP/2.0
            Via: SIP/2.0/UDP {via};branch=z9hG4bKkdjuw{b}
            Max-Forwards: 300
            From: sip:user@example.com;tag=FEE3
            To: sip:user@example.com
            Call-ID: scalar02.k345asrl3fdbv{n}
            CSeq: 36893488147419103232 REGISTER
            Contact: <sip:user@host129.example.com>
            Expires: 1000000000000000000000
            Content-Length: 0


            """, [400], "Max-Forwards over 255 and an overflowing CSeq", "Max-Forwards"),

        new("quotbal", "3.1.2.6", """
            INVITE sip:user@{edge} SIP/2.0
            To: "Mr. J. User <sip:j.user@example.com>
            From: sip:caller@example.net;tag=93334
            Max-Forwards: 10
            Call-ID: quotbal.aksdj{n}
            Contact: <sip:caller@host59.example.net>
            CSeq: 0 INVITE
            Via: SIP/2.0/UDP {via};branch=z9hG4bKkdjuw{b}
            Content-Length: 0


            """, [400], "an unterminated quoted display name", "To header"),

        new("lwsruri", "3.1.2.8", """
            INVITE sip:user@{edge}; lr SIP/2.0
            To: sip:user@example.com;tag=3xfe-9921883-z9f
            From: sip:caller@example.net;tag=231413434
            Max-Forwards: 5
            Call-ID: lwsruri.2098asdfnczkdk{n}
            CSeq: 2130706432 INVITE
            Via: SIP/2.0/UDP {via};branch=z9hG4bKkdj{b}
            Contact: <sip:caller@host33.example.net>
            Content-Length: 0


            """, [400], "whitespace inside the Request-URI", "request line"),

        new("trws", "3.1.2.10", "OPTIONS sip:remote-target@{edge} SIP/2.0  \r\n" + """
            Via: SIP/2.0/UDP {via};branch=z9hG4bK-1w{b}
            Max-Forwards: 70
            From: <sip:remote-caller@example.net>;tag=3420
            To: <sip:remote-target@example.com>
            Call-ID: trws.iwhfjsdf{n}
            CSeq: 3882340 OPTIONS
            l: 0


            """, [400], "spaces after SIP/2.0 on the request line", "request line"),

        new("baddate", "3.1.2.12", """
            INVITE sip:user@{edge} SIP/2.0
            To: sip:user@example.com
            From: sip:caller@example.net;tag=2234923
            Max-Forwards: 70
            Call-ID: baddate.239409asdfakjkn23onasd0-3234{n}
            CSeq: 689 INVITE
            Via: SIP/2.0/UDP {via};branch=z9hG4bKkdjuw{b}
            Date: Fri, 01 Jan 2010 16:00:00 EST
            Contact: <sip:caller@host5.example.net>
            Content-Length: 0


            """, [400], "a Date header that is not in GMT", "Date header"),

        new("badaspec", "3.1.2.14", """
            OPTIONS sip:user@{edge} SIP/2.0
            Via: SIP/2.0/UDP {via};branch=z9hG4bKkdjuw{b}
            Max-Forwards: 70
            From: "Bell, Alexander" <sip:a.g.bell@example.com >;tag=43
            To: "Watson, Thomas" < sip:t.watson@example.org >
            Call-ID: badaspec.31415{n}
            CSeq: 3 OPTIONS
            Content-Length: 0


            """, [400], "spaces inside the angle brackets of From and To", "whitespace inside <>"),

        new("badvers", "3.1.2.16", """
            OPTIONS sip:t.watson@{edge} SIP/7.0
            Via: SIP/7.0/UDP {via};branch=z9hG4bKkdjuw{b}
            Max-Forwards: 70
            From: A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe
            To: T. Watson <sip:t.watson@example.org>
            Call-ID: badvers.31417{n}
            CSeq: 1 OPTIONS
            Content-Length: 0


            """, [505], "SIP/7.0"),

        new("mismatch02", "3.1.2.18", """
            NEWMETHOD sip:user@{edge} SIP/2.0
            Via: SIP/2.0/UDP {via};branch=z9hG4bKkdjuw{b}
            Max-Forwards: 70
            From: <sip:caller@example.net>;tag=34525
            To: <sip:user@example.com>
            Call-ID: mismatch02.asdfkjaweoi{n}
            CSeq: 3 INVITE
            Contact: <sip:caller@host.example.net>
            Content-Length: 0


            """, [400], "an unknown method whose CSeq says INVITE", "CSeq method"),

        new("badbranch", "3.2.1", """
            OPTIONS sip:user@{edge} SIP/2.0
            To: sip:user@example.com
            From: sip:caller@example.org;tag=33242
            Max-Forwards: 3
            Via: SIP/2.0/UDP {via};branch=z9hG4bK
            Accept: application/sdp
            Call-ID: badbranch.sadonfo23i420jv0as0derf3j3n{n}
            CSeq: 8 OPTIONS
            l: 0


            """, [200, 400], "a bare magic cookie: RFC 2543 matching or 400, never a crash"),

        new("unkscm", "3.3.2", """
            OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0
            To: sip:user@example.com
            From: sip:caller@example.net;tag=384
            Max-Forwards: 3
            Call-ID: unkscm.nasdfasser0q239nwsdfasdkl34{n}
            CSeq: 3923423 OPTIONS
            Via: SIP/2.0/UDP {via};branch=z9hG4bKkdjuw{b}
            Content-Length: 0


            """, [416], "an unknown Request-URI scheme"),

        new("unksm", "3.3.4", """
            REGISTER sip:{edge} SIP/2.0
            To: isbn:2983792873
            From: <http://www.example.com>;tag=3234233
            Call-ID: unksm.0hdasdfasdf{n}
            CSeq: 234902 REGISTER
            Max-Forwards: 70
            Via: SIP/2.0/UDP {via};branch=z9hG4bKkdjuw{b}
            Contact: <name:John_Smith>
            l: 0


            """, [400], "a registrar needs a SIP or SIPS address of record in To", "To of a REGISTER"),

        new("invut", "3.3.6", """
            INVITE sip:user@{edge} SIP/2.0
            Contact: <sip:caller@host5.example.net>
            To: sip:j.user@example.com
            From: sip:caller@example.net;tag=8392034
            Max-Forwards: 70
            Call-ID: invut.0ha0isndaksdjadsfij34n23d{n}
            CSeq: 235448 INVITE
            Via: SIP/2.0/UDP {via};branch=z9hG4bKkdjuw{b}
            Content-Type: application/unknownformat
            Content-Length: {len}

            <audio>
             <pcmu port="443"/>
            </audio>

            """, [415], "a body the edge cannot read is refused before authentication"),

        new("multi01", "3.3.8", """
            INVITE sip:user@{edge} SIP/2.0
            Via: SIP/2.0/UDP {via};branch=z9hG4bKkdjuw{b}
            Max-Forwards: 70
            CSeq: 122 INVITE
            To: sip:user@company.com
            From: sip:caller@university.edu;tag=3
            Call-ID: multi01.98asdh@192.0.2.1{n}
            Route: <sip:proxy.example.com;lr>
            From: sip:caller@university.edu;tag=2
            Call-ID: multi01.98asdh@192.0.2.2{n}
            To: sip:user@company.com
            Max-Forwards: 70
            CSeq: 123 INVITE
            Contact: <sip:caller@host5.example.net>
            l: 0


            """, [400], "single-valued headers (From, To, Call-ID, CSeq, Max-Forwards) twice", "duplicate"),

        new("cparam02", "3.3.13", """
            REGISTER sip:{edge} SIP/2.0
            Via: SIP/2.0/UDP {via};branch=z9hG4bKkdjuw{b}
            Max-Forwards: 70
            From: sip:user@example.com;tag=8
            To: sip:user@example.com
            Call-ID: cparam02.0ha0isnda977644900765@192.0.2.4{n}
            CSeq: 3 REGISTER
            Contact: <sip:user@host4.example.com;unknownparam>
            l: 0


            """, [401], "a URI parameter inside the brackets: a valid REGISTER, challenged"),

        new("sdp01", "3.3.15", """
            INVITE sip:user@{edge} SIP/2.0
            To: sip:j_user@example.com
            Contact: <sip:caller@host15.example.net>
            From: sip:caller@example.net;tag=234
            Max-Forwards: 5
            Call-ID: sdp01.ndaksdj9342dasdd{n}
            Accept: text/nobodyKnowsThis
            CSeq: 8 INVITE
            Via: SIP/2.0/UDP {via};branch=z9hG4bKkdjuw{b}
            Content-Length: {len}
            Content-Type: application/sdp

            v=0
            o=mhandley 29739 7272939 IN IP4 192.0.2.5
            s=-
            c=IN IP4 192.0.2.5
            t=0 0
            m=audio 49217 RTP/AVP 0 12
            m=video 3227 RTP/AVP 31
            a=rtpmap:31 LPC

            """, [406], "an Accept that rules out SDP: no answer could be given"),

        new("inv2543", "3.4.1", """
            INVITE sip:UserB@{edge} SIP/2.0
            Via: SIP/2.0/UDP {via}
            From: BigGuy <sip:UserA@example.com>
            To: LittleGuy <sip:UserB@example.com>
            Call-ID: inv2543.12345601@here.example.com{n}
            CSeq: 1 INVITE
            Contact: <sip:UserA@{via}>
            Content-Type: application/sdp

            v=0
            o=UserA 2890844526 2890844526 IN IP4 here.com
            s=Session SDP
            c=IN IP4 192.0.2.1
            t=0 0
            m=audio 49172 RTP/AVP 0
            a=rtpmap:0 PCMU/8000

            """, [401], "an RFC 2543 INVITE (no branch, no From tag, no Max-Forwards) is accepted and challenged"),
    ];

    /// <summary>Responses nobody asked for: parsed and dropped, never answered.</summary>
    public static IReadOnlyList<Case> Responses { get; } =
    [
        new("noreason", "3.1.1.13", """
            SIP/2.0 100 
            Via: SIP/2.0/UDP {via};branch=z9hG4bK-noreason{b}
            From: "Bob" <sip:bob@example.com>;tag=a73kszlfl
            To: <sip:bob@example.com>
            Call-ID: noreason.1j9FpLxk3uxtm8tn@example.com{n}
            CSeq: 1 REGISTER
            Content-Length: 0


            """, null, "an empty reason phrase is legal; a stray response is dropped"),

        new("bcast", "3.3.10", """
            SIP/2.0 200 OK
            Via: SIP/2.0/UDP {edge};branch=z9hG4bKghi{b}
            Via: SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK1saber23
            Call-ID: bcast.1x9Bi2l2qGxpm@example.com{n}
            CSeq: 1 INVITE
            From: <sip:caller@example.com>;tag=1b4f
            To: <sip:callee@example.net>;tag=9a2b
            Contact: <sip:callee@host1.example.net>
            Content-Length: 0


            """, null, "a response naming a broadcast address is never forwarded"),
    ];

    private static string LongRequest()
    {
        var name = new string('a', 200);
        var vias = string.Concat(Enumerable.Range(0, 34).Select(i => $"Via: SIP/2.0/TCP sip{i}.example.com;branch=z9hG4bKlong{i}\r\n"));
        var user = new string('x', 300);
        var param = string.Concat(Enumerable.Range(0, 20).Select(i => $";unknownheaderparam{i}=value{i}"));
        return "INVITE sip:" + user + "@{edge} SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP {via};branch=z9hG4bKlongreq{b}\r\n"
            + vias
            + $"To: \"I have a user name of {name}\" <sip:{user}@example.com>\r\n"
            + $"From: sip:{user}@example.net;tag=12982982{param}\r\n"
            + "Call-ID: longreq.one" + new string('r', 600) + "{n}\r\n"
            + "CSeq: 3882340 INVITE\r\n"
            + $"Unknown-{new string('L', 80)}-Name: unknown-{new string('l', 400)}-value; unknown-{new string('l', 80)}-parameter-name = unknown-{new string('l', 80)}-parameter-value\r\n"
            + "Max-Forwards: 70\r\n"
            + $"Contact: <sip:{user}@host.example.com;{new string('c', 100)}=yes>\r\n"
            + "Content-Type: application/sdp\r\n"
            + "Content-Length: 150\r\n"
            + "\r\n"
            + "v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 49217 RTP/AVP 0 12\r\nm=video 3227 RTP/AVP 31\r\na=rtpmap:31 LPC\r\n";
    }
}

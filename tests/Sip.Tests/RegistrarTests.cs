using System.Net;
using Acd.Sip.Auth;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Registrar;
using Acd.Sip.Transactions;
using Acd.Sip.Transports;
using Acd.Sip.Uris;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Sip.Tests;

public sealed class RegistrarTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly FakeSender _sender;
    private readonly SipTransactionLayer _layer;
    private readonly SipRegistrar _registrar;
    private int _n;

    private sealed class Store : IDigestCredentialStore
    {
        public ValueTask<string?> GetHa1Async(string username, string realm, DigestAlgorithm algorithm, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<string?>(DigestHash.ComputeHa1(algorithm, username, realm, "pw"));
    }

    public RegistrarTests()
    {
        _sender = new FakeSender(_time);
        _layer = new SipTransactionLayer(_sender, _time);
        _registrar = new SipRegistrar(null, new SipRegistrarOptions { MinExpires = 60 }, _time);
        _layer.Attach(new RecordingTransactionUser { OnRequestAction = tx => _registrar.HandleAsync(tx).GetAwaiter().GetResult() });
    }

    private SipResponse Register(string contact, string? expires = null, uint cseq = 1, string callId = "reg-1", Action<SipRequest>? edit = null)
    {
        var r = Msg.Request("REGISTER", branch: "z9hG4bKr" + (++_n), cseq: cseq, callId: callId);
        r.Headers.Set(SipHeaderNames.Contact, contact);
        r.Headers.Set(SipHeaderNames.To, "<sip:1001@acd.example.com>");
        if (expires is not null) r.Headers.Set(SipHeaderNames.Expires, expires);
        edit?.Invoke(r);
        _layer.Receive(r, Msg.UdpCtx);
        return (SipResponse)_sender.Sent[^1].Message;
    }

    private static readonly SipUri Aor = SipUri.Parse("sip:1001@ACD.example.com");

    [Fact]
    public void Register_refresh_expire_and_unregister()
    {
        var ok = Register("<sip:1001@192.0.2.10:5070>", "120");
        Assert.Equal(200, ok.StatusCode);
        Assert.Contains("expires=120", ok.Headers[SipHeaderNames.Contact]);
        var b = Assert.Single(_registrar.Lookup(Aor));
        Assert.Equal(Msg.Peer, b.Flow.EndPoint);
        _time.Advance(TimeSpan.FromSeconds(100));
        Assert.Equal(200, Register("<sip:1001@192.0.2.10:5070>;expires=300", cseq: 2).StatusCode);
        _time.Advance(TimeSpan.FromSeconds(100));
        Assert.Single(_registrar.Lookup(Aor));
        _time.Advance(TimeSpan.FromSeconds(201));
        Assert.Empty(_registrar.Lookup(Aor));
        Register("<sip:1001@192.0.2.10:5070>", "300", cseq: 3);
        Assert.Single(_registrar.Lookup(Aor));
        Assert.Equal(200, Register("*", "0", cseq: 4).StatusCode);
        Assert.Empty(_registrar.Lookup(Aor));
    }

    [Fact]
    public void Too_brief_interval_gets_423_with_min_expires()
    {
        var r = Register("<sip:1001@192.0.2.10:5070>", "10");
        Assert.Equal(423, r.StatusCode);
        Assert.Equal("60", r.Headers[SipHeaderNames.MinExpires]);
    }

    [Fact]
    public void Out_of_order_cseq_gets_500_and_bad_wildcard_400()
    {
        Register("<sip:1001@192.0.2.10:5070>", "300", cseq: 5);
        Assert.Equal(500, Register("<sip:1001@192.0.2.10:5070>", "300", cseq: 4).StatusCode);
        Assert.Equal(400, Register("*", "300", cseq: 6).StatusCode);
    }

    [Fact]
    public void Digest_protected_registrar_challenges_then_accepts()
    {
        var registrar = new SipRegistrar(new DigestServer(new DigestServerOptions { Realm = "acd" }, new Store(), _time), null, _time);
        SipResponse? last = null;
        var layer = new SipTransactionLayer(new CaptureSender(r => last = r), _time);
        layer.Attach(new RecordingTransactionUser { OnRequestAction = tx => registrar.HandleAsync(tx).GetAwaiter().GetResult() });
        var first = Msg.Request("REGISTER", branch: "z9hG4bKd1");
        first.Headers.Set(SipHeaderNames.To, "<sip:alice@acd>");
        layer.Receive(first, Msg.UdpCtx);
        Assert.Equal(401, last!.StatusCode);
        var second = Msg.Request("REGISTER", branch: "z9hG4bKd2", cseq: 2);
        second.Headers.Set(SipHeaderNames.To, "<sip:alice@acd>");
        Assert.True(new DigestClient("alice", "pw").TryAuthorize(last, second));
        layer.Receive(second, Msg.UdpCtx);
        Assert.Equal(200, last.StatusCode);
        Assert.Equal("alice", Assert.Single(registrar.Lookup(SipUri.Parse("sip:alice@acd"))).Username);
        // Bob's valid credentials may not register Alice's address.
        var third = Msg.Request("REGISTER", branch: "z9hG4bKd3", cseq: 3);
        third.Headers.Set(SipHeaderNames.To, "<sip:alice@acd>");
        layer.Receive(third, Msg.UdpCtx);
        Assert.Equal(401, last.StatusCode);
        var fourth = Msg.Request("REGISTER", branch: "z9hG4bKd4", cseq: 4);
        fourth.Headers.Set(SipHeaderNames.To, "<sip:alice@acd>");
        Assert.True(new DigestClient("bob", "pw").TryAuthorize(last, fourth));
        layer.Receive(fourth, Msg.UdpCtx);
        Assert.Equal(403, last.StatusCode);
    }

    private sealed class CaptureSender(Action<SipResponse> onResponse) : ISipMessageSender
    {
        public void Send(SipMessage message, Acd.Sip.Transports.SipTarget target)
        {
            if (message is SipResponse { StatusCode: > 100 } r) onResponse(r);
        }
    }
}

public sealed class ContactRouteTests
{
    [Theory]
    [InlineData("<sip:a@203.0.113.5:5060>", "UDP", "203.0.113.5:5060", SipBindingRoute.Contact)] // the contact is the source
    [InlineData("<sip:a@127.0.0.1:5090>", "UDP", "127.0.0.1:5080", SipBindingRoute.Contact)] // a device on another port of the same host
    [InlineData("<sip:a@198.51.100.7:5060>", "UDP", "203.0.113.5:5060", SipBindingRoute.Contact)] // third-party registration
    [InlineData("<sip:a@10.0.0.8:5060>", "UDP", "10.0.0.7:5060", SipBindingRoute.Contact)] // one private network, no NAT
    [InlineData("<sip:a@phone.example.com>", "UDP", "203.0.113.5:5060", SipBindingRoute.Contact)] // a name to resolve
    [InlineData("<sip:a@192.168.1.20:5060>", "UDP", "203.0.113.5:40312", SipBindingRoute.Flow)] // NAT: private contact, public source
    [InlineData("<sip:a@10.1.2.3:5060>", "UDP", "192.168.0.1:5060", SipBindingRoute.Flow)] // NAT between two private networks
    [InlineData("<sip:a@100.64.3.4:5060>", "UDP", "203.0.113.5:5060", SipBindingRoute.Flow)] // carrier-grade NAT
    [InlineData("<sip:a@127.0.0.1:5060>", "UDP", "203.0.113.5:5060", SipBindingRoute.Flow)] // loopback seen from elsewhere
    [InlineData("<sip:a@0.0.0.0:5060>", "UDP", "203.0.113.5:5060", SipBindingRoute.Flow)]
    [InlineData("<sip:a@df7jal23ls0d.invalid;transport=ws>", "WS", "203.0.113.5:51000", SipBindingRoute.Flow)] // RFC 7118 browser
    [InlineData("<sip:a@203.0.113.5:5060;transport=tcp>", "TCP", "203.0.113.5:49152", SipBindingRoute.Flow)] // reuse the phone's connection
    [InlineData("<sip:a@198.51.100.7:5060;transport=tcp>", "TCP", "203.0.113.5:49152", SipBindingRoute.Contact)]
    [InlineData("<sip:a@198.51.100.7:5060;ob>", "UDP", "203.0.113.5:5060", SipBindingRoute.Flow)] // RFC 5626 ;ob
    [InlineData("<sip:a@198.51.100.7:5060>;reg-id=1;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\"", "UDP", "203.0.113.5:5060", SipBindingRoute.Flow)]
    public void Calls_go_to_the_contact_unless_outbound_or_nat(string contact, string transport, string source, SipBindingRoute expected)
    {
        var kind = transport switch { "TCP" => SipTransportKind.Tcp, "WS" => SipTransportKind.Ws, _ => SipTransportKind.Udp };
        var (route, why) = SipContactRoute.Choose(SipNameAddress.Parse(contact), new SipTarget(kind, IPEndPoint.Parse(source), kind == SipTransportKind.Udp ? 0 : 7));
        Assert.True(expected == route, $"{contact} from {transport} {source}: {route} ({why})");
        Assert.False(string.IsNullOrEmpty(why));
    }
}

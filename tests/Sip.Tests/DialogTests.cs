using System.Net;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Parsing;
using Acd.Sip.Transports;
using Acd.Sip.Uris;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Sip.Tests;

public sealed class DialogTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly SipStack _stack;
    private readonly FakeTransport _wire = new(SipTransportKind.Udp, new IPEndPoint(IPAddress.Loopback, 5060));
    private readonly SipUserAgent _ua;
    private readonly TestUaHandler _handler = new() { IncomingCall = c => { c.Ring(); c.Answer("v=0\r\n"); return Task.CompletedTask; } };
    private static readonly IPEndPoint Phone = new(IPAddress.Parse("192.0.2.10"), 5070);

    public DialogTests()
    {
        _stack = new SipStack(new SipStackOptions(), _time);
        _stack.AddTransport(_wire);
        _ua = new SipUserAgent(_stack, _handler);
    }

    public ValueTask DisposeAsync() => _stack.DisposeAsync();

    private void Inject(SipMessage m, IPEndPoint? from = null) =>
        _stack.Receive(m.ToBytes(), false, new SipInboundContext(SipTransportKind.Udp, _wire.LocalEndPoint, from ?? Phone, 0));

    private SipDialog EstablishIncoming()
    {
        Inject(Msg.Request("INVITE"));
        var ok = Assert.Single(_wire.Responses(200));
        Inject(Msg.Request("ACK", branch: "z9hG4bKack1", toTag: ok.To!.Tag));
        return Assert.Single(_ua.Dialogs);
    }

    [Fact]
    public void Incoming_invite_creates_a_uas_dialog_with_route_set_and_target()
    {
        var d = EstablishIncoming();
        Assert.False(d.IsUac);
        Assert.Equal("ft1", d.RemoteTag);
        Assert.Equal(SipUri.Parse("sip:alice@192.0.2.10:5070"), d.RemoteTarget);
        Assert.Equal(SipDialogState.Confirmed, d.State);
        var ringing = Assert.Single(_wire.Responses(180));
        Assert.Equal(d.LocalTag, ringing.To!.Tag);
        Assert.Single(_wire.Responses(100));
    }

    [Fact]
    public void Bye_ends_the_dialog_and_unknown_dialogs_get_481()
    {
        var d = EstablishIncoming();
        Inject(Msg.Request("BYE", branch: "z9hG4bKbye1", cseq: 2, toTag: d.LocalTag));
        Assert.Empty(_ua.Dialogs);
        Assert.Equal("BYE", _wire.Responses(200).Last().CSeq!.Method);
        Inject(Msg.Request("BYE", branch: "z9hG4bKbye2", cseq: 3, toTag: d.LocalTag));
        Assert.Single(_wire.Responses(481));
    }

    [Fact]
    public void Lower_remote_cseq_in_dialog_gets_500()
    {
        var d = EstablishIncoming();
        Inject(Msg.Request("INFO", branch: "z9hG4bKinfo1", cseq: 5, toTag: d.LocalTag));
        Assert.Equal("INFO", _wire.Responses(200).Last().CSeq!.Method);
        Inject(Msg.Request("INFO", branch: "z9hG4bKinfo2", cseq: 4, toTag: d.LocalTag));
        Assert.Single(_wire.Responses(500));
    }

    [Fact]
    public async Task ReInvite_glare_is_answered_491_and_our_491_is_reported()
    {
        var d = EstablishIncoming();
        var ours = _ua.ReInviteAsync(d, "v=0\r\n");
        Assert.True(d.OutgoingOfferPending);
        var sent = _wire.Requests("INVITE").Single();
        Assert.Equal(d.LocalSeq, sent.CSeq!.Number);
        Assert.Equal(SipUri.Parse("sip:alice@192.0.2.10:5070"), sent.RequestUri);

        Inject(Msg.Request("INVITE", branch: "z9hG4bKglare", cseq: 2, toTag: d.LocalTag));
        var glare = Assert.Single(_wire.Responses(491));
        Assert.Equal(2u, glare.CSeq!.Number);

        Inject(Msg.ResponseTo(sent, 491, d.RemoteTag));
        var final = await ours;
        Assert.Equal(491, final.StatusCode);
        Assert.False(d.OutgoingOfferPending);
        Assert.Single(_ua.Dialogs);
        var delay = d.GlareRetryDelay(new Random(1));
        Assert.InRange(delay.TotalMilliseconds, 0, 2000); // not the Call-ID owner
    }

    [Fact]
    public async Task Successful_reinvite_is_acked_in_dialog()
    {
        var d = EstablishIncoming();
        var task = _ua.ReInviteAsync(d, "v=0\r\n");
        var sent = _wire.Requests("INVITE").Single();
        Inject(Msg.ResponseTo(sent, 200, d.RemoteTag));
        Assert.Equal(200, (await task).StatusCode);
        var ack = _wire.Requests("ACK").Single();
        Assert.Equal(sent.CSeq!.Number, ack.CSeq!.Number);
        Assert.NotEqual(sent.TopVia!.Branch, ack.TopVia!.Branch);

        // A 2xx retransmission gets the very same ACK again (13.2.2.4), Via and branch included: a peer that matches
        // retransmissions byte for byte (SIPp) must not see a second, different ACK.
        Inject(Msg.ResponseTo(sent, 200, d.RemoteTag));
        var acks = _wire.Requests("ACK");
        Assert.Equal(2, acks.Count);
        Assert.Equal(System.Text.Encoding.ASCII.GetString(Msg.Bytes(acks[0])), System.Text.Encoding.ASCII.GetString(Msg.Bytes(acks[1])));
    }

    [Fact]
    public void Uac_dialog_reverses_record_route_and_builds_in_dialog_requests()
    {
        var invite = Msg.Request("INVITE");
        var text = "SIP/2.0 200 OK\r\n" +
                   $"Via: {invite.Headers["Via"]}\r\n" +
                   "Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>\r\n" +
                   "From: <sip:alice@example.com>;tag=ft1\r\nTo: <sip:svc@127.0.0.1>;tag=remote\r\nCall-ID: call-1\r\nCSeq: 1 INVITE\r\n" +
                   "Contact: <sip:svc@10.1.1.1:5080>\r\nContent-Length: 0\r\n\r\n";
        var resp = (SipResponse)SipParser.Parse(System.Text.Encoding.ASCII.GetBytes(text)).Message!;
        var d = SipDialog.CreateUac(invite, resp);
        Assert.Equal(["sip:p1.example.com;lr", "sip:p2.example.com;lr"], d.RouteSet.Select(r => r.Uri.ToString()));
        var bye = d.CreateRequest(SipMethods.Bye);
        Assert.Equal("sip:svc@10.1.1.1:5080", bye.RequestUri.ToString());
        Assert.Equal(2u, bye.CSeq!.Number);
        Assert.Equal("remote", bye.To!.Tag);
        Assert.Equal("ft1", bye.From!.Tag);
        Assert.Equal(2, bye.Routes.Count);
        Assert.Equal(1u, d.CreateAck(1).CSeq!.Number);
        Assert.InRange(d.GlareRetryDelay(new Random(2)).TotalMilliseconds, 2100, 4000);
    }

    [Fact]
    public void Refer_with_replaces_and_sipfrag_notify()
    {
        var d = EstablishIncoming();
        var other = new SipReplaces("call-9@x", "their-to", "their-from", false);
        var refer = d.CreateRefer(SipUri.Parse("sip:bob@example.com"), other);
        var parsed = SipParser.Parse(refer.ToBytes());
        Assert.True(parsed.Success, parsed.ToString());
        var referTo = SipNameAddress.Parse(parsed.Message!.Headers[SipHeaderNames.ReferTo]!);
        var escaped = referTo.Uri.Headers["Replaces"]!;
        Assert.True(SipReplaces.TryParse(Uri.UnescapeDataString(escaped), out var back));
        Assert.Equal(other, back);

        var notify = d.CreateReferNotify(200);
        Assert.Equal("message/sipfrag;version=2.0", notify.ContentType);
        Assert.Equal("SIP/2.0 200 OK\r\n", notify.BodyText);
        Assert.StartsWith("terminated", notify.Headers[SipHeaderNames.SubscriptionState]);
        var trying = d.CreateReferNotify(100);
        Assert.StartsWith("active", trying.Headers[SipHeaderNames.SubscriptionState]);
        Assert.True(trying.CSeq!.Number > notify.CSeq!.Number);

        // Replaces received by this side designates the dialog when to-tag is our tag.
        var mine = new SipReplaces(d.CallId, d.LocalTag, d.RemoteTag, false);
        Assert.True(mine.Designates(d));
        Assert.Same(d, _ua.FindDialog(mine));
        Assert.True(SipReplaces.TryParse("abc@h;to-tag=1;from-tag=2;early-only", out var early));
        Assert.True(early!.EarlyOnly);
    }

    [Fact]
    public void Incoming_invite_with_replaces_exposes_it()
    {
        var d = EstablishIncoming();
        SipIncomingCall? second = null;
        _handler.IncomingCall = c => { second = c; c.Reject(486); return Task.CompletedTask; };
        var inv = Msg.Request("INVITE", branch: "z9hG4bKrep", callId: "call-2", fromTag: "ft2");
        inv.Headers.Add(SipHeaderNames.Replaces, new SipReplaces(d.CallId, d.LocalTag, d.RemoteTag, false).ToString());
        Inject(inv);
        Assert.NotNull(second!.Replaces);
        Assert.Same(d, _ua.FindDialog(second.Replaces!));
    }

    [Fact]
    public void Info_and_prack_requests_are_built_in_dialog()
    {
        var d = EstablishIncoming();
        var info = d.CreateInfo("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n");
        Assert.Equal("INFO", info.Method);
        Assert.Equal("application/dtmf-relay", info.ContentType);
        var prov = SipResponse.Create(Msg.Request("INVITE"), 183, null, "x");
        prov.Headers.Add(SipHeaderNames.RSeq, "7");
        var prack = d.CreatePrack(prov);
        Assert.Equal("7 1 INVITE", prack.Headers[SipHeaderNames.RAck]);
    }

    [Fact]
    public void Session_timer_negotiates_422_and_runs_refresh_and_expiry_on_fake_time()
    {
        var inv = Msg.Request("INVITE");
        inv.Headers.Add(SipHeaderNames.SessionExpires, "60");
        var timer = new SipSessionTimer(_time);
        var ok = SipResponse.Create(inv, 200);
        var tooSmall = timer.NegotiateAsUas(inv, ok);
        Assert.Equal(422, tooSmall!.StatusCode);
        Assert.Equal("90", tooSmall.Headers[SipHeaderNames.MinSE]);

        var inv2 = Msg.Request("INVITE");
        inv2.Headers.Add(SipHeaderNames.SessionExpires, "120;refresher=uas");
        inv2.Headers.Add(SipHeaderNames.Supported, "timer");
        var ok2 = SipResponse.Create(inv2, 200);
        Assert.Null(timer.NegotiateAsUas(inv2, ok2));
        Assert.Equal("120;refresher=uas", ok2.Headers[SipHeaderNames.SessionExpires]);
        Assert.Equal("timer", ok2.Headers[SipHeaderNames.Require]);
        Assert.True(timer.WeRefresh);
        var refreshed = 0;
        var expired = 0;
        timer.Start(() => refreshed++, () => expired++);
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(0, refreshed);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, refreshed);

        var uac = new SipSessionTimer(_time);
        var resp = SipResponse.Create(inv2, 200);
        resp.Headers.Add(SipHeaderNames.SessionExpires, "120;refresher=uas");
        Assert.True(uac.ApplyAsUac(resp));
        Assert.False(uac.WeRefresh);
        uac.Start(() => refreshed++, () => expired++);
        _time.Advance(TimeSpan.FromSeconds(79)); // 120 - min(32, 40) = 88
        Assert.Equal(0, expired);
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(1, expired);
    }
}

public sealed class CallRaceTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly SipStack _stack;
    private readonly FakeTransport _wire = new(SipTransportKind.Udp, new IPEndPoint(IPAddress.Loopback, 5060));
    private readonly SipUserAgent _ua;
    private SipIncomingCall? _call;

    public CallRaceTests()
    {
        _stack = new SipStack(new SipStackOptions(), _time);
        _stack.AddTransport(_wire);
        _ua = new SipUserAgent(_stack, new TestUaHandler { IncomingCall = c => { _call = c; c.Ring(); return Task.CompletedTask; } });
    }

    public ValueTask DisposeAsync() => _stack.DisposeAsync();

    private void Inject(SipMessage m) =>
        _stack.Receive(m.ToBytes(), false, new SipInboundContext(SipTransportKind.Udp, _wire.LocalEndPoint, Msg.Peer, 0));

    [Fact]
    public async Task Answer_after_cancel_creates_no_dialog()
    {
        Inject(Msg.Request("INVITE"));
        Inject(Msg.Request("CANCEL"));
        Assert.True(_call!.IsCancelled);
        Assert.Null(_call.Answer("v=0\r\n"));
        Assert.Empty(_ua.Dialogs);
        Assert.False(await _call.Confirmed);
        Assert.Single(_wire.Responses(487));
    }

    [Fact]
    public void Missing_ack_for_2xx_ends_the_call_with_bye()
    {
        Inject(Msg.Request("INVITE"));
        var dialog = _call!.Answer("v=0\r\n");
        Assert.NotNull(dialog);
        for (var i = 0; i < 330; i++) _time.Advance(TimeSpan.FromMilliseconds(100));
        var bye = _wire.Requests("BYE").First(); // further copies are Timer E retransmissions
        Assert.Equal(dialog!.RemoteTag, bye.To!.Tag);
    }
}

public sealed class SessionTimerUaTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly SipStack _stack;
    private readonly FakeTransport _wire = new(SipTransportKind.Udp, new IPEndPoint(IPAddress.Loopback, 5060));
    private readonly SipUserAgent _ua;

    public SessionTimerUaTests()
    {
        _stack = new SipStack(new SipStackOptions(), _time);
        _stack.AddTransport(_wire);
        _ua = new SipUserAgent(_stack, new TestUaHandler { IncomingCall = c => { c.Answer("v=0\r\n"); return Task.CompletedTask; } }) { SessionTimerSeconds = 120 };
    }

    public ValueTask DisposeAsync() => _stack.DisposeAsync();

    private void Inject(SipMessage m) =>
        _stack.Receive(m.ToBytes(), false, new SipInboundContext(SipTransportKind.Udp, _wire.LocalEndPoint, Msg.Peer, 0));

    [Fact]
    public void Uas_refreshes_when_uac_does_not_support_timers()
    {
        Inject(Msg.Request("INVITE"));
        var ok = Assert.Single(_wire.Responses(200));
        Assert.Equal("120;refresher=uas", ok.Headers[SipHeaderNames.SessionExpires]);
        Inject(Msg.Request("ACK", branch: "z9hG4bKa", toTag: ok.To!.Tag));
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Empty(_wire.Requests("INVITE"));
        _time.Advance(TimeSpan.FromSeconds(1));
        var refresh = Assert.Single(_wire.Requests("INVITE"));
        Assert.Equal("120;refresher=uas", refresh.Headers[SipHeaderNames.SessionExpires]);
        Assert.Equal("v=0\r\n", refresh.BodyText);
    }

    [Fact]
    public void Uas_sends_bye_when_the_uac_refresher_goes_silent()
    {
        var inv = Msg.Request("INVITE");
        inv.Headers.Add(SipHeaderNames.SessionExpires, "120;refresher=uac");
        inv.Headers.Add(SipHeaderNames.Supported, "timer");
        Inject(inv);
        var ok = Assert.Single(_wire.Responses(200));
        Assert.Equal("timer", ok.Headers[SipHeaderNames.Require]);
        Inject(Msg.Request("ACK", branch: "z9hG4bKa", toTag: ok.To!.Tag));
        _time.Advance(TimeSpan.FromSeconds(60));
        // A refresh re-INVITE from the UAC restarts the clock.
        var refresh = Msg.Request("INVITE", branch: "z9hG4bKrefresh", cseq: 2, toTag: ok.To.Tag);
        refresh.Headers.Add(SipHeaderNames.SessionExpires, "120;refresher=uac");
        Inject(refresh);
        var refreshed = _wire.Responses(200).Last();
        Assert.Equal("v=0\r\n", refreshed.BodyText);
        Assert.Equal("120;refresher=uac", refreshed.Headers[SipHeaderNames.SessionExpires]);
        _time.Advance(TimeSpan.FromSeconds(80));
        Assert.Empty(_wire.Requests("BYE"));
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.NotEmpty(_wire.Requests("BYE"));
    }

    [Fact]
    public void Interval_below_min_se_is_rejected_422()
    {
        var inv = Msg.Request("INVITE");
        inv.Headers.Add(SipHeaderNames.SessionExpires, "30");
        Inject(inv);
        var r = Assert.Single(_wire.Responses(422));
        Assert.Equal("90", r.Headers[SipHeaderNames.MinSE]);
        Assert.Empty(_ua.Dialogs);
    }
}

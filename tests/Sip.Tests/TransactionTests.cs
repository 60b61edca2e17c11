using System.Net;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Transactions;
using Acd.Sip.Transports;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Sip.Tests;

public sealed class TransactionTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly FakeSender _sender;
    private readonly SipTransactionLayer _layer;
    private readonly RecordingTransactionUser _user = new();
    private static readonly SipTarget Udp = new(SipTransportKind.Udp, Msg.Peer);
    private static readonly SipTarget Tcp = new(SipTransportKind.Tcp, Msg.Peer, 7);

    public TransactionTests()
    {
        _sender = new FakeSender(_time);
        _layer = new SipTransactionLayer(_sender, _time);
        _layer.Attach(_user);
    }

    /// <summary>The server transaction of the last request that reached the transaction user.</summary>
    private SipServerTransaction Last => _user.Requests[^1];

    private static SipResponse Done(Task<SipResponse> task)
    {
        Assert.True(task.IsCompletedSuccessfully);
        return task.Result;
    }

    private void Advance(double seconds) => _time.Advance(TimeSpan.FromSeconds(seconds));

    private void AdvanceInSteps(double seconds)
    {
        for (var i = 0; i < seconds * 10; i++) _time.Advance(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Invite_client_timer_A_doubles_and_timer_B_times_out_with_408()
    {
        var tx = _layer.SendRequest(Msg.Request("INVITE"), Udp);
        AdvanceInSteps(32.5);
        var times = _sender.Requests("INVITE").Count;
        Assert.Equal(7, times); // 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5: Timer A is not capped by T2
        var at = _sender.Sent.Select(s => s.At.TotalSeconds).ToArray();
        Assert.Equal([0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5], at.Select(a => Math.Round(a, 1)));
        Assert.True(tx.FinalResponse.IsCompleted);
        Assert.Equal(408, Done(tx.FinalResponse).StatusCode);
        Assert.Equal(SipTransactionState.Terminated, tx.State);
        Assert.Equal(0, _layer.ClientCount);
    }

    [Fact]
    public void Non_invite_client_timer_E_caps_at_T2_and_timer_F_times_out()
    {
        var tx = _layer.SendRequest(Msg.Request("OPTIONS"), Udp);
        AdvanceInSteps(32.5);
        var at = _sender.Sent.Select(s => Math.Round(s.At.TotalSeconds, 1)).ToArray();
        Assert.Equal([0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5], at);
        Assert.Equal(408, Done(tx.FinalResponse).StatusCode);
    }

    [Fact]
    public void Non_invite_client_after_provisional_retransmits_every_T2_then_completes_with_timer_K()
    {
        var req = Msg.Request("OPTIONS");
        var tx = _layer.SendRequest(req, Udp);
        _layer.Receive(Msg.ResponseTo(req, 100), Msg.UdpCtx);
        Assert.Equal(SipTransactionState.Proceeding, tx.State);
        _sender.Sent.Clear();
        AdvanceInSteps(8.05);
        Assert.Equal(2, _sender.Requests("OPTIONS").Count);
        _layer.Receive(Msg.ResponseTo(req, 200), Msg.UdpCtx);
        Assert.Equal(SipTransactionState.Completed, tx.State);
        Assert.Equal(200, Done(tx.FinalResponse).StatusCode);
        Advance(5);
        Assert.Equal(SipTransactionState.Terminated, tx.State);
    }

    [Fact]
    public void Reliable_transport_does_not_retransmit()
    {
        var tx = _layer.SendRequest(Msg.Request("INVITE"), Tcp);
        AdvanceInSteps(31);
        Assert.Single(_sender.Sent);
        Advance(1.1);
        Assert.Equal(408, Done(tx.FinalResponse).StatusCode);
    }

    [Fact]
    public void Invite_client_acks_non_2xx_and_reacks_retransmissions_until_timer_D()
    {
        var req = Msg.Request("INVITE");
        var tx = _layer.SendRequest(req, Udp);
        _layer.Receive(Msg.ResponseTo(req, 180), Msg.UdpCtx);
        Assert.Equal(SipTransactionState.Proceeding, tx.State);
        AdvanceInSteps(5);
        Assert.Single(_sender.Requests("INVITE")); // Timer A stopped by the provisional
        var busy = Msg.ResponseTo(req, 486);
        _layer.Receive(busy, Msg.UdpCtx);
        Assert.Equal(SipTransactionState.Completed, tx.State);
        var ack = Assert.Single(_sender.Requests("ACK"));
        Assert.Equal(req.TopVia!.Branch, ack.TopVia!.Branch);
        Assert.Equal("tt1", ack.To!.Tag);
        Assert.Equal(new SipCSeq(1, "ACK"), ack.CSeq);
        _layer.Receive(busy, Msg.UdpCtx);
        Assert.Equal(2, _sender.Requests("ACK").Count);
        Advance(32);
        Assert.Equal(SipTransactionState.Terminated, tx.State);
    }

    [Fact]
    public void Invite_client_2xx_goes_to_accepted_and_passes_retransmissions_to_the_TU()
    {
        var req = Msg.Request("INVITE");
        var seen = new RecordingClientObserver();
        var tx = _layer.SendRequest(req, Udp, seen);
        var ok = Msg.ResponseTo(req, 200);
        _layer.Receive(ok, Msg.UdpCtx);
        _layer.Receive(ok, Msg.UdpCtx);
        Assert.Equal([200, 200], seen.Codes);
        Assert.Equal(SipTransactionState.Accepted, tx.State);
        Assert.Empty(_sender.Requests("ACK")); // the ACK for 2xx belongs to the dialog layer
        Advance(32);
        Assert.Equal(SipTransactionState.Terminated, tx.State);
    }

    [Fact]
    public void Server_invite_sends_100_and_absorbs_retransmissions()
    {
        var req = Msg.Request("INVITE");
        _layer.Receive(req, Msg.UdpCtx);
        Assert.Single(_sender.Responses(100));
        var got = Last;
        got.Respond(got.CreateResponse(180));
        _layer.Receive(Msg.Request("INVITE"), Msg.UdpCtx);
        Assert.Single(_user.Requests);
        Assert.Equal(2, _sender.Responses(180).Count);
    }

    [Fact]
    public void Server_invite_non_2xx_timer_G_caps_at_T2_and_ack_confirms()
    {
        var req = Msg.Request("INVITE");
        _layer.Receive(req, Msg.UdpCtx);
        var tx = Last;
        tx.Respond(tx.CreateResponse(486));
        AdvanceInSteps(11.6);
        var times = _sender.Sent.Where(s => s.Message is SipResponse { StatusCode: 486 }).Select(s => Math.Round(s.At.TotalSeconds, 1)).ToArray();
        Assert.Equal([0, 0.5, 1.5, 3.5, 7.5, 11.5], times);
        var ack = Msg.Request("ACK", cseq: 1, toTag: tx.LocalTag);
        _layer.Receive(ack, Msg.UdpCtx);
        Assert.Equal(SipTransactionState.Confirmed, tx.State);
        AdvanceInSteps(8);
        Assert.Equal(6, _sender.Responses(486).Count);
        Assert.Equal(SipTransactionState.Terminated, tx.State);
    }

    [Fact]
    public void Server_invite_timer_H_reports_missing_ack()
    {
        var observer = new RecordingServerObserver();
        _user.OnRequestAction = t => t.AddObserver(observer);
        _layer.Receive(Msg.Request("INVITE"), Msg.UdpCtx);
        var tx = Last;
        tx.Respond(tx.CreateResponse(603));
        AdvanceInSteps(32.1);
        Assert.Equal(["ack timed out"], observer.Events);
        Assert.Equal(SipTransactionState.Terminated, tx.State);
    }

    [Fact]
    public void Server_2xx_is_retransmitted_until_the_ack_arrives()
    {
        var observer = new RecordingServerObserver();
        _user.OnRequestAction = t => t.AddObserver(observer);
        _layer.Receive(Msg.Request("INVITE"), Msg.UdpCtx);
        var tx = Last;
        tx.Respond(tx.CreateResponse(200));
        AdvanceInSteps(7.6);
        Assert.Equal(5, _sender.Responses(200).Count); // 0, .5, 1.5, 3.5, 7.5
        // An out-of-order ACK for an older CSeq must not stop the retransmissions.
        _layer.Receive(Msg.Request("ACK", branch: "z9hG4bKother", cseq: 0, toTag: tx.LocalTag), Msg.UdpCtx);
        AdvanceInSteps(4);
        Assert.Equal(6, _sender.Responses(200).Count);
        _layer.Receive(Msg.Request("ACK", branch: "z9hG4bKack", cseq: 1, toTag: tx.LocalTag), Msg.UdpCtx);
        Assert.Equal(SipTransactionState.Confirmed, tx.State);
        Assert.Equal(1u, _user.Acks[^1].CSeq!.Number);
        Assert.Equal(["ack 1"], observer.Events);
        AdvanceInSteps(10);
        Assert.Equal(6, _sender.Responses(200).Count);
        // A retransmitted ACK is still delivered to the dialog layer but changes nothing.
        _layer.Receive(Msg.Request("ACK", branch: "z9hG4bKack", cseq: 1, toTag: tx.LocalTag), Msg.UdpCtx);
        Assert.Equal(6, _sender.Responses(200).Count);
        Assert.Equal(3, _user.Acks.Count);
        Assert.Equal(["ack 1"], observer.Events);
    }

    [Fact]
    public void Server_2xx_without_ack_times_out_with_timer_L()
    {
        var observer = new RecordingServerObserver();
        _user.OnRequestAction = t => t.AddObserver(observer);
        _layer.Receive(Msg.Request("INVITE"), Msg.UdpCtx);
        var tx = Last;
        tx.Respond(tx.CreateResponse(200));
        AdvanceInSteps(32.1);
        Assert.Equal(["ack timed out"], observer.Events);
        Assert.Equal(11, _sender.Responses(200).Count); // 0 .5 1.5 3.5 7.5 11.5 ... 31.5
    }

    [Fact]
    public void Cancel_before_final_response_gets_200_and_the_invite_487()
    {
        var observer = new RecordingServerObserver();
        _user.OnRequestAction = t => t.AddObserver(observer);
        _layer.Receive(Msg.Request("INVITE"), Msg.UdpCtx);
        var tx = Last;
        tx.Respond(tx.CreateResponse(180));
        _layer.Receive(Msg.Request("CANCEL"), Msg.UdpCtx);
        Assert.Equal(["cancelled"], observer.Events);
        Assert.True(tx.IsCancelled);
        var ok = Assert.Single(_sender.Responses(200));
        Assert.Equal("CANCEL", ok.CSeq!.Method);
        var terminated = Assert.Single(_sender.Responses(487));
        Assert.Equal("INVITE", terminated.CSeq!.Method);
        // The TU's late 200 loses the race: the transaction already completed with 487.
        tx.Respond(tx.CreateResponse(200));
        Assert.Single(_sender.Responses(200));
    }

    [Fact]
    public void Cancel_after_final_response_gets_200_and_changes_nothing()
    {
        _layer.Receive(Msg.Request("INVITE"), Msg.UdpCtx);
        var tx = Last;
        tx.Respond(tx.CreateResponse(200));
        _layer.Receive(Msg.Request("CANCEL"), Msg.UdpCtx);
        Assert.Equal(2, _sender.Responses(200).Count);
        Assert.Empty(_sender.Responses(487));
        Assert.False(tx.IsCancelled);
    }

    [Fact]
    public void Cancel_for_unknown_transaction_gets_481()
    {
        _layer.Receive(Msg.Request("CANCEL", branch: "z9hG4bKnothing"), Msg.UdpCtx);
        Assert.Single(_sender.Responses(481));
    }

    [Fact]
    public void Client_cancel_waits_for_a_provisional_and_is_not_sent_after_a_final()
    {
        var req = Msg.Request("INVITE");
        var tx = _layer.SendRequest(req, Udp);
        Assert.True(tx.Cancel());
        Assert.Empty(_sender.Requests("CANCEL"));
        _layer.Receive(Msg.ResponseTo(req, 180), Msg.UdpCtx);
        var cancel = Assert.Single(_sender.Requests("CANCEL"));
        Assert.Equal(req.TopVia!.Branch, cancel.TopVia!.Branch);
        Assert.Equal(new SipCSeq(1, "CANCEL"), cancel.CSeq);
        _layer.Receive(Msg.ResponseTo(cancel, 200), Msg.UdpCtx);
        _layer.Receive(Msg.ResponseTo(req, 487), Msg.UdpCtx);
        Assert.Equal(487, Done(tx.FinalResponse).StatusCode);
        Assert.Single(_sender.Requests("ACK"));

        var req2 = Msg.Request("INVITE", branch: "z9hG4bKsecond", callId: "call-2");
        var tx2 = _layer.SendRequest(req2, Udp);
        _layer.Receive(Msg.ResponseTo(req2, 200), Msg.UdpCtx);
        Assert.False(tx2.Cancel());
        Assert.Single(_sender.Requests("CANCEL"));
    }

    [Fact]
    public void Merged_request_gets_482()
    {
        _layer.Receive(Msg.Request("INVITE", branch: "z9hG4bKpath1"), Msg.UdpCtx);
        _layer.Receive(Msg.Request("INVITE", branch: "z9hG4bKpath2", sentBy: "192.0.2.99"), Msg.UdpCtx);
        Assert.Single(_user.Requests);
        Assert.Single(_sender.Responses(482));
    }

    [Fact]
    public void Non_invite_server_replays_final_response_then_timer_J_ends_it()
    {
        _layer.Receive(Msg.Request("OPTIONS"), Msg.UdpCtx);
        var tx = Last;
        tx.Respond(tx.CreateResponse(200));
        _layer.Receive(Msg.Request("OPTIONS"), Msg.UdpCtx);
        Assert.Equal(2, _sender.Responses(200).Count);
        Advance(32);
        Assert.Equal(SipTransactionState.Terminated, tx.State);
        Assert.Equal(0, _layer.ServerCount);
    }

    [Fact]
    public void Response_target_follows_rport_or_via_port()
    {
        var withRport = Msg.Request("OPTIONS");
        Assert.Equal(Msg.Peer, SipServerTransaction.ComputeResponseTarget(withRport, Msg.UdpCtx).EndPoint);
        var noRport = (SipRequest)Acd.Sip.Parsing.SipParser.Parse(System.Text.Encoding.ASCII.GetBytes(
            "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP host.example:5088;branch=z9hG4bK1\r\nMax-Forwards: 70\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")).Message!;
        var t = SipServerTransaction.ComputeResponseTarget(noRport, Msg.UdpCtx);
        Assert.Equal(new IPEndPoint(Msg.Peer.Address, 5088), t.EndPoint);
        var tcp = SipServerTransaction.ComputeResponseTarget(noRport, new SipInboundContext(SipTransportKind.Tcp, Msg.Local, Msg.Peer, 42));
        Assert.Equal(42, tcp.FlowId);
    }
}

using System.Globalization;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Transports;
using Acd.Sip.Uris;
using Acd.Testing;

namespace Acd.Sip.Tests;

/// <summary>Two user agents on the in-memory network: whole calls, races and timers with no socket and no sleep.</summary>
public sealed class InMemoryNetworkTests : IAsyncDisposable
{
    private const string Sdp = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";

    private readonly InMemorySipNetwork _net = new();
    private readonly SipStack _aliceStack;
    private readonly SipStack _bobStack;
    private readonly TestUaHandler _bobHandler = new();
    private readonly SipUserAgent _alice;
    private readonly SipUserAgent _bob;

    public InMemoryNetworkTests()
    {
        _aliceStack = _net.AddStack("10.0.0.1");
        _bobStack = _net.AddStack("10.0.0.2");
        _alice = new SipUserAgent(_aliceStack, new TestUaHandler());
        _bob = new SipUserAgent(_bobStack, _bobHandler);
    }

    public async ValueTask DisposeAsync()
    {
        await _aliceStack.DisposeAsync();
        await _bobStack.DisposeAsync();
    }

    private Task<SipCallResult> Call(string uri = "sip:bob@10.0.0.2", CancellationToken cancellationToken = default) =>
        _alice.InviteAsync(SipUri.Parse(uri), new SipNameAddress(SipUri.Parse("sip:alice@10.0.0.1")), new SipNameAddress(SipUri.Parse(uri)), Sdp,
            cancellationToken: cancellationToken);

    private static string Describe(InMemorySipPacket p) =>
        p.Message is SipRequest r ? r.Method : ((SipResponse)p.Message).StatusCode.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_call_is_set_up_and_torn_down_between_two_user_agents()
    {
        SipIncomingCall? incoming = null;
        SipDialog? bobsLeg = null;
        var ended = new List<bool>();
        _bobHandler.IncomingCall = c =>
        {
            incoming = c;
            c.Ring();
            bobsLeg = c.Answer(Sdp);
            return Task.CompletedTask;
        };
        _bobHandler.DialogTerminated = (_, bye) => ended.Add(bye is not null);

        var call = await _net.RunUntilAsync(Call());
        Assert.True(call.Success);
        Assert.True(await incoming!.Confirmed);
        Assert.Equal(call.Dialog!.Id, new SipDialogId(bobsLeg!.CallId, bobsLeg.RemoteTag, bobsLeg.LocalTag));
        Assert.Equal(SipDialogState.Confirmed, bobsLeg.State);

        var bye = await _net.RunUntilAsync(_alice.ByeAsync(call.Dialog));
        Assert.Equal(200, bye.StatusCode);
        Assert.Empty(_alice.Dialogs);
        Assert.Empty(_bob.Dialogs);
        Assert.Equal([true], ended);
        Assert.Equal(["INVITE", "100", "180", "200", "ACK", "BYE", "200"], _net.Sent.Select(Describe));
        Assert.All(_net.Sent, p => Assert.True(p.Delivered));
    }

    [Fact]
    public async Task A_cancel_crossing_the_200_leaves_a_call_the_caller_can_hang_up()
    {
        SipIncomingCall? incoming = null;
        _bobHandler.IncomingCall = c =>
        {
            incoming = c;
            c.Ring();
            return Task.CompletedTask;
        };
        using var hangUp = new CancellationTokenSource();
        var call = Call(cancellationToken: hangUp.Token);
        _net.Run();
        Assert.NotNull(incoming);

        // Alice gives up (her CANCEL is on its way) while Bob answers: the two cross on the wire.
        await hangUp.CancelAsync();
        Assert.NotNull(incoming.Answer(Sdp));
        var result = await _net.RunUntilAsync(call);

        // The 200 won (RFC 3261 9.1): the CANCEL is answered 200 and changes nothing; the caller has a call to end with BYE.
        Assert.True(result.Success);
        Assert.False(incoming.IsCancelled);
        Assert.True(await incoming.Confirmed);
        Assert.Empty(_net.Responses(487));
        Assert.Single(_net.Responses(200), r => r.CSeq!.Method == SipMethods.Cancel);
        Assert.Equal(200, (await _net.RunUntilAsync(_alice.ByeAsync(result.Dialog!))).StatusCode);
        Assert.Empty(_bob.Dialogs);
    }

    [Fact]
    public async Task A_cancel_arriving_before_the_answer_ends_the_invite_with_487()
    {
        SipIncomingCall? incoming = null;
        _bobHandler.IncomingCall = c =>
        {
            incoming = c;
            c.Ring();
            return Task.CompletedTask;
        };
        using var hangUp = new CancellationTokenSource();
        var call = Call(cancellationToken: hangUp.Token);
        _net.Run();
        await hangUp.CancelAsync();
        _net.Run();

        Assert.True(incoming!.IsCancelled);
        Assert.False(await incoming.Confirmed);
        Assert.Null(incoming.Answer(Sdp));
        var result = await _net.RunUntilAsync(call);
        Assert.Equal(487, result.FinalResponse.StatusCode);
        Assert.Single(_net.Requests(SipMethods.Ack)); // the INVITE transaction's own ACK for the 487
        Assert.Empty(_bob.Dialogs);
    }

    [Fact]
    public void A_retransmitted_invite_is_absorbed_by_its_server_transaction()
    {
        var calls = 0;
        _bobHandler.IncomingCall = _ =>
        {
            calls++;
            return Task.CompletedTask;
        };
        // Bob's first 100 Trying is lost, so Alice is still Calling when Timer A fires and she sends the INVITE again.
        var lost = 0;
        _net.Drop = p => p.IsResponse(100) && lost++ == 0;
        _ = Call();
        _net.Advance(TimeSpan.FromMilliseconds(600));

        Assert.Equal(2, _net.Requests(SipMethods.Invite).Count);
        Assert.Equal(1, calls);
        Assert.Equal(1, _bobStack.Transactions.ServerCount);
        Assert.Equal(2, _net.Responses(100).Count); // the retransmission is answered with the last response again

        // That 100 arrived: Alice is Proceeding and Timer A is off.
        _net.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(2, _net.Requests(SipMethods.Invite).Count);
    }

    [Fact]
    public async Task Timer_B_ends_an_invite_nobody_answers_with_408()
    {
        var call = Call("sip:nobody@10.0.0.9");
        _net.Advance(TimeSpan.FromSeconds(31.9));
        Assert.False(call.IsCompleted);
        _net.Advance(TimeSpan.FromSeconds(0.2));

        Assert.Equal(408, (await call).FinalResponse.StatusCode);
        // Timer A: 0, 0.5, 1.5, 3.5, 7.5, 15.5 and 31.5 s, all into the void.
        Assert.Equal([0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5], _net.Sent.Select(p => Math.Round((p.SentAt - _net.Sent[0].SentAt).TotalSeconds, 2)));
        Assert.All(_net.Sent, p => Assert.False(p.Delivered));
        Assert.Equal(0, _aliceStack.Transactions.ClientCount);
    }

    [Fact]
    public async Task A_2xx_whose_ack_never_arrives_is_ended_with_bye_after_64_T1()
    {
        _bobHandler.IncomingCall = c =>
        {
            c.Answer(Sdp);
            return Task.CompletedTask;
        };
        _net.Drop = p => p.IsRequest(SipMethods.Ack);
        var call = await _net.RunUntilAsync(Call());
        Assert.True(call.Success);

        _net.Advance(TimeSpan.FromSeconds(31.9));
        Assert.Empty(_net.Requests(SipMethods.Bye));
        Assert.True(_net.Requests(SipMethods.Ack).Count > 1); // each 2xx retransmission was ACKed again, and lost again
        _net.Advance(TimeSpan.FromSeconds(0.2));

        var bye = Assert.Single(_net.Requests(SipMethods.Bye));
        Assert.Equal(call.Dialog!.LocalTag, bye.To!.Tag);
        Assert.Empty(_alice.Dialogs);
        Assert.Single(_net.Responses(200), r => r.CSeq!.Method == SipMethods.Bye);
    }

    [Fact]
    public async Task A_call_over_tcp_keeps_its_connection_as_a_flow_and_reconnects_once_it_closed()
    {
        SipDialog? bobsLeg = null;
        _bobHandler.IncomingCall = c =>
        {
            bobsLeg = c.Answer(Sdp);
            return Task.CompletedTask;
        };
        var call = await _net.RunUntilAsync(Call("sip:bob@10.0.0.2;transport=tcp"));
        Assert.True(call.Success);
        Assert.All(_net.Sent, p => Assert.Equal(SipTransportKind.Tcp, p.Transport));
        Assert.Single(_net.Sent.Select(p => p.From.Port == 5060 ? p.To : p.From).Distinct()); // one connection, both ways
        var flow = bobsLeg!.Flow!.Value;
        Assert.True(_bobStack.IsFlowAlive(flow.FlowId));

        _net.CloseConnections("10.0.0.1");
        Assert.False(_bobStack.IsFlowAlive(flow.FlowId));
        // Bob's BYE can no longer use the flow: it goes to Alice's Contact, over a new connection to her listener.
        var before = _net.Sent.Count;
        Assert.Equal(200, (await _net.RunUntilAsync(_bob.ByeAsync(bobsLeg))).StatusCode);
        var bye = _net.Sent.Skip(before).First();
        Assert.Equal(5060, bye.To.Port);
        Assert.Empty(_alice.Dialogs);
    }
}

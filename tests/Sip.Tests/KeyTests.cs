using System.Text;
using Acd.Sip.Dialogs;
using Acd.Sip.Messages;
using Acd.Sip.Parsing;
using Acd.Sip.Transactions;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Sip.Tests;

/// <summary>Transaction and dialog identities as values: equal when RFC 3261 says the messages belong together.</summary>
public sealed class KeyTests
{
    private static SipRequest Rfc2543(string method, string? toTag = null, uint cseq = 1, string requestUri = "sip:svc@127.0.0.1")
    {
        var text = $"{method} {requestUri} SIP/2.0\r\n" +
                   "Via: SIP/2.0/UDP 192.0.2.10:5070\r\n" +
                   "From: <sip:alice@example.com>;tag=old1\r\n" +
                   $"To: <sip:svc@127.0.0.1>{(toTag is null ? "" : ";tag=" + toTag)}\r\n" +
                   "Call-ID: legacy-1\r\n" +
                   $"CSeq: {cseq} {method}\r\n" +
                   "Content-Length: 0\r\n\r\n";
        var r = SipParser.Parse(Encoding.ASCII.GetBytes(text));
        Assert.True(r.Success, r.ToString());
        return (SipRequest)r.Message!;
    }

    [Fact]
    public void Rfc3261_server_keys_are_branch_sent_by_and_method()
    {
        var invite = SipTransactionKey.ForServer(Msg.Request("INVITE"));
        Assert.Equal(invite, SipTransactionKey.ForServer(Msg.Request("INVITE")));
        Assert.Equal(invite, SipTransactionKey.ForServer(Msg.Request("ACK"), SipMethods.Invite));
        Assert.Equal(invite, SipTransactionKey.ForServer(Msg.Request("CANCEL")).As(SipMethods.Invite));
        Assert.NotEqual(invite, SipTransactionKey.ForServer(Msg.Request("CANCEL")));
        Assert.NotEqual(invite, SipTransactionKey.ForServer(Msg.Request("INVITE", sentBy: "192.0.2.10:5071")));
        Assert.NotEqual(invite, SipTransactionKey.ForServer(Msg.Request("INVITE", sentBy: "192.0.2.10")));
        Assert.NotEqual(invite, SipTransactionKey.ForServer(Msg.Request("INVITE", branch: "z9hG4bKother")));
        Assert.Null(invite.Rfc2543);
    }

    [Fact]
    public void Client_keys_match_responses_on_branch_and_cseq_method()
    {
        var request = Msg.Request("OPTIONS");
        var key = SipTransactionKey.ForClient(request.TopVia!.Branch!, request.Method);
        Assert.True(SipTransactionKey.TryForResponse(Msg.ResponseTo(request, 200), out var fromResponse));
        Assert.Equal(key, fromResponse);
        Assert.True(SipTransactionKey.TryForResponse(Msg.ResponseTo(Msg.Request("INFO"), 200), out var otherMethod));
        Assert.NotEqual(key, otherMethod);
    }

    [Fact]
    public void Rfc2543_keys_ignore_the_to_tag_so_the_ack_and_cancel_find_their_invite()
    {
        var invite = SipTransactionKey.ForServer(Rfc2543("INVITE"));
        Assert.NotNull(invite.Rfc2543);
        Assert.Equal(invite, SipTransactionKey.ForServer(Rfc2543("INVITE")));
        Assert.Equal(invite, SipTransactionKey.ForServer(Rfc2543("ACK", toTag: "ours"), SipMethods.Invite));
        Assert.Equal(invite, SipTransactionKey.ForServer(Rfc2543("CANCEL")).As(SipMethods.Invite));
        Assert.NotEqual(invite, SipTransactionKey.ForServer(Rfc2543("INVITE", cseq: 2)));
        Assert.NotEqual(invite, SipTransactionKey.ForServer(Rfc2543("INVITE", requestUri: "sip:other@127.0.0.1")));
    }

    [Fact]
    public void Rfc2543_invite_absorbs_retransmissions_and_its_ack_and_cancel_match_it()
    {
        var time = new FakeTimeProvider();
        var sender = new FakeSender(time);
        var layer = new SipTransactionLayer(sender, time);
        var user = new RecordingTransactionUser();
        layer.Attach(user);
        layer.Receive(Rfc2543("INVITE"), Msg.UdpCtx);
        layer.Receive(Rfc2543("INVITE"), Msg.UdpCtx);
        var tx = Assert.Single(user.Requests);
        Assert.Equal(2, sender.Responses(100).Count);

        layer.Receive(Rfc2543("CANCEL"), Msg.UdpCtx);
        Assert.True(tx.IsCancelled);
        Assert.Single(sender.Responses(487));

        layer.Receive(Rfc2543("ACK", toTag: tx.LocalTag), Msg.UdpCtx);
        Assert.Equal(SipTransactionState.Confirmed, tx.State);
        Assert.Empty(user.Acks);
    }

    [Fact]
    public void A_dialog_id_reads_the_same_off_its_dialog_an_in_dialog_request_a_response_and_a_replaces()
    {
        var invite = Msg.Request("INVITE");
        var ok = Msg.ResponseTo(invite, 200, "uas1");
        var uas = SipDialog.CreateUas(invite, ok, Acd.Sip.Uris.SipUri.Parse("sip:svc@127.0.0.1"));
        Assert.Equal(new SipDialogId("call-1", "uas1", "ft1"), uas.Id);
        Assert.True(SipDialogId.TryFromReceived(Msg.Request("BYE", toTag: "uas1", cseq: 2), out var byeId));
        Assert.Equal(uas.Id, byeId);
        Assert.True(SipDialogId.TryFromSent(ok, out var sentId));
        Assert.Equal(uas.Id, sentId);
        Assert.Equal(uas.Id, SipDialogId.From(new SipReplaces("call-1", "uas1", "ft1", false)));
        Assert.False(SipDialogId.TryFromReceived(Msg.Request("INVITE"), out _));

        var uac = SipDialog.CreateUac(invite, ok);
        Assert.Equal(new SipDialogId("call-1", "ft1", "uas1"), uac.Id);
        Assert.True(SipDialogId.TryFromReceived(ok, out var responseId));
        Assert.Equal(uac.Id, responseId);
        Assert.True(SipDialogId.TryFromSent(invite, out var early));
        Assert.Equal(new SipDialogId("call-1", "ft1", ""), early);
    }
}

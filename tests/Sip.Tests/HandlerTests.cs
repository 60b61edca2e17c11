using System.Net;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Registrar;
using Acd.Sip.Transactions;
using Acd.Sip.Transports;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Sip.Tests;

/// <summary>
/// How the stack calls user code: never under a transaction's lock, in order per transaction, and a handler that
/// throws is logged with the Call-ID while the peer still gets an answer.
/// </summary>
public sealed class HandlerTests
{
    /// <summary>Only a deadlock reaches it: a call back into the transaction from another thread returns at once otherwise.</summary>
    private static readonly TimeSpan DeadlockGuard = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new();
    private readonly FakeSender _sender;
    private readonly ListLogger _log = new();
    private readonly SipTransactionLayer _layer;
    private readonly RecordingTransactionUser _user = new();

    public HandlerTests()
    {
        _sender = new FakeSender(_time);
        _layer = new SipTransactionLayer(_sender, _time, logger: _log);
        _layer.Attach(_user);
    }

    private void AdvanceInSteps(double seconds)
    {
        for (var i = 0; i < seconds * 10; i++) _time.Advance(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task The_timeout_response_is_raised_outside_the_lock_and_the_handler_may_call_in_from_another_thread()
    {
        var lockHeld = new List<bool>();
        var reentered = new List<bool>();
        var observer = new RecordingClientObserver
        {
            OnResponseAction = (tx, _) =>
            {
                lockHeld.Add(tx.IsLockHeldByCurrentThread);
                // Before the fix Timer B raised its 408 under the lock: this other thread then waited for it forever.
                reentered.Add(Task.Run(() => tx.Cancel()).Wait(DeadlockGuard));
            },
        };
        var tx = _layer.SendRequest(Msg.Request("INVITE"), new SipTarget(SipTransportKind.Udp, Msg.Peer), observer);
        AdvanceInSteps(32.1);
        Assert.Equal([408], observer.Codes);
        Assert.Equal([false], lockHeld);
        Assert.Equal([true], reentered);
        Assert.Equal(408, (await tx.FinalResponse).StatusCode);
    }

    [Fact]
    public void The_ack_timeout_is_raised_outside_the_lock_and_the_handler_may_respond_from_another_thread()
    {
        var lockHeld = new List<bool>();
        var reentered = new List<bool>();
        var observer = new RecordingServerObserver
        {
            OnAckTimedOutAction = t =>
            {
                lockHeld.Add(t.IsLockHeldByCurrentThread);
                reentered.Add(Task.Run(() => t.Respond(t.CreateResponse(500))).Wait(DeadlockGuard));
            },
        };
        _user.OnRequestAction = t => t.AddObserver(observer);
        _layer.Receive(Msg.Request("INVITE"), Msg.UdpCtx);
        var tx = Assert.Single(_user.Requests);
        tx.Respond(tx.CreateResponse(486));
        AdvanceInSteps(32.1);
        Assert.Equal(["ack timed out"], observer.Events);
        Assert.Equal([false], lockHeld);
        Assert.Equal([true], reentered);
        Assert.Empty(_sender.Responses(500)); // the transaction had ended: the late answer is ignored
    }

    [Fact]
    public void An_event_raised_while_a_handler_runs_waits_for_it_instead_of_nesting()
    {
        var order = new List<string>();
        var late = new RecordingServerObserver();
        var first = new RecordingServerObserver
        {
            OnCancelledAction = t =>
            {
                order.Add("first heard the cancel");
                // Joining now replays the CANCEL to the newcomer, but only after this handler returns.
                t.AddObserver(late);
                order.Add("first returns (late has heard " + late.Events.Count + ")");
            },
        };
        _user.OnRequestAction = t => t.AddObserver(first);
        _layer.Receive(Msg.Request("INVITE"), Msg.UdpCtx);
        _layer.Receive(Msg.Request("CANCEL"), Msg.UdpCtx);
        Assert.Equal(["first heard the cancel", "first returns (late has heard 0)"], order);
        Assert.Equal(["cancelled"], first.Events);
        Assert.Equal(["cancelled"], late.Events);
    }

    [Fact]
    public void An_observer_added_after_the_cancel_hears_it_once()
    {
        _layer.Receive(Msg.Request("INVITE"), Msg.UdpCtx);
        var tx = Assert.Single(_user.Requests);
        var early = new RecordingServerObserver();
        tx.AddObserver(early);
        _layer.Receive(Msg.Request("CANCEL"), Msg.UdpCtx);
        var late = new RecordingServerObserver();
        tx.AddObserver(late);
        _layer.Receive(Msg.Request("CANCEL", branch: "z9hG4bKtest1"), Msg.UdpCtx); // a retransmitted CANCEL changes nothing
        Assert.Equal(["cancelled"], early.Events);
        Assert.Equal(["cancelled"], late.Events);
        Assert.Single(_sender.Responses(487));
    }

    [Fact]
    public void A_throwing_transaction_user_is_logged_with_the_call_id_and_the_request_answered_500()
    {
        _user.OnRequestAction = _ => throw new InvalidOperationException("bug in the TU");
        _layer.Receive(Msg.Request("OPTIONS", callId: "tu-boom-1"), Msg.UdpCtx);
        Assert.Single(_sender.Responses(500));
        var line = Assert.Single(_log.Errors());
        Assert.Contains("tu-boom-1", line, StringComparison.Ordinal);
        Assert.Contains("OPTIONS", line, StringComparison.Ordinal);
        Assert.Contains(nameof(ISipTransactionUser.OnRequest), line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_throwing_observer_is_logged_and_the_next_observer_still_hears_the_event()
    {
        var after = new RecordingServerObserver();
        _user.OnRequestAction = t =>
        {
            t.AddObserver(new RecordingServerObserver { OnCancelledAction = _ => throw new InvalidOperationException("bug in an observer") });
            t.AddObserver(after);
        };
        _layer.Receive(Msg.Request("INVITE", callId: "obs-boom-1"), Msg.UdpCtx);
        _layer.Receive(Msg.Request("CANCEL", callId: "obs-boom-1"), Msg.UdpCtx);
        Assert.Equal(["cancelled"], after.Events);
        Assert.Contains("obs-boom-1", Assert.Single(_log.Errors()), StringComparison.Ordinal);
    }

    [Fact]
    public void A_throwing_response_observer_is_logged_with_status_and_call_id()
    {
        var request = Msg.Request("OPTIONS", callId: "resp-boom-1");
        _layer.SendRequest(request, new SipTarget(SipTransportKind.Udp, Msg.Peer),
            new RecordingClientObserver { OnResponseAction = (_, _) => throw new InvalidOperationException("bug") });
        _layer.Receive(Msg.ResponseTo(request, 200), Msg.UdpCtx);
        var line = Assert.Single(_log.Errors());
        Assert.Contains("resp-boom-1", line, StringComparison.Ordinal);
        Assert.Contains("200 OPTIONS", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_throwing_binding_observer_is_logged_and_the_register_still_gets_200()
    {
        var registrar = new SipRegistrar(null, null, _time, new ThrowingBindings(), _log);
        _user.OnRequestAction = tx => registrar.HandleAsync(tx).GetAwaiter().GetResult();
        var register = Msg.Request("REGISTER", callId: "reg-boom-1");
        register.Headers.Set(SipHeaderNames.To, "<sip:1001@acd.example.com>");
        _layer.Receive(register, Msg.UdpCtx);
        Assert.Single(_sender.Responses(200));
        Assert.Contains("reg-boom-1", Assert.Single(_log.Errors()), StringComparison.Ordinal);
    }

    private sealed class ThrowingBindings : ISipRegistrarObserver
    {
        public void OnBindingChanged(SipBinding binding, bool added) => throw new InvalidOperationException("bug in the mirror");
    }
}

/// <summary>The user agent's handlers: a throwing one is logged with the Call-ID and the request still answered.</summary>
public sealed class UserAgentHandlerTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly ListLogger _log = new();
    private readonly SipStack _stack;
    private readonly FakeTransport _wire = new(SipTransportKind.Udp, new IPEndPoint(IPAddress.Loopback, 5060));
    private readonly TestUaHandler _handler = new();
    private readonly SipUserAgent _ua;

    public UserAgentHandlerTests()
    {
        _stack = new SipStack(new SipStackOptions(), _time, _log);
        _stack.AddTransport(_wire);
        _ua = new SipUserAgent(_stack, _handler);
    }

    public ValueTask DisposeAsync() => _stack.DisposeAsync();

    private void Inject(SipMessage m) =>
        _stack.Receive(m.ToBytes(), false, new SipInboundContext(SipTransportKind.Udp, _wire.LocalEndPoint, Msg.Peer, 0));

    [Fact]
    public void A_throwing_incoming_call_handler_is_logged_with_the_call_id_and_the_invite_gets_500()
    {
        _handler.IncomingCall = _ => throw new InvalidOperationException("bug in the B2BUA");
        Inject(Msg.Request("INVITE", callId: "ua-boom-1"));
        Assert.Single(_wire.Responses(500));
        var line = Assert.Single(_log.Errors());
        Assert.Contains("ua-boom-1", line, StringComparison.Ordinal);
        Assert.Contains(nameof(ISipUserAgentHandler.OnIncomingCallAsync), line, StringComparison.Ordinal);
        Assert.Contains("INVITE", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_handler_failing_after_it_answered_is_logged_but_sends_no_500()
    {
        _handler.IncomingCall = async c =>
        {
            c.Reject(486);
            await Task.Yield();
            throw new InvalidOperationException("bug after the answer");
        };
        Inject(Msg.Request("INVITE", callId: "ua-late-1"));
        // The handler fails on the thread pool after its await; the error line is the signal it got there.
        await _log.FirstError.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Single(_wire.Responses(486));
        Assert.Empty(_wire.Responses(500));
        Assert.Contains("ua-late-1", Assert.Single(_log.Errors()), StringComparison.Ordinal);
    }

    [Fact]
    public void A_throwing_dialog_terminated_handler_is_logged_and_the_bye_still_answered_200()
    {
        _handler.IncomingCall = c =>
        {
            c.Answer("v=0\r\n");
            return Task.CompletedTask;
        };
        _handler.DialogTerminated = (_, _) => throw new InvalidOperationException("bug in the hang-up");
        Inject(Msg.Request("INVITE", callId: "bye-boom-1"));
        var ok = Assert.Single(_wire.Responses(200));
        Inject(Msg.Request("ACK", branch: "z9hG4bKack", callId: "bye-boom-1", toTag: ok.To!.Tag));
        Inject(Msg.Request("BYE", branch: "z9hG4bKbye", cseq: 2, callId: "bye-boom-1", toTag: ok.To.Tag));
        Assert.Equal("BYE", _wire.Responses(200).Last().CSeq!.Method);
        Assert.Empty(_wire.Responses(500));
        Assert.Empty(_ua.Dialogs);
        var line = Assert.Single(_log.Errors());
        Assert.Contains("bye-boom-1", line, StringComparison.Ordinal);
        Assert.Contains(nameof(ISipUserAgentHandler.OnDialogTerminated), line, StringComparison.Ordinal);
    }
}

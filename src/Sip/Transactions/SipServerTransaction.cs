using Acd.Sip.Messages;
using Acd.Sip.Transports;

namespace Acd.Sip.Transactions;

/// <summary>
/// Server transaction (RFC 3261 17.2): INVITE (timers G, H, I; 100 Trying; 2xx retransmitted until
/// the ACK arrives, per 13.3.1.4, with Timer L from RFC 6026) or non-INVITE (timer J).
/// </summary>
public sealed class SipServerTransaction : SipTransaction
{
    private SipResponse? _lastResponse;
    private ITimer? _retransmit;
    private TimeSpan _interval;
    private ISipServerTransactionObserver[] _observers = [];
    private SipRequest? _ack;
    // Events already raised, replayed to an observer that arrives later (each happens at most once).
    private bool _cancelRaised, _ackRaised, _ackTimeoutRaised;

    internal SipServerTransaction(SipTransactionLayer layer, SipRequest request, SipInboundContext source, SipTransactionKey key)
        : base(layer, request, key)
    {
        Source = source;
        State = request.Method == SipMethods.Invite ? SipTransactionState.Proceeding : SipTransactionState.Trying;
        ResponseTarget = ComputeResponseTarget(request, source);
    }

    public SipInboundContext Source { get; }

    /// <summary>Where responses go: the same connection for stream transports, received/rport for UDP (RFC 3581).</summary>
    public SipTarget ResponseTarget { get; }

    public bool IsCancelled { get; private set; }

    public SipResponse? LastResponse => _lastResponse;

    /// <summary>
    /// Adds a listener for CANCEL, ACK and ACK timeout. Listeners hear each event once, in the order they were added;
    /// one added after an event happened hears it at once, so a late listener cannot miss a CANCEL.
    /// </summary>
    public void AddObserver(ISipServerTransactionObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (Gate)
        {
            _observers = [.. _observers, observer];
            if (_cancelRaised) Enqueue(new SipTransactionEvent(SipTransactionEventKind.Cancelled, null, observer));
            if (_ackRaised) Enqueue(new SipTransactionEvent(SipTransactionEventKind.AckReceived, _ack, observer));
            if (_ackTimeoutRaised) Enqueue(new SipTransactionEvent(SipTransactionEventKind.AckTimedOut, null, observer));
        }
        RaisePending();
    }

    internal static SipTarget ComputeResponseTarget(SipRequest request, SipInboundContext source)
    {
        if (source.Transport.IsReliable()) return source.SourceTarget;
        var via = request.TopVia;
        if (via is null || via.HasRport) return source.SourceTarget;
        return new SipTarget(source.Transport, new System.Net.IPEndPoint(source.Remote.Address, via.Port ?? 5060));
    }

    /// <summary>Creates a response to this transaction's request (see <see cref="SipResponse.Create"/>).</summary>
    public SipResponse CreateResponse(int statusCode, string? reason = null, string? toTag = null) =>
        SipResponse.Create(Request, statusCode, reason, toTag ?? LocalTag);

    /// <summary>To tag used for every non-100 response of this transaction, so provisional and final agree.</summary>
    public string LocalTag { get; } = SipIds.NewTag();

    /// <summary>Sends a response through the transaction, driving its state machine.</summary>
    public void Respond(SipResponse response)
    {
        lock (Gate) RespondLocked(response);
    }

    private void RespondLocked(SipResponse response)
    {
        if (State is SipTransactionState.Completed or SipTransactionState.Confirmed or SipTransactionState.Terminated or SipTransactionState.Accepted) return;
        _lastResponse = response;
        Layer.Sender.Send(response, ResponseTarget);
        var code = response.StatusCode;
        if (code < 200)
        {
            if (!IsInvite) State = SipTransactionState.Proceeding;
            return;
        }
        var reliable = ResponseTarget.Transport.IsReliable();
        var t = Layer.Timers;
        if (IsInvite)
        {
            if (code >= 300)
            {
                State = SipTransactionState.Completed;
                if (!reliable)
                {
                    _interval = t.T1;
                    _retransmit = StartTimer(_interval, RetransmitFinal);
                }
                StartTimer(t.Sixty4T1, () =>
                {
                    Terminate();
                    Enqueue(new SipTransactionEvent(SipTransactionEventKind.AckTimedOut));
                });
            }
            else
            {
                State = SipTransactionState.Accepted;
                Layer.RegisterAccepted(this);
                // The UAS core retransmits the 2xx itself (13.3.1.4), but only where the transport is unreliable.
                if (!reliable)
                {
                    _interval = t.T1;
                    _retransmit = StartTimer(_interval, RetransmitFinal);
                }
                StartTimer(t.Sixty4T1, () =>
                {
                    var acked = State == SipTransactionState.Confirmed;
                    Terminate();
                    if (!acked) Enqueue(new SipTransactionEvent(SipTransactionEventKind.AckTimedOut));
                });
            }
        }
        else
        {
            State = SipTransactionState.Completed;
            if (reliable) Terminate();
            else StartTimer(t.Sixty4T1, Terminate);
        }
    }

    private void RetransmitFinal()
    {
        if (State is not (SipTransactionState.Completed or SipTransactionState.Accepted) || _lastResponse is null) return;
        Layer.Sender.Send(_lastResponse, ResponseTarget);
        SipMetrics.RetransmissionSent(Request.Method);
        _interval = _interval * 2 < Layer.Timers.T2 ? _interval * 2 : Layer.Timers.T2;
        _retransmit = StartTimer(_interval, RetransmitFinal);
    }

    internal void OnRetransmission()
    {
        SipMetrics.RetransmissionReceived(Request.Method);
        lock (Gate)
        {
            if (_lastResponse is not null && State is SipTransactionState.Proceeding or SipTransactionState.Trying or SipTransactionState.Completed or SipTransactionState.Accepted)
                Layer.Sender.Send(_lastResponse, ResponseTarget);
        }
    }

    /// <summary>ACK for a non-2xx final (same branch).</summary>
    internal void OnAck()
    {
        lock (Gate)
        {
            if (State != SipTransactionState.Completed) return;
            State = SipTransactionState.Confirmed;
            Stop(ref _retransmit);
            if (ResponseTarget.Transport.IsReliable()) Terminate();
            else StartTimer(Layer.Timers.T4, Terminate);
        }
    }

    /// <summary>ACK for a 2xx (new branch, matched by dialog): stops 2xx retransmission.</summary>
    internal void On2xxAck(SipRequest ack)
    {
        lock (Gate)
        {
            if (State != SipTransactionState.Accepted) return;
            State = SipTransactionState.Confirmed;
            Stop(ref _retransmit);
            _ack = ack;
            Enqueue(new SipTransactionEvent(SipTransactionEventKind.AckReceived, ack));
        }
        RaisePending();
    }

    /// <summary>A CANCEL matched (9.2): an unanswered INVITE ends with 487 in the same step, so no 2xx can slip in between.</summary>
    internal void TryCancel()
    {
        lock (Gate)
        {
            if (!IsInvite || State != SipTransactionState.Proceeding || IsCancelled) return;
            IsCancelled = true;
            RespondLocked(CreateResponse(487));
            Enqueue(new SipTransactionEvent(SipTransactionEventKind.Cancelled));
        }
        RaisePending();
    }

    private protected override SipTransactionEvent Dequeue()
    {
        var e = base.Dequeue();
        if (e.Only is not null) return e;
        switch (e.Kind)
        {
            case SipTransactionEventKind.Cancelled: _cancelRaised = true; break;
            case SipTransactionEventKind.AckReceived: _ackRaised = true; break;
            case SipTransactionEventKind.AckTimedOut: _ackTimeoutRaised = true; SipMetrics.TransactionTimedOut(Request.Method); break;
        }
        // The listeners at this moment hear it; one added from now on gets a replay from AddObserver instead.
        return e with { Observers = _observers };
    }

    private protected override void Raise(in SipTransactionEvent e)
    {
        if (e.Only is { } only)
        {
            Raise(only, e);
            return;
        }
        foreach (var observer in e.Observers!) Raise(observer, e);
    }

    private void Raise(ISipServerTransactionObserver observer, in SipTransactionEvent e)
    {
        try
        {
            switch (e.Kind)
            {
                case SipTransactionEventKind.Cancelled: observer.OnCancelled(this); break;
                case SipTransactionEventKind.AckReceived: observer.OnAckReceived(this, (SipRequest)e.Message!); break;
                case SipTransactionEventKind.AckTimedOut: observer.OnAckTimedOut(this); break;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Layer.HandlerFailed(ex, "ISipServerTransactionObserver.On" + e.Kind, Request);
        }
    }
}

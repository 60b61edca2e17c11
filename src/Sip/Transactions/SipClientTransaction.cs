using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Transports;

namespace Acd.Sip.Transactions;

/// <summary>
/// Client transaction (RFC 3261 17.1): INVITE (timers A, B, D; ACK for non-2xx; RFC 6026 Accepted
/// state, timer M) or non-INVITE (timers E, F, K).
/// </summary>
public sealed class SipClientTransaction : SipTransaction
{
    private readonly TaskCompletionSource<SipResponse> _final = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ITimer? _retransmit;
    private ITimer? _timeout;
    private TimeSpan _interval;
    private SipRequest? _ack;
    private bool _cancelRequested;
    private readonly ISipClientTransactionObserver? _observer;

    internal SipClientTransaction(SipTransactionLayer layer, SipRequest request, SipTarget target, SipTransactionKey key, ISipClientTransactionObserver? observer)
        : base(layer, request, key)
    {
        Target = target;
        _observer = observer;
        State = request.Method == SipMethods.Invite ? SipTransactionState.Calling : SipTransactionState.Trying;
    }

    public SipTarget Target { get; }

    /// <summary>Completes with the first final response; a timeout or transport error yields a synthesized 408/503.</summary>
    public Task<SipResponse> FinalResponse => _final.Task;

    public SipResponse? LastProvisional { get; private set; }

    internal void Start()
    {
        lock (Gate)
        {
            Layer.Sender.Send(Request, Target);
            var reliable = Target.Transport.IsReliable();
            var t = Layer.Timers;
            if (!reliable)
            {
                _interval = t.T1;
                _retransmit = StartTimer(_interval, Retransmit);
            }
            _timeout = StartTimer(t.Sixty4T1, OnTimeout);
        }
        // A transport that fails at once fails the transaction inside the lock above; its 503 is raised here.
        RaisePending();
    }

    private void Retransmit()
    {
        if (State is not (SipTransactionState.Calling or SipTransactionState.Trying or SipTransactionState.Proceeding)) return;
        if (IsInvite && State != SipTransactionState.Calling) return;
        Layer.Sender.Send(Request, Target);
        SipMetrics.RetransmissionSent(Request.Method);
        // Timer A doubles without bound; Timer E doubles up to T2, and stays at T2 once Proceeding.
        _interval = IsInvite ? _interval * 2 : State == SipTransactionState.Proceeding ? Layer.Timers.T2 : Min(_interval * 2, Layer.Timers.T2);
        _retransmit = StartTimer(_interval, Retransmit);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private void OnTimeout()
    {
        if (State is SipTransactionState.Calling or SipTransactionState.Trying or SipTransactionState.Proceeding)
        {
            if (IsInvite && State == SipTransactionState.Proceeding) return; // Timer B only applies in Calling.
            SipMetrics.TransactionTimedOut(Request.Method);
            Fail(408, "Request Timeout");
        }
    }

    internal void TransportFailed()
    {
        lock (Gate)
        {
            if (State is SipTransactionState.Calling or SipTransactionState.Trying or SipTransactionState.Proceeding) Fail(503, "Service Unavailable - transport error");
        }
        RaisePending();
    }

    private void Fail(int code, string reason)
    {
        var r = SipResponse.Create(Request, code, reason);
        Terminate();
        _final.TrySetResult(r);
        EnqueueResponse(r);
    }

    /// <summary>
    /// Asks for the INVITE to be cancelled (RFC 3261 9.1): sent at once if a provisional response has
    /// arrived, deferred until one does otherwise, and never after a final response.
    /// </summary>
    public bool Cancel()
    {
        if (!IsInvite) return false;
        bool accepted;
        lock (Gate)
        {
            if (State == SipTransactionState.Proceeding) Layer.SendCancel(this);
            else if (State == SipTransactionState.Calling) _cancelRequested = true;
            accepted = State is SipTransactionState.Proceeding or SipTransactionState.Calling;
        }
        RaisePending();
        return accepted;
    }

    internal void OnResponse(SipResponse response)
    {
        var sendCancel = false;
        lock (Gate)
        {
            var code = response.StatusCode;
            switch (State)
            {
                case SipTransactionState.Calling:
                case SipTransactionState.Trying:
                case SipTransactionState.Proceeding:
                    if (code < 200)
                    {
                        if (State == SipTransactionState.Calling) Stop(ref _retransmit);
                        if (State != SipTransactionState.Proceeding && _cancelRequested) sendCancel = true;
                        State = SipTransactionState.Proceeding;
                        LastProvisional = response;
                        EnqueueResponse(response);
                        break;
                    }
                    Stop(ref _retransmit);
                    Stop(ref _timeout);
                    EnqueueResponse(response);
                    _final.TrySetResult(response);
                    var reliable = Target.Transport.IsReliable();
                    if (IsInvite && code >= 300)
                    {
                        State = SipTransactionState.Completed;
                        _ack = BuildAck(response);
                        Layer.Sender.Send(_ack, Target);
                        if (reliable) Terminate();
                        else StartTimer(Layer.Timers.TimerD, Terminate);
                    }
                    else if (IsInvite)
                    {
                        State = SipTransactionState.Accepted;
                        StartTimer(Layer.Timers.Sixty4T1, Terminate);
                    }
                    else
                    {
                        State = SipTransactionState.Completed;
                        if (reliable) Terminate();
                        else StartTimer(Layer.Timers.T4, Terminate);
                    }
                    break;
                case SipTransactionState.Completed:
                    if (IsInvite && code >= 300 && _ack is not null) Layer.Sender.Send(_ack, Target);
                    break;
                case SipTransactionState.Accepted:
                    // 2xx retransmissions (or 2xx from other forks) go to the TU, which re-sends its ACK.
                    if (code is >= 200 and < 300) EnqueueResponse(response);
                    break;
            }
        }
        if (sendCancel) Layer.SendCancel(this);
        RaisePending();
    }

    /// <summary>Nothing is queued for a transaction nobody observes (most non-INVITEs).</summary>
    private void EnqueueResponse(SipResponse response)
    {
        if (_observer is not null) Enqueue(new SipTransactionEvent(SipTransactionEventKind.Response, response));
    }

    private protected override void Raise(in SipTransactionEvent e)
    {
        if (_observer is null) return;
        var response = (SipResponse)e.Message!;
        try
        {
            _observer.OnResponse(this, response);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Layer.HandlerFailed(ex, nameof(ISipClientTransactionObserver.OnResponse), response);
        }
    }

    /// <summary>ACK for a non-2xx final response (RFC 3261 17.1.1.3): same branch, To from the response.</summary>
    private SipRequest BuildAck(SipResponse response)
    {
        var ack = new SipRequest(SipMethods.Ack, Request.RequestUri);
        ack.Headers.Add(SipHeaderNames.Via, Request.Headers[SipHeaderNames.Via]!);
        foreach (var r in Request.Headers.GetAll(SipHeaderNames.Route)) ack.Headers.Add(SipHeaderNames.Route, r);
        ack.Headers.Add(SipHeaderNames.MaxForwards, "70");
        ack.Headers.Add(SipHeaderNames.From, Request.Headers[SipHeaderNames.From]!);
        ack.Headers.Add(SipHeaderNames.To, response.Headers[SipHeaderNames.To] ?? Request.Headers[SipHeaderNames.To]!);
        ack.Headers.Add(SipHeaderNames.CallId, Request.CallId!);
        ack.Headers.Add(SipHeaderNames.CSeq, $"{Request.CSeq!.Number} ACK");
        return ack;
    }
}

using System.Collections.Concurrent;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Transports;

namespace Acd.Sip.Transactions;

/// <summary>RFC 3261 timer base values (17.1.1.1, table 4).</summary>
public sealed record SipTimerSettings
{
    public TimeSpan T1 { get; init; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan T2 { get; init; } = TimeSpan.FromSeconds(4);
    public TimeSpan T4 { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan TimerD { get; init; } = TimeSpan.FromSeconds(32);
    public TimeSpan Sixty4T1 => T1 * 64;
}

/// <summary>Sends serialized messages; the stack implements it, tests fake it.</summary>
public interface ISipMessageSender
{
    void Send(SipMessage message, SipTarget target);
}

public enum SipTransactionState
{
    Calling,
    Trying,
    Proceeding,
    Completed,
    /// <summary>RFC 6026: INVITE answered 2xx, absorbing retransmissions until Timer L/M.</summary>
    Accepted,
    Confirmed,
    Terminated,
}

/// <summary>Base of client and server transactions: state, timers and a lock.</summary>
public abstract class SipTransaction
{
    private protected readonly object Gate = new();
    private protected readonly SipTransactionLayer Layer;
    private readonly List<ITimer> _timers = [];

    private protected SipTransaction(SipTransactionLayer layer, SipRequest request, string key)
    {
        Layer = layer;
        Request = request;
        Key = key;
    }

    public SipRequest Request { get; }

    public string Key { get; }

    public SipTransactionState State { get; private protected set; }

    public bool IsInvite => Request.Method == SipMethods.Invite;

    private protected ITimer StartTimer(TimeSpan due, Action callback)
    {
        var t = Layer.Time.CreateTimer(_ =>
        {
            lock (Gate)
            {
                if (State == SipTransactionState.Terminated) return;
                callback();
            }
        }, null, due, Timeout.InfiniteTimeSpan);
        _timers.Add(t);
        return t;
    }

    private protected static void Stop(ref ITimer? timer)
    {
        timer?.Dispose();
        timer = null;
    }

    private protected void Terminate()
    {
        if (State == SipTransactionState.Terminated) return;
        State = SipTransactionState.Terminated;
        foreach (var t in _timers) t.Dispose();
        _timers.Clear();
        Layer.Remove(this);
    }
}

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

    internal SipClientTransaction(SipTransactionLayer layer, SipRequest request, SipTarget target, string key)
        : base(layer, request, key)
    {
        Target = target;
        State = request.Method == SipMethods.Invite ? SipTransactionState.Calling : SipTransactionState.Trying;
    }

    public SipTarget Target { get; }

    /// <summary>Every response (provisional and final, including 2xx retransmissions) in arrival order.</summary>
    public Action<SipClientTransaction, SipResponse>? ResponseReceived { get; set; }

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
    }

    private void Retransmit()
    {
        if (State is not (SipTransactionState.Calling or SipTransactionState.Trying or SipTransactionState.Proceeding)) return;
        if (IsInvite && State != SipTransactionState.Calling) return;
        Layer.Sender.Send(Request, Target);
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
            Fail(408, "Request Timeout");
        }
    }

    internal void TransportFailed()
    {
        lock (Gate)
        {
            if (State is SipTransactionState.Calling or SipTransactionState.Trying or SipTransactionState.Proceeding) Fail(503, "Service Unavailable - transport error");
        }
    }

    private void Fail(int code, string reason)
    {
        var r = SipResponse.Create(Request, code, reason);
        Terminate();
        _final.TrySetResult(r);
        ResponseReceived?.Invoke(this, r);
    }

    /// <summary>
    /// Asks for the INVITE to be cancelled (RFC 3261 9.1): sent at once if a provisional response has
    /// arrived, deferred until one does otherwise, and never after a final response.
    /// </summary>
    public bool Cancel()
    {
        if (!IsInvite) return false;
        lock (Gate)
        {
            if (State == SipTransactionState.Proceeding)
            {
                Layer.SendCancel(this);
                return true;
            }
            if (State == SipTransactionState.Calling)
            {
                _cancelRequested = true;
                return true;
            }
            return false;
        }
    }

    internal void OnResponse(SipResponse response)
    {
        var deliver = false;
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
                        deliver = true;
                        break;
                    }
                    Stop(ref _retransmit);
                    Stop(ref _timeout);
                    deliver = true;
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
                    if (code is >= 200 and < 300) deliver = true;
                    break;
            }
        }
        if (sendCancel) Layer.SendCancel(this);
        if (deliver) ResponseReceived?.Invoke(this, response);
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

/// <summary>
/// Server transaction (RFC 3261 17.2): INVITE (timers G, H, I; 100 Trying; 2xx retransmitted until
/// the ACK arrives, per 13.3.1.4, with Timer L from RFC 6026) or non-INVITE (timer J).
/// </summary>
public sealed class SipServerTransaction : SipTransaction
{
    private SipResponse? _lastResponse;
    private ITimer? _retransmit;
    private TimeSpan _interval;

    internal SipServerTransaction(SipTransactionLayer layer, SipRequest request, SipInboundContext source, string key)
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

    /// <summary>Raised (once) when a matching CANCEL arrived while the INVITE was unanswered; 487 is sent automatically.</summary>
    public Action<SipServerTransaction>? Cancelled { get; set; }

    /// <summary>Raised when the ACK for a final response never came (Timer H, or Timer L for 2xx): the edge should hang up.</summary>
    public Action<SipServerTransaction>? AckTimedOut { get; set; }

    /// <summary>Raised when the ACK for the 2xx arrived.</summary>
    public Action<SipServerTransaction, SipRequest>? AckReceived { get; set; }

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
        lock (Gate)
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
                        AckTimedOut?.Invoke(this);
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
                        if (!acked) AckTimedOut?.Invoke(this);
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
    }

    private void RetransmitFinal()
    {
        if (State is not (SipTransactionState.Completed or SipTransactionState.Accepted) || _lastResponse is null) return;
        Layer.Sender.Send(_lastResponse, ResponseTarget);
        _interval = _interval * 2 < Layer.Timers.T2 ? _interval * 2 : Layer.Timers.T2;
        _retransmit = StartTimer(_interval, RetransmitFinal);
    }

    internal void OnRetransmission()
    {
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
    internal bool On2xxAck(SipRequest ack)
    {
        lock (Gate)
        {
            if (State != SipTransactionState.Accepted) return false;
            State = SipTransactionState.Confirmed;
            Stop(ref _retransmit);
        }
        AckReceived?.Invoke(this, ack);
        return true;
    }

    internal bool TryCancel()
    {
        lock (Gate)
        {
            if (!IsInvite || State != SipTransactionState.Proceeding || IsCancelled) return false;
            IsCancelled = true;
        }
        Cancelled?.Invoke(this);
        Respond(CreateResponse(487));
        return true;
    }
}

/// <summary>
/// Matches messages to transactions (RFC 3261 17.1.3, 17.2.3), detects merged requests (8.2.2.2)
/// and handles CANCEL (9.2). Everything that is not a transaction retransmission surfaces through
/// the three callbacks.
/// </summary>
public sealed class SipTransactionLayer
{
    private readonly ConcurrentDictionary<string, SipClientTransaction> _clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SipServerTransaction> _servers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SipServerTransaction> _merge = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SipServerTransaction> _accepted = new(StringComparer.Ordinal);

    public SipTransactionLayer(ISipMessageSender sender, TimeProvider? time = null, SipTimerSettings? timers = null)
    {
        Sender = sender;
        Time = time ?? TimeProvider.System;
        Timers = timers ?? new SipTimerSettings();
    }

    public ISipMessageSender Sender { get; }
    public TimeProvider Time { get; }
    public SipTimerSettings Timers { get; }

    /// <summary>A new request created a server transaction (not ACK, not CANCEL): the TU must respond.</summary>
    public Action<SipServerTransaction>? RequestReceived { get; set; }

    /// <summary>An ACK that belongs to no transaction: the ACK for a 2xx, for the dialog layer.</summary>
    public Action<SipRequest, SipInboundContext>? AckReceived { get; set; }

    /// <summary>A response that matched no client transaction (e.g. a 2xx retransmission after Timer M).</summary>
    public Action<SipResponse, SipInboundContext>? StrayResponse { get; set; }

    public int ClientCount => _clients.Count;
    public int ServerCount => _servers.Count;

    /// <summary>Starts a client transaction. The request must already carry its top Via with a branch.</summary>
    public SipClientTransaction SendRequest(SipRequest request, SipTarget target)
    {
        if (request.Method == SipMethods.Ack) throw new ArgumentException("ACK is not sent through a transaction; use ISipMessageSender.Send", nameof(request));
        var branch = request.TopVia?.Branch ?? throw new ArgumentException("request needs a top Via with a branch", nameof(request));
        var tx = new SipClientTransaction(this, request, target, branch + "|" + request.Method);
        _clients[tx.Key] = tx;
        tx.Start();
        return tx;
    }

    /// <summary>A send failed: the client transaction for that request fails with 503 (RFC 3261 17.1.4).</summary>
    public void OnTransportError(SipMessage request, SipTarget target)
    {
        if (request.TopVia?.Branch is { } b && _clients.TryGetValue(b + "|" + ((SipRequest)request).Method, out var tx)) tx.TransportFailed();
    }

    internal void SendCancel(SipClientTransaction invite)
    {
        var req = invite.Request;
        var cancel = new SipRequest(SipMethods.Cancel, req.RequestUri);
        cancel.Headers.Add(SipHeaderNames.Via, req.Headers[SipHeaderNames.Via]!);
        foreach (var r in req.Headers.GetAll(SipHeaderNames.Route)) cancel.Headers.Add(SipHeaderNames.Route, r);
        cancel.Headers.Add(SipHeaderNames.MaxForwards, "70");
        cancel.Headers.Add(SipHeaderNames.From, req.Headers[SipHeaderNames.From]!);
        cancel.Headers.Add(SipHeaderNames.To, req.Headers[SipHeaderNames.To]!);
        cancel.Headers.Add(SipHeaderNames.CallId, req.CallId!);
        cancel.Headers.Add(SipHeaderNames.CSeq, $"{req.CSeq!.Number} CANCEL");
        SendRequest(cancel, invite.Target);
    }

    /// <summary>Feeds a parsed, validated inbound message.</summary>
    public void Receive(SipMessage message, SipInboundContext context)
    {
        if (message is SipResponse response)
        {
            var via = response.TopVia;
            if (via?.Branch is { } b && response.CSeq is { } cs && _clients.TryGetValue(b + "|" + cs.Method, out var ctx))
                ctx.OnResponse(response);
            else
                StrayResponse?.Invoke(response, context);
            return;
        }
        var request = (SipRequest)message;
        var key = ServerKey(request, request.Method == SipMethods.Ack ? SipMethods.Invite : request.Method);
        if (_servers.TryGetValue(key, out var existing))
        {
            if (request.Method == SipMethods.Ack)
            {
                if (existing.State == SipTransactionState.Accepted)
                {
                    // RFC 2543-style ACK reusing the INVITE branch for a 2xx.
                    Try2xxAck(request, context);
                }
                else
                {
                    existing.OnAck();
                }
            }
            else
            {
                existing.OnRetransmission();
            }
            return;
        }
        if (request.Method == SipMethods.Ack)
        {
            Try2xxAck(request, context);
            return;
        }
        if (request.Method == SipMethods.Cancel)
        {
            var cancelTx = new SipServerTransaction(this, request, context, key);
            _servers[key] = cancelTx;
            if (_servers.TryGetValue(ServerKey(request, SipMethods.Invite), out var invite))
            {
                cancelTx.Respond(cancelTx.CreateResponse(200));
                invite.TryCancel();
            }
            else
            {
                cancelTx.Respond(cancelTx.CreateResponse(481));
            }
            return;
        }
        // Merged request (8.2.2.2): same From tag, Call-ID and CSeq as a pending transaction, other branch.
        string? mergeKey = null;
        if (request.To?.Tag is null && request.From?.Tag is { } ft)
        {
            mergeKey = $"{ft}|{request.CallId}|{request.CSeq?.Number}|{request.Method}";
            if (_merge.TryGetValue(mergeKey, out _))
            {
                var loopTx = new SipServerTransaction(this, request, context, key);
                _servers[key] = loopTx;
                loopTx.Respond(loopTx.CreateResponse(482));
                return;
            }
        }
        var tx = new SipServerTransaction(this, request, context, key);
        if (!_servers.TryAdd(key, tx))
        {
            _servers[key].OnRetransmission();
            return;
        }
        if (mergeKey is not null) _merge[mergeKey] = tx;
        if (tx.IsInvite) tx.Respond(tx.CreateResponse(100));
        if (RequestReceived is { } handler) handler(tx);
        else tx.Respond(tx.CreateResponse(501));
    }

    private void Try2xxAck(SipRequest ack, SipInboundContext context)
    {
        if (_accepted.TryRemove(AcceptedKey(ack), out var tx) && tx.On2xxAck(ack)) { }
        AckReceived?.Invoke(ack, context);
    }

    internal void RegisterAccepted(SipServerTransaction tx) => _accepted[AcceptedKey(tx.Request)] = tx;

    private static string AcceptedKey(SipRequest r) => $"{r.CallId}|{r.CSeq?.Number}|{r.From?.Tag}";

    private static string ServerKey(SipRequest request, string method)
    {
        var via = request.TopVia;
        if (via is not null && via.IsRfc3261Branch) return $"{via.Branch}|{via.SentBy}|{method}";
        // RFC 2543 fallback (17.2.3): Request-URI, tags, Call-ID, CSeq number and top Via.
        return $"2543|{request.RequestUri}|{request.From?.Tag}|{request.CallId}|{request.CSeq?.Number}|{via}|{method}";
    }

    internal void Remove(SipTransaction tx)
    {
        if (tx is SipClientTransaction c) _clients.TryRemove(new KeyValuePair<string, SipClientTransaction>(c.Key, c));
        else if (tx is SipServerTransaction s)
        {
            _servers.TryRemove(new KeyValuePair<string, SipServerTransaction>(s.Key, s));
            var r = s.Request;
            if (r.From?.Tag is { } ft) _merge.TryRemove(new KeyValuePair<string, SipServerTransaction>($"{ft}|{r.CallId}|{r.CSeq?.Number}|{r.Method}", s));
            _accepted.TryRemove(new KeyValuePair<string, SipServerTransaction>(AcceptedKey(r), s));
        }
    }
}

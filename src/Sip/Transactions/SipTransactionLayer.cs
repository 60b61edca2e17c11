using System.Collections.Concurrent;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Transports;

namespace Acd.Sip.Transactions;

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

using System.Collections.Concurrent;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Transports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.Sip.Transactions;

/// <summary>
/// Matches messages to transactions (RFC 3261 17.1.3, 17.2.3), detects merged requests (8.2.2.2)
/// and handles CANCEL (9.2). Everything that is not a transaction retransmission surfaces through
/// the attached <see cref="ISipTransactionUser"/>.
/// </summary>
public sealed class SipTransactionLayer
{
    private readonly ConcurrentDictionary<SipTransactionKey, SipClientTransaction> _clients = new();
    private readonly ConcurrentDictionary<SipTransactionKey, SipServerTransaction> _servers = new();
    private readonly ConcurrentDictionary<SipMergeKey, SipServerTransaction> _merge = new();
    private readonly ConcurrentDictionary<SipAcceptedKey, SipServerTransaction> _accepted = new();
    private ISipTransactionUser? _user;

    public SipTransactionLayer(ISipMessageSender sender, TimeProvider? time = null, SipTimerSettings? timers = null, ILogger? logger = null)
    {
        Sender = sender;
        Time = time ?? TimeProvider.System;
        Timers = timers ?? new SipTimerSettings();
        Logger = logger ?? NullLogger.Instance;
    }

    public ISipMessageSender Sender { get; }
    public TimeProvider Time { get; }
    public SipTimerSettings Timers { get; }
    public ILogger Logger { get; }

    /// <summary>
    /// Sets the transaction user. There is one per layer (one <see cref="Dialogs.SipUserAgent"/> per stack): a second,
    /// different one is refused rather than silently taking the requests away from the first. Until one is attached,
    /// requests are answered 501.
    /// </summary>
    public void Attach(ISipTransactionUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (Interlocked.CompareExchange(ref _user, user, null) is { } existing && !ReferenceEquals(existing, user))
            throw new InvalidOperationException("This transaction layer already has a transaction user (one SipUserAgent per SipStack).");
    }

    public int ClientCount => _clients.Count;
    public int ServerCount => _servers.Count;

    /// <summary>Starts a client transaction. The request must already carry its top Via with a branch.</summary>
    public SipClientTransaction SendRequest(SipRequest request, SipTarget target, ISipClientTransactionObserver? observer = null)
    {
        if (request.Method == SipMethods.Ack) throw new ArgumentException("ACK is not sent through a transaction; use ISipMessageSender.Send", nameof(request));
        var branch = request.TopVia?.Branch ?? throw new ArgumentException("request needs a top Via with a branch", nameof(request));
        var tx = new SipClientTransaction(this, request, target, SipTransactionKey.ForClient(branch, request.Method), observer);
        _clients[tx.Key] = tx;
        tx.Start();
        return tx;
    }

    /// <summary>A send failed: the client transaction for that request fails with 503 (RFC 3261 17.1.4).</summary>
    public void OnTransportError(SipMessage request, SipTarget target)
    {
        if (request is SipRequest r && r.TopVia?.Branch is { } b && _clients.TryGetValue(SipTransactionKey.ForClient(b, r.Method), out var tx)) tx.TransportFailed();
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
            if (SipTransactionKey.TryForResponse(response, out var clientKey) && _clients.TryGetValue(clientKey, out var ctx))
                ctx.OnResponse(response);
            else if (_user is { } tu)
            {
                try
                {
                    tu.OnStrayResponse(response, context);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    HandlerFailed(ex, nameof(ISipTransactionUser.OnStrayResponse), response);
                }
            }
            return;
        }
        var request = (SipRequest)message;
        var key = SipTransactionKey.ForServer(request, request.Method == SipMethods.Ack ? SipMethods.Invite : request.Method);
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
            if (_servers.TryGetValue(key.As(SipMethods.Invite), out var invite))
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
        SipMergeKey mergeKey = default;
        var merging = request.To?.Tag is null && SipMergeKey.TryCreate(request, out mergeKey);
        if (merging)
        {
            if (_merge.ContainsKey(mergeKey))
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
        if (merging) _merge[mergeKey] = tx;
        if (tx.IsInvite) tx.Respond(tx.CreateResponse(100));
        if (_user is not { } user)
        {
            tx.Respond(tx.CreateResponse(501));
            return;
        }
        try
        {
            user.OnRequest(tx);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            HandlerFailed(ex, nameof(ISipTransactionUser.OnRequest), request);
            // Ignored when the handler answered before it threw; otherwise the peer is not left waiting.
            tx.Respond(tx.CreateResponse(500));
        }
    }

    private void Try2xxAck(SipRequest ack, SipInboundContext context)
    {
        if (_accepted.TryRemove(SipAcceptedKey.Of(ack), out var tx)) tx.On2xxAck(ack);
        if (_user is not { } user) return;
        try
        {
            user.OnAck(ack, context);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            HandlerFailed(ex, nameof(ISipTransactionUser.OnAck), ack);
        }
    }

    /// <summary>Logs an exception thrown by user code while it handled <paramref name="message"/>, with its Call-ID.</summary>
    internal void HandlerFailed(Exception exception, string handler, SipMessage message) => SipLog.HandlerFailed(Logger, exception, handler, message);

    internal void RegisterAccepted(SipServerTransaction tx) => _accepted[SipAcceptedKey.Of(tx.Request)] = tx;

    internal void Remove(SipTransaction tx)
    {
        if (tx is SipClientTransaction c) _clients.TryRemove(new KeyValuePair<SipTransactionKey, SipClientTransaction>(c.Key, c));
        else if (tx is SipServerTransaction s)
        {
            _servers.TryRemove(new KeyValuePair<SipTransactionKey, SipServerTransaction>(s.Key, s));
            if (SipMergeKey.TryCreate(s.Request, out var mergeKey)) _merge.TryRemove(new KeyValuePair<SipMergeKey, SipServerTransaction>(mergeKey, s));
            _accepted.TryRemove(new KeyValuePair<SipAcceptedKey, SipServerTransaction>(SipAcceptedKey.Of(s.Request), s));
        }
    }
}

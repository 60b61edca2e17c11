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

/// <summary>
/// Base of client and server transactions: state, timers and a lock. What the transaction user must hear (responses,
/// CANCEL, ACK, ACK timeout) is queued while the lock is held and raised once it is released, one event at a time and in
/// order: a handler may call back into its transaction from any thread without deadlocking on the lock, and a
/// handler on one thread never sees a later event before an earlier one finished.
/// </summary>
public abstract class SipTransaction
{
    private protected readonly Lock Gate = new();
    private protected readonly SipTransactionLayer Layer;
    private readonly List<ITimer> _timers = [];
    private Queue<SipTransactionEvent>? _events;
    private bool _raising;

    private protected SipTransaction(SipTransactionLayer layer, SipRequest request, SipTransactionKey key)
    {
        Layer = layer;
        Request = request;
        Key = key;
        SipMetrics.TransactionStarted(this is SipClientTransaction, request.Method);
    }

    public SipRequest Request { get; }

    public SipTransactionKey Key { get; }

    public SipTransactionState State { get; private protected set; }

    public bool IsInvite => Request.Method == SipMethods.Invite;

    /// <summary>For tests: whether the calling thread holds this transaction's lock (handlers must never see true).</summary>
    internal bool IsLockHeldByCurrentThread => Gate.IsHeldByCurrentThread;

    private protected ITimer StartTimer(TimeSpan due, Action callback)
    {
        var t = Layer.Time.CreateTimer(_ =>
        {
            lock (Gate)
            {
                if (State == SipTransactionState.Terminated) return;
                callback();
            }
            RaisePending();
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

    /// <summary>Queues an event for the transaction user; the caller holds <see cref="Gate"/> and calls <see cref="RaisePending"/> after leaving it.</summary>
    private protected void Enqueue(in SipTransactionEvent e) => (_events ??= new Queue<SipTransactionEvent>(2)).Enqueue(e);

    /// <summary>
    /// Raises the queued events outside the lock. Only one thread raises at a time: another thread (or a handler
    /// re-entering on this one) that queues meanwhile leaves its event to the thread already raising, which keeps the order.
    /// </summary>
    private protected void RaisePending()
    {
        // Called with the lock held (a nested call), the outermost caller raises once it has let go.
        if (Gate.IsHeldByCurrentThread) return;
        SipTransactionEvent next;
        lock (Gate)
        {
            if (_raising || _events is not { Count: > 0 }) return;
            _raising = true;
            next = Dequeue();
        }
        while (true)
        {
            Raise(next);
            lock (Gate)
            {
                if (_events.Count == 0)
                {
                    _raising = false;
                    return;
                }
                next = Dequeue();
            }
        }
    }

    /// <summary>Takes the next event; runs under <see cref="Gate"/>, so a subclass may note what it is about to raise.</summary>
    private protected virtual SipTransactionEvent Dequeue() => _events!.Dequeue();

    /// <summary>Delivers one event to the transaction user; called without the lock, and must not throw.</summary>
    private protected abstract void Raise(in SipTransactionEvent e);
}

internal enum SipTransactionEventKind
{
    Response,
    Cancelled,
    AckReceived,
    AckTimedOut,
}

/// <summary>One thing to tell the transaction user: its kind, the message (a response or the ACK) and, for a replay to a late observer, whom.</summary>
internal readonly record struct SipTransactionEvent(SipTransactionEventKind Kind, SipMessage? Message = null, ISipServerTransactionObserver? Only = null,
    ISipServerTransactionObserver[]? Observers = null);

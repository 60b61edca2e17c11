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

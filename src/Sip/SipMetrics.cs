using System.Diagnostics.Metrics;
using Acd.Sip.Messages;

namespace Acd.Sip;

/// <summary>
/// The SIP stack's counters (meter "Acd.Sip"). A static meter, as System.Net's are: the stack has no container, and
/// a counter without a listener costs one branch. Methods outside RFC 3261's and its extensions' set are counted as
/// "other", so a peer sending made-up methods cannot grow the series. The counters of trouble (retransmissions,
/// timeouts, refused messages) are read when collected and exported from the start, at 0, so a rate or an alert on
/// them sees 0 rather than no data.
/// </summary>
public static class SipMetrics
{
    public const string MeterName = "Acd.Sip";

    private static readonly string[] Methods =
    [
        SipMethods.Invite, SipMethods.Ack, SipMethods.Bye, SipMethods.Cancel, SipMethods.Register, SipMethods.Options,
        SipMethods.Info, SipMethods.Refer, SipMethods.Notify, SipMethods.Subscribe, SipMethods.Update, SipMethods.Prack,
        SipMethods.Message, SipMethods.Publish, "other",
    ];

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Transactions = Meter.CreateCounter<long>("acd.sip.transactions", "{transaction}",
        "SIP transactions started, by role (client, server) and method.");

    private static readonly long[] RetransmissionsSent = new long[Methods.Length];
    private static readonly long[] RetransmissionsReceived = new long[Methods.Length];
    private static readonly long[] Timeouts = new long[Methods.Length];
    private static long _dropped;
    private static long _answered;

    static SipMetrics()
    {
        Meter.CreateObservableCounter("acd.sip.retransmissions.sent", () => PerMethod(RetransmissionsSent), "{message}",
            "Requests and final responses sent again because the peer did not answer (timers A, E, G).");
        Meter.CreateObservableCounter("acd.sip.retransmissions.received", () => PerMethod(RetransmissionsReceived), "{message}",
            "Requests received again from peers and absorbed by their transaction.");
        Meter.CreateObservableCounter("acd.sip.transaction.timeouts", () => PerMethod(Timeouts), "{transaction}",
            "Client transactions that got no final response (timers B, F) and INVITEs whose final response got no ACK (timer H).");
        Meter.CreateObservableCounter("acd.sip.messages.rejected", () => (IEnumerable<Measurement<long>>)
            [
                new(Volatile.Read(ref _dropped), new KeyValuePair<string, object?>("action", "dropped")),
                new(Volatile.Read(ref _answered), new KeyValuePair<string, object?>("action", "answered")),
            ], "{message}",
            "Received messages refused before a transaction: invalid, or failing the inbound checks (dropped, or answered statelessly).");
    }

    internal static void TransactionStarted(bool client, string method) =>
        Transactions.Add(1, new KeyValuePair<string, object?>("role", client ? "client" : "server"), new KeyValuePair<string, object?>("method", Methods[IndexOf(method)]));

    internal static void RetransmissionSent(string method) => Interlocked.Increment(ref RetransmissionsSent[IndexOf(method)]);

    internal static void RetransmissionReceived(string method) => Interlocked.Increment(ref RetransmissionsReceived[IndexOf(method)]);

    internal static void TransactionTimedOut(string method) => Interlocked.Increment(ref Timeouts[IndexOf(method)]);

    internal static void MessageRejected(bool dropped) => Interlocked.Increment(ref dropped ? ref _dropped : ref _answered);

    private static IEnumerable<Measurement<long>> PerMethod(long[] counts)
    {
        for (var i = 0; i < Methods.Length; i++)
        {
            yield return new Measurement<long>(Volatile.Read(ref counts[i]), new KeyValuePair<string, object?>("method", Methods[i]));
        }
    }

    /// <summary>Methods are interned by the parser (<see cref="SipMethods.Intern"/>), so most lookups end at a reference match.</summary>
    private static int IndexOf(string method)
    {
        for (var i = 0; i < Methods.Length - 1; i++)
        {
            if (ReferenceEquals(Methods[i], method) || string.Equals(Methods[i], method, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return Methods.Length - 1;
    }
}

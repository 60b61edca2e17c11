using Acd.ThreeCx.Rest;

namespace Acd.ThreeCx.Events;

/// <summary>
/// What one PBX's event stream tells. Calls come one at a time, in the order the stream learnt things, from one loop:
/// a slow observer delays the next notification, it never sees two at once.
/// </summary>
public interface IThreeCxObserver
{
    /// <summary>A participant appeared or changed (status, party, ...). <paramref name="previous"/> is null when it is new.</summary>
    Task ParticipantChangedAsync(string pbx, ThreeCxParticipant participant, ThreeCxParticipant? previous);

    /// <summary>
    /// A participant is gone for good: it stayed away for the removal grace (a ring wave's gap is not a removal). A
    /// replacement leg of the same call (same <c>callid</c>) that appeared meanwhile was reported before this.
    /// </summary>
    Task ParticipantRemovedAsync(string pbx, ThreeCxRemoval removal);

    /// <summary>Digits the caller pressed (event type 2; 3CX sends them only for the API client's own DN).</summary>
    Task DtmfReceivedAsync(string pbx, string dn, int participantId, string digits);

    /// <summary>The socket came up (healthy) or went down, with why.</summary>
    Task ConnectionStateChangedAsync(string pbx, ThreeCxConnectionHealth health);
}

public enum ThreeCxRemovalReason
{
    /// <summary>The PBX sent a Remove event.</summary>
    RemoveEvent,

    /// <summary>An upsert's GET answered 404.</summary>
    GoneOnFetch,

    /// <summary>A snapshot no longer listed it: it ended while the socket was down or an event was missed.</summary>
    MissingFromSnapshot,
}

/// <param name="LastKnown">The participant as last seen, with its <c>callid</c> to find the ACD call it belonged to.</param>
public sealed record ThreeCxRemoval(string Dn, int Id, ThreeCxParticipant LastKnown, ThreeCxRemovalReason Reason);

/// <summary>The state of one PBX's event socket, for /health/ready and the wallboard.</summary>
/// <param name="Reason">Why it is down (or the last error before it came up); never holds a secret or token.</param>
public sealed record ThreeCxConnectionHealth(string Pbx, bool Healthy, string? Reason, DateTimeOffset Since, DateTimeOffset? LastSnapshotAt);

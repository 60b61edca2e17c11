using System.Collections.Immutable;
using Acd.Agents;

namespace Acd.Queues;

/// <summary>
/// A call waiting in a queue. <see cref="JoinedAt"/> is the original join time, kept across re-queues.
/// <see cref="RequiresDevice"/> is set for calls whose media the SIP edge carries: only agents with a
/// registered phone may take them (CTI-reported calls reach any agent). <see cref="Requeued"/> says the queue has
/// counted this call's arrival already (back after ring-no-answer, or a repeated start), so its statistics do not
/// count it twice.
/// </summary>
[GenerateSerializer, Immutable, Alias("acd.QueuedCall")]
public sealed record QueuedCall(
    [property: Id(0)] string CallId,
    [property: Id(1)] int Priority,
    [property: Id(2)] DateTimeOffset JoinedAt,
    [property: Id(3)] string? Ani,
    [property: Id(4)] bool RequiresDevice = false,
    [property: Id(5)] bool Requeued = false)
{
    /// <summary>Priority first (higher wins), then the longest wait.</summary>
    public static readonly IComparer<QueuedCall> Order = Comparer<QueuedCall>.Create((a, b) =>
    {
        var byPriority = b.Priority.CompareTo(a.Priority);
        if (byPriority != 0)
        {
            return byPriority;
        }

        var byJoin = a.JoinedAt.CompareTo(b.JoinedAt);
        return byJoin != 0 ? byJoin : string.CompareOrdinal(a.CallId, b.CallId);
    });
}

/// <summary>
/// What a queue knows about one of its agents, kept fresh by the agent grain. <see cref="Status"/> lets the queue tell
/// agents working calls from agents on a break (for the wait estimate); null from agent grains older than it.
/// </summary>
[GenerateSerializer, Immutable, Alias("acd.QueueMember")]
public sealed record QueueMember(
    [property: Id(0)] string AgentId,
    [property: Id(1)] bool IsReady,
    [property: Id(2)] bool IsLoggedIn,
    [property: Id(3)] DateTimeOffset IdleSince,
    [property: Id(4)] int CallsHandled,
    [property: Id(5)] ImmutableDictionary<string, int> Skills,
    [property: Id(6)] bool HasDevice,
    [property: Id(7)] AgentStatus? Status = null);

/// <summary>Result of entering a queue: offered at once to an agent, or waiting.</summary>
[GenerateSerializer, Immutable, Alias("acd.EnqueueOutcome")]
public sealed record EnqueueOutcome(
    [property: Id(0)] AgentReservation? Offered,
    [property: Id(1)] QueueConfig Config,
    [property: Id(2)] int Position);

/// <summary>The best waiting call a queue has for a given agent, with the terms to offer it.</summary>
[GenerateSerializer, Immutable, Alias("acd.CallCandidate")]
public sealed record CallCandidate(
    [property: Id(0)] string QueueId,
    [property: Id(1)] QueuedCall Call,
    [property: Id(2)] TimeSpan RingTimeout);

public enum CallOutcomeKind
{
    Answered = 0,
    Abandoned,
    Overflowed,
    Failed,
}

/// <summary>How a call left the queue, for the queue's statistics.</summary>
[GenerateSerializer, Immutable, Alias("acd.CallOutcome")]
public sealed record CallOutcome(
    [property: Id(0)] string CallId,
    [property: Id(1)] CallOutcomeKind Kind,
    [property: Id(2)] TimeSpan Wait,
    [property: Id(3)] DateTimeOffset At);

/// <summary>
/// Live statistics. Counts, service level, ASA and the average handle time cover the sliding window ending at
/// <see cref="At"/>. <see cref="AverageHandleTime"/> is an agent's busy cycle per call of this queue (from the offer
/// to the end of wrap-up), zero until one was measured.
/// </summary>
[GenerateSerializer, Immutable, Alias("acd.QueueStats")]
public sealed record QueueStats(
    [property: Id(0)] int Waiting,
    [property: Id(1)] TimeSpan LongestWait,
    [property: Id(2)] int Offered,
    [property: Id(3)] int Answered,
    [property: Id(4)] int Abandoned,
    [property: Id(5)] int Overflowed,
    [property: Id(6)] double? ServiceLevelPercent,
    [property: Id(7)] TimeSpan AverageSpeedOfAnswer,
    [property: Id(8)] int ReadyAgents,
    [property: Id(9)] int LoggedInAgents,
    [property: Id(10)] TimeSpan Window,
    [property: Id(11)] DateTimeOffset At,
    [property: Id(12)] TimeSpan AverageHandleTime = default,
    [property: Id(13)] int HandledCalls = 0);

[GenerateSerializer, Immutable, Alias("acd.QueueSnapshot")]
public sealed record QueueSnapshot(
    [property: Id(0)] string QueueId,
    [property: Id(1)] QueueConfig? Config,
    [property: Id(2)] ImmutableArray<QueuedCall> Waiting,
    [property: Id(3)] QueueStats Stats);

/// <summary>What an estimated wait was computed from (see <c>QueueGrain.Waiting.cs</c> for the formulas).</summary>
public enum WaitEstimateBasis
{
    /// <summary>Too little history, or no agent working the queue: no estimate.</summary>
    None = 0,

    /// <summary>Position x average handle time / agents working the queue.</summary>
    HandleTime,

    /// <summary>Position x the time between answers over the statistics window (no handle times measured yet).</summary>
    AnswerRate,
}

/// <summary>
/// Where a call stands in a queue: <see cref="Position"/> is 1-based in the queue's order (priority, then join time),
/// null when the call is not waiting there (never queued, offered to an agent, gone). <see cref="EstimatedWait"/> is
/// the time until an agent is expected to take it, null when <see cref="Basis"/> is <see cref="WaitEstimateBasis.None"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("acd.WaitingPosition")]
public sealed record WaitingPosition(
    [property: Id(0)] string CallId,
    [property: Id(1)] int? Position,
    [property: Id(2)] int Waiting,
    [property: Id(3)] TimeSpan? EstimatedWait,
    [property: Id(4)] WaitEstimateBasis Basis,
    [property: Id(5)] TimeSpan Waited);

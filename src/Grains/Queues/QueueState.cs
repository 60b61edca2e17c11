using Acd.Queues;

namespace Acd.Grains.Queues;

[GenerateSerializer, Alias("acd.QueueState")]
public sealed class QueueState
{
    [Id(0)] public QueueConfig? Config { get; set; }

    /// <summary>Waiting calls, kept sorted by <see cref="QueuedCall.Order"/>.</summary>
    [Id(1)] public List<QueuedCall> Waiting { get; set; } = [];

    /// <summary>Calls handed to an agent whose outcome is not known yet; pinged after a failover.</summary>
    [Id(2)] public Dictionary<string, QueuedCall> Offered { get; set; } = [];

    // Id 3 held the members; they are soft state now (QueueGrain keeps them in memory, QueueRoster stores who they are).

    [Id(4)] public string? LastRoundRobinAgentId { get; set; }

    // Ids 5 and 6 held per-call entries and outcomes of the statistics window; retired because the state grew with the
    // call rate and was rewritten on every change. Do not reuse them.

    /// <summary>The statistics window as counters per time slice, oldest first; see <c>QueueGrain.Stats.cs</c>.</summary>
    [Id(7)] public List<QueueStatsBucket> Buckets { get; set; } = [];
}

/// <summary>
/// What happened in one slice of the statistics window. Service level counts are decided when the outcome is recorded,
/// against the SLA threshold configured at that moment. <see cref="HandledCalls"/> and <see cref="HandleTicks"/> are the
/// agents' busy cycles on this queue's calls (offer, talk, wrap-up) that ended in the slice, for the wait estimate.
/// </summary>
[GenerateSerializer, Immutable, Alias("acd.QueueStatsBucket")]
public sealed record QueueStatsBucket(
    [property: Id(0)] DateTimeOffset Start,
    [property: Id(1)] int Entered = 0,
    [property: Id(2)] int Answered = 0,
    [property: Id(3)] int AnsweredInSla = 0,
    [property: Id(4)] long AnsweredWaitTicks = 0,
    [property: Id(5)] int Abandoned = 0,
    [property: Id(6)] int AbandonedAfterSla = 0,
    [property: Id(7)] int Overflowed = 0,
    [property: Id(8)] int HandledCalls = 0,
    [property: Id(9)] long HandleTicks = 0);

/// <summary>The agents of a queue, stored apart from its calls and written only when someone joins or leaves.</summary>
[GenerateSerializer, Alias("acd.QueueRoster")]
public sealed class QueueRoster
{
    [Id(0)] public HashSet<string> AgentIds { get; set; } = new(StringComparer.Ordinal);
}

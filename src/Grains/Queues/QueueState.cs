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

    [Id(3)] public Dictionary<string, QueueMember> Members { get; set; } = [];

    [Id(4)] public string? LastRoundRobinAgentId { get; set; }

    /// <summary>Calls that entered the queue within the statistics window (call id, time).</summary>
    [Id(5)] public List<QueueEntry> Entries { get; set; } = [];

    [Id(6)] public List<CallOutcome> Outcomes { get; set; } = [];
}

[GenerateSerializer, Immutable, Alias("acd.QueueEntry")]
public sealed record QueueEntry([property: Id(0)] string CallId, [property: Id(1)] DateTimeOffset At);

using System.Collections.Immutable;

namespace Acd.Queues;

public enum RoutingStrategy
{
    /// <summary>The Ready agent idle the longest gets the call (default).</summary>
    LongestIdle = 0,
    /// <summary>Ready agents take turns in a fixed rotation.</summary>
    RoundRobin,
    /// <summary>The Ready agent who has handled the fewest calls gets it.</summary>
    FewestCalls,
}

/// <summary>How a queue routes and measures its calls.</summary>
[GenerateSerializer, Immutable, Alias("acd.QueueConfig")]
public sealed record QueueConfig(
    [property: Id(0)] string Name,
    [property: Id(1)] ImmutableArray<string> Numbers,
    [property: Id(2)] RoutingStrategy Strategy,
    [property: Id(3)] ImmutableDictionary<string, int> RequiredSkills,
    [property: Id(4)] int SlaSeconds,
    [property: Id(5)] int MaxWaitSeconds,
    [property: Id(6)] string? OverflowQueueId,
    [property: Id(7)] int WrapUpSeconds,
    [property: Id(8)] int RingTimeoutSeconds,
    [property: Id(9)] int StatsWindowMinutes)
{
    public const int DefaultSlaSeconds = 20;
    public const int DefaultRingTimeoutSeconds = 20;
    public const int DefaultStatsWindowMinutes = 60;

    public static QueueConfig Create(string name, IEnumerable<string>? numbers = null,
        RoutingStrategy strategy = RoutingStrategy.LongestIdle, IEnumerable<KeyValuePair<string, int>>? requiredSkills = null,
        int slaSeconds = DefaultSlaSeconds, int maxWaitSeconds = 0, string? overflowQueueId = null,
        int wrapUpSeconds = 0, int ringTimeoutSeconds = DefaultRingTimeoutSeconds, int statsWindowMinutes = DefaultStatsWindowMinutes) =>
        new(name, [.. numbers ?? []], strategy,
            (requiredSkills ?? []).ToImmutableDictionary(StringComparer.OrdinalIgnoreCase),
            slaSeconds, maxWaitSeconds, overflowQueueId, wrapUpSeconds, ringTimeoutSeconds, statsWindowMinutes);

    public TimeSpan RingTimeout => TimeSpan.FromSeconds(RingTimeoutSeconds);

    public TimeSpan WrapUp => TimeSpan.FromSeconds(WrapUpSeconds);

    /// <summary>Null when the queue lets callers wait forever.</summary>
    public TimeSpan? MaxWait => MaxWaitSeconds > 0 ? TimeSpan.FromSeconds(MaxWaitSeconds) : null;

    /// <summary>Whether an agent with these skills may take this queue's calls.</summary>
    public bool IsQualified(IReadOnlyDictionary<string, int> agentSkills)
    {
        foreach (var (skill, minimum) in RequiredSkills)
        {
            if (!agentSkills.TryGetValue(skill, out var level) || level < minimum)
            {
                return false;
            }
        }

        return true;
    }
}

using Acd.Agents;

namespace Acd.Reporting.Queries;

/// <summary>The length of one row of an interval report.</summary>
public enum ReportInterval
{
    Minutes15,
    Minutes30,
    Hour,
    Day,
    Week,
}

/// <summary>What the rows of an interval report are per: the whole centre, each queue, each agent or each team.</summary>
public enum ReportGrouping
{
    Total,
    Queue,
    Agent,
    Team,
}

/// <summary>
/// An interval report over [From, To). Intervals are aligned in local time given as a fixed <see cref="OffsetMinutes"/>
/// east of UTC (days start at local midnight, weeks on Monday). A team of a call is its agent's team
/// (<see cref="AgentTeams"/>), or for a call no agent took, the first team working its queue (<see cref="QueueTeams"/>).
/// </summary>
public sealed record IntervalReportQuery(
    DateTimeOffset From,
    DateTimeOffset To,
    ReportInterval Interval,
    ReportGrouping GroupBy,
    string? QueueId = null,
    string? AgentId = null,
    string? TeamId = null,
    int OffsetMinutes = 0,
    int SlaSeconds = 20,
    IReadOnlyDictionary<string, int>? QueueSlaSeconds = null,
    IReadOnlyDictionary<string, string>? AgentTeams = null,
    IReadOnlyDictionary<string, string>? QueueTeams = null);

/// <summary>
/// One interval of one group. Offered/answered/abandoned count inbound calls that arrived in the interval; the SLA is
/// answered within the queue's threshold over answered plus abandoned after it; talk excludes hold; handle time is talk,
/// hold and wrap-up per answered call; occupancy is on-call and wrap-up time over logged-in time of the group's agents
/// in the interval (null for queues, whose agents are shared).
/// </summary>
public sealed record IntervalRow(
    DateTimeOffset Start,
    DateTimeOffset End,
    string Group,
    int Offered,
    int Answered,
    int Abandoned,
    int AnsweredInSla,
    int AbandonedAfterSla,
    IReadOnlyList<int> AbandonBuckets,
    double? ServiceLevelPercent,
    double AverageSpeedOfAnswerSeconds,
    double AverageHandleSeconds,
    double TalkSeconds,
    double HoldSeconds,
    double WrapUpSeconds,
    double? OccupancyPercent)
{
    /// <summary>Upper limits (seconds of waiting) of the abandon buckets; the last bucket is everything above.</summary>
    public static readonly IReadOnlyList<int> AbandonBucketLimits = [10, 30, 60, 120];

    public static readonly IReadOnlyList<string> AbandonBucketNames = ["<10s", "10-30s", "30-60s", "60-120s", ">=120s"];
}

/// <summary>A state an agent was in (or still is: <see cref="Open"/>), for the agents' timelines.</summary>
public sealed record AgentTimelineSegment(
    string AgentId,
    AgentStatus Status,
    string? ReasonCode,
    string? CallId,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    bool Open);

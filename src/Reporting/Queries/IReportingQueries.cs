namespace Acd.Reporting.Queries;

/// <summary>Read side of the reporting store (call history, metrics), used by the frontend's API.</summary>
public interface IReportingQueries
{
    Task<CallRecord?> GetCallAsync(string callId, CancellationToken cancellationToken = default);

    Task<CallHistoryPage> GetCallsAsync(CallHistoryQuery query, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<AgentActivityRecord>> GetAgentActivitiesAsync(string agentId, DateTimeOffset from, DateTimeOffset to,
        CancellationToken cancellationToken = default);

    /// <summary>Figures per agent (all agents, or one) over [from, to).</summary>
    Task<IReadOnlyList<AgentMetrics>> GetAgentMetricsAsync(DateTimeOffset from, DateTimeOffset to, string? agentId = null,
        CancellationToken cancellationToken = default);

    /// <summary>Call figures over [from, to); <paramref name="slaSeconds"/> is the answer threshold for service level.</summary>
    Task<CallMetrics> GetCallMetricsAsync(DateTimeOffset from, DateTimeOffset to, string? queueId = null, int slaSeconds = 20,
        CancellationToken cancellationToken = default);

    /// <summary>Interval rows (see <see cref="IntervalRow"/>), every interval of the range for each group that has any figure.</summary>
    Task<IReadOnlyList<IntervalRow>> GetIntervalReportAsync(IntervalReportQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// The agents' states over [from, to), clipped to it, by agent and time; the state each agent is in now is added
    /// as an open segment up to <paramref name="openUntil"/>.
    /// </summary>
    Task<IReadOnlyList<AgentTimelineSegment>> GetAgentTimelinesAsync(DateTimeOffset from, DateTimeOffset to, DateTimeOffset openUntil,
        string? agentId = null, CancellationToken cancellationToken = default);

    /// <summary>The agent states that belonged to one call (ringing, talking, wrap-up), by time.</summary>
    Task<IReadOnlyList<AgentActivityRecord>> GetCallActivitiesAsync(string callId, CancellationToken cancellationToken = default);
}

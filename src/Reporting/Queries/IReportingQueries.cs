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
}

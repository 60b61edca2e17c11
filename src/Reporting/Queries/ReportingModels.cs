using Acd.Agents;
using Acd.Calls;

namespace Acd.Reporting.Queries;

/// <summary>One row of the calls table: one per call, updated as the call progresses.</summary>
public sealed record CallRecord(
    string CallId,
    CallDirection Direction,
    CallStatus Status,
    CallDisposition Disposition,
    string? Ani,
    string? Dnis,
    string? CallerName,
    string? QueueId,
    string? AgentId,
    int Priority,
    DateTimeOffset? ArrivedAt,
    DateTimeOffset? QueuedAt,
    DateTimeOffset? OfferedAt,
    DateTimeOffset? ConnectedAt,
    DateTimeOffset? EndedAt,
    double? WaitSeconds,
    double? TalkSeconds,
    double HoldSeconds,
    string? CustomerId,
    string? CustomerName,
    string? CustomerJson,
    string? EndReason);

/// <summary>One row of agent_activities: a state the agent was in, with its reason and duration.</summary>
public sealed record AgentActivityRecord(
    string AgentId,
    AgentStatus Status,
    string? ReasonCode,
    string? CallId,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    double DurationSeconds);

/// <summary>One row of the agents table.</summary>
public sealed record AgentRecord(
    string AgentId,
    string? Name,
    string? Extension,
    AgentStatus Status,
    DateTimeOffset UpdatedAt);

public sealed record CallHistoryQuery(
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    string? AgentId = null,
    string? QueueId = null,
    int Page = 1,
    int PageSize = 50);

public sealed record CallHistoryPage(IReadOnlyList<CallRecord> Items, int Page, int PageSize, long Total);

/// <summary>Per-agent figures over a time range.</summary>
public sealed record AgentMetrics(
    string AgentId,
    int CallsHandled,
    double AverageHandleSeconds,
    IReadOnlyDictionary<string, double> SecondsPerState,
    double OccupancyPercent);

/// <summary>
/// Call figures over a time range, optionally for one queue. <see cref="Total"/> and the rest are calls with customers
/// (inbound and outbound); calls between agents count only in <see cref="Internal"/>.
/// </summary>
public sealed record CallMetrics(
    int Total,
    int Inbound,
    int Outbound,
    int Internal,
    int Answered,
    int Abandoned,
    double AnswerRatePercent,
    double AbandonRatePercent,
    double AverageSpeedOfAnswerSeconds,
    double? ServiceLevelPercent,
    IReadOnlyDictionary<string, int> Dispositions);

using System.Security.Claims;
using Acd.Frontend.Apis.Export;
using Acd.Frontend.Auth;
using Acd.Frontend.Scoping;
using Acd.Reporting.Queries;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Acd.Frontend.Apis;

/// <summary>
/// /api/v1/reports: every table answers JSON, or with format=csv / format=xlsx a download of the same rows. Scoped
/// supervisors get their queues, teams and agents only (<see cref="AccessScope"/>).
/// </summary>
public static partial class ReportsApi
{
    public const int MaxExportRows = 100_000;

    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder api)
    {
        var reports = api.MapGroup("/reports").WithTags("Reports").RequireAuthorization(Policies.Supervisor);
        reports.MapGet("/agents", AgentMetricsAsync)
            .WithSummary("Per-agent calls handled, average handle time, time per state and occupancy over [from, to); format=csv|xlsx to download.");
        reports.MapGet("/agents/{id}/activities", ActivitiesAsync).WithSummary("The agent's states over [from, to); format=csv|xlsx to download.");
        reports.MapGet("/calls", CallMetricsAsync)
            .WithSummary("Inbound/outbound (and, counted apart, internal) calls, answer and abandon rate, ASA, SLA % and dispositions over [from, to).");
        reports.MapGet("/calls/export", ExportCallsAsync).WithSummary("Call records over [from, to) as CSV (format=xlsx: a workbook).");
        MapIntervalReports(reports);
        return api;
    }

    private static async Task<Results<Ok<IReadOnlyList<AgentMetrics>>, FileContentHttpResult, ValidationProblem, ProblemHttpResult>> AgentMetricsAsync(
        IServiceProvider services, TimeProvider time, ClaimsPrincipal user, ScopeResolver scopes, IGrainFactory grains,
        DateTimeOffset? from, DateTimeOffset? to, string? agentId, string? format, CancellationToken cancellationToken)
    {
        if (Range(time, from, to, format, out var start, out var end) is { } invalid)
        {
            return invalid;
        }

        if (services.GetService<IReportingQueries>() is not { } reporting)
        {
            return ApiResults.Unavailable("No reporting store is configured.");
        }

        var visible = await VisibleAgentsAsync(user, scopes, grains);
        if (agentId is not null && visible is not null && !visible.Contains(agentId))
        {
            return ApiResults.Forbidden("This agent is outside your scope.");
        }

        var metrics = (await reporting.GetAgentMetricsAsync(start, end, agentId, cancellationToken))
            .Where(m => visible is null || visible.Contains(m.AgentId)).ToList();
        if (!ExportTable.IsExport(format))
        {
            return TypedResults.Ok<IReadOnlyList<AgentMetrics>>(metrics);
        }

        var states = metrics.SelectMany(m => m.SecondsPerState.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        return new ExportTable("agent-metrics", ["agentId", "callsHandled", "averageHandleSeconds", "occupancyPercent", .. states.Select(s => $"seconds_{s}")],
            [.. metrics.Select(m => new object?[] { m.AgentId, m.CallsHandled, m.AverageHandleSeconds, m.OccupancyPercent }
                .Concat(states.Select(s => (object?)m.SecondsPerState.GetValueOrDefault(s))).ToArray())]).ToFile(format);
    }

    private static async Task<Results<Ok<IReadOnlyList<AgentActivityRecord>>, FileContentHttpResult, ValidationProblem, ProblemHttpResult>> ActivitiesAsync(
        string id, IServiceProvider services, TimeProvider time, ClaimsPrincipal user, ScopeResolver scopes,
        DateTimeOffset? from, DateTimeOffset? to, string? format, CancellationToken cancellationToken)
    {
        if (Range(time, from, to, format, out var start, out var end) is { } invalid)
        {
            return invalid;
        }

        if (services.GetService<IReportingQueries>() is not { } reporting)
        {
            return ApiResults.Unavailable("No reporting store is configured.");
        }

        if (!await scopes.MayActForAgentAsync(user, id))
        {
            return ApiResults.Forbidden("This agent is outside your scope.");
        }

        var rows = await reporting.GetAgentActivitiesAsync(id, start, end, cancellationToken);
        if (!ExportTable.IsExport(format))
        {
            return TypedResults.Ok(rows);
        }

        return new ExportTable($"agent-{id}-activities", ["agentId", "status", "reasonCode", "callId", "startedAt", "endedAt", "durationSeconds"],
            [.. rows.Select(r => new object?[] { r.AgentId, r.Status.ToString(), r.ReasonCode, r.CallId, r.StartedAt, r.EndedAt, r.DurationSeconds })])
            .ToFile(format);
    }

    private static async Task<Results<Ok<CallMetrics>, ValidationProblem, ProblemHttpResult>> CallMetricsAsync(
        IServiceProvider services, TimeProvider time, ClaimsPrincipal user, ScopeResolver scopes,
        DateTimeOffset? from, DateTimeOffset? to, string? queueId, int? slaSeconds, CancellationToken cancellationToken)
    {
        if (Range(time, from, to, null, out var start, out var end) is { } invalid)
        {
            return invalid;
        }

        if (slaSeconds is < 1 or > 3600)
        {
            return ApiResults.Invalid("slaSeconds", "Must be between 1 and 3600.");
        }

        if (services.GetService<IReportingQueries>() is not { } reporting)
        {
            return ApiResults.Unavailable("No reporting store is configured.");
        }

        var scope = await scopes.ForAsync(user);
        if (!scope.All && !scope.SeesQueue(queueId))
        {
            return ApiResults.Forbidden("Name a queue of your scope (queueId).");
        }

        return TypedResults.Ok(await reporting.GetCallMetricsAsync(start, end, queueId, slaSeconds ?? 20, cancellationToken));
    }

    private static async Task<Results<FileContentHttpResult, ValidationProblem, ProblemHttpResult>> ExportCallsAsync(
        IServiceProvider services, TimeProvider time, ClaimsPrincipal user, ScopeResolver scopes,
        DateTimeOffset? from, DateTimeOffset? to, string? agentId, string? queueId, string? format, CancellationToken cancellationToken)
    {
        if (Range(time, from, to, format, out var start, out var end) is { } invalid)
        {
            return invalid;
        }

        if (services.GetService<IReportingQueries>() is not { } reporting)
        {
            return ApiResults.Unavailable("No reporting store is configured.");
        }

        var scope = await scopes.ForAsync(user);
        if (!scope.All && !scope.SeesQueue(queueId))
        {
            return ApiResults.Forbidden("Name a queue of your scope (queueId).");
        }

        var rows = new List<object?[]>();
        for (var page = 1; rows.Count < MaxExportRows; page++)
        {
            var result = await reporting.GetCallsAsync(new CallHistoryQuery(start, end, agentId, queueId, page, 1000), cancellationToken);
            rows.AddRange(result.Items.Select(r => new object?[]
            {
                r.CallId, r.Direction.ToString(), r.Status.ToString(), r.Disposition.ToString(), r.Ani, r.Dnis, r.CallerName,
                r.QueueId, r.AgentId, r.Priority, r.ArrivedAt, r.QueuedAt, r.OfferedAt, r.ConnectedAt,
                r.EndedAt, r.WaitSeconds, r.TalkSeconds, r.HoldSeconds, r.CustomerId, r.CustomerName, r.EndReason,
            }));
            if (result.Items.Count < 1000)
            {
                break;
            }
        }

        return new ExportTable("calls", ["callId", "direction", "status", "disposition", "from", "to", "callerName", "queueId", "agentId", "priority",
            "arrivedAt", "queuedAt", "offeredAt", "connectedAt", "endedAt", "waitSeconds", "talkSeconds", "holdSeconds", "customerId", "customerName",
            "endReason"], rows).ToFile(format);
    }

    private static ValidationProblem? Range(TimeProvider time, DateTimeOffset? from, DateTimeOffset? to, string? format,
        out DateTimeOffset start, out DateTimeOffset end)
    {
        end = to ?? time.GetUtcNow();
        start = from ?? end.AddDays(-1);
        var v = new Validator().Require(start < end, "from", "Must be before 'to'.")
            .Require(ExportTable.IsValidFormat(format), "format", "json, csv or xlsx.");
        return v.IsValid ? null : v.Problem();
    }
}

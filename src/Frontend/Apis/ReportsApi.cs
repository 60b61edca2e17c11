using System.Globalization;
using System.Text;
using Acd.Frontend.Auth;
using Acd.Reporting.Queries;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Acd.Frontend.Apis;

public static class ReportsApi
{
    public const int MaxExportRows = 100_000;

    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder api)
    {
        var reports = api.MapGroup("/reports").WithTags("Reports").RequireAuthorization(Policies.Supervisor);
        reports.MapGet("/agents", AgentMetricsAsync)
            .WithSummary("Per-agent calls handled, average handle time, time per state and occupancy over [from, to); format=csv for CSV.");
        reports.MapGet("/agents/{id}/activities", ActivitiesAsync).WithSummary("The agent's states over [from, to); format=csv for CSV.");
        reports.MapGet("/calls", CallMetricsAsync)
            .WithSummary("Inbound/outbound (and, counted apart, internal) calls, answer and abandon rate, ASA, SLA % and dispositions over [from, to).");
        reports.MapGet("/calls/export", ExportCallsAsync).WithSummary("Call records over [from, to) as CSV.");
        return api;
    }

    private static async Task<Results<Ok<IReadOnlyList<AgentMetrics>>, FileContentHttpResult, ValidationProblem, ProblemHttpResult>> AgentMetricsAsync(
        IServiceProvider services, TimeProvider time, DateTimeOffset? from, DateTimeOffset? to, string? agentId, string? format,
        CancellationToken cancellationToken)
    {
        if (Range(time, from, to, format, out var start, out var end) is { } invalid)
        {
            return invalid;
        }

        if (services.GetService<IReportingQueries>() is not { } reporting)
        {
            return ApiResults.Unavailable("No reporting store is configured.");
        }

        var metrics = await reporting.GetAgentMetricsAsync(start, end, agentId, cancellationToken);
        if (!IsCsv(format))
        {
            return TypedResults.Ok(metrics);
        }

        var states = metrics.SelectMany(m => m.SecondsPerState.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var csv = new StringBuilder();
        Row(csv, ["agentId", "callsHandled", "averageHandleSeconds", "occupancyPercent", .. states.Select(s => $"seconds_{s}")]);
        foreach (var m in metrics)
        {
            Row(csv, [m.AgentId, Num(m.CallsHandled), Num(m.AverageHandleSeconds), Num(m.OccupancyPercent),
                .. states.Select(s => Num(m.SecondsPerState.GetValueOrDefault(s)))]);
        }

        return Csv(csv, "agent-metrics.csv");
    }

    private static async Task<Results<Ok<IReadOnlyList<AgentActivityRecord>>, FileContentHttpResult, ValidationProblem, ProblemHttpResult>> ActivitiesAsync(
        string id, IServiceProvider services, TimeProvider time, DateTimeOffset? from, DateTimeOffset? to, string? format,
        CancellationToken cancellationToken)
    {
        if (Range(time, from, to, format, out var start, out var end) is { } invalid)
        {
            return invalid;
        }

        if (services.GetService<IReportingQueries>() is not { } reporting)
        {
            return ApiResults.Unavailable("No reporting store is configured.");
        }

        var rows = await reporting.GetAgentActivitiesAsync(id, start, end, cancellationToken);
        if (!IsCsv(format))
        {
            return TypedResults.Ok(rows);
        }

        var csv = new StringBuilder();
        Row(csv, ["agentId", "status", "reasonCode", "callId", "startedAt", "endedAt", "durationSeconds"]);
        foreach (var r in rows)
        {
            Row(csv, [r.AgentId, r.Status.ToString(), r.ReasonCode, r.CallId, Time(r.StartedAt), Time(r.EndedAt), Num(r.DurationSeconds)]);
        }

        return Csv(csv, $"agent-{id}-activities.csv");
    }

    private static async Task<Results<Ok<CallMetrics>, ValidationProblem, ProblemHttpResult>> CallMetricsAsync(
        IServiceProvider services, TimeProvider time, DateTimeOffset? from, DateTimeOffset? to, string? queueId, int? slaSeconds,
        CancellationToken cancellationToken)
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

        return TypedResults.Ok(await reporting.GetCallMetricsAsync(start, end, queueId, slaSeconds ?? 20, cancellationToken));
    }

    private static async Task<Results<FileContentHttpResult, ValidationProblem, ProblemHttpResult>> ExportCallsAsync(
        IServiceProvider services, TimeProvider time, DateTimeOffset? from, DateTimeOffset? to, string? agentId, string? queueId,
        CancellationToken cancellationToken)
    {
        if (Range(time, from, to, null, out var start, out var end) is { } invalid)
        {
            return invalid;
        }

        if (services.GetService<IReportingQueries>() is not { } reporting)
        {
            return ApiResults.Unavailable("No reporting store is configured.");
        }

        var csv = new StringBuilder();
        Row(csv, ["callId", "direction", "status", "disposition", "from", "to", "callerName", "queueId", "agentId", "priority", "arrivedAt",
            "queuedAt", "offeredAt", "connectedAt", "endedAt", "waitSeconds", "talkSeconds", "holdSeconds", "customerId", "customerName",
            "endReason"]);
        var rows = 0;
        for (var page = 1; rows < MaxExportRows; page++)
        {
            var result = await reporting.GetCallsAsync(new CallHistoryQuery(start, end, agentId, queueId, page, 1000), cancellationToken);
            foreach (var r in result.Items)
            {
                Row(csv, [r.CallId, r.Direction.ToString(), r.Status.ToString(), r.Disposition.ToString(), r.Ani, r.Dnis, r.CallerName,
                    r.QueueId, r.AgentId, Num(r.Priority), Time(r.ArrivedAt), Time(r.QueuedAt), Time(r.OfferedAt), Time(r.ConnectedAt),
                    Time(r.EndedAt), Num(r.WaitSeconds), Num(r.TalkSeconds), Num(r.HoldSeconds), r.CustomerId, r.CustomerName, r.EndReason]);
                rows++;
            }

            if (result.Items.Count < 1000)
            {
                break;
            }
        }

        return Csv(csv, "calls.csv");
    }

    private static ValidationProblem? Range(TimeProvider time, DateTimeOffset? from, DateTimeOffset? to, string? format,
        out DateTimeOffset start, out DateTimeOffset end)
    {
        end = to ?? time.GetUtcNow();
        start = from ?? end.AddDays(-1);
        var v = new Validator().Require(start < end, "from", "Must be before 'to'.")
            .Require(format is null || format is "json" || IsCsv(format), "format", "json or csv.");
        return v.IsValid ? null : v.Problem();
    }

    private static bool IsCsv(string? format) => string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase);

    private static string Num(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture) ?? string.Empty;

    private static string Time(DateTimeOffset? value) => value?.ToString("O", CultureInfo.InvariantCulture) ?? string.Empty;

    private static void Row(StringBuilder csv, IEnumerable<string?> values)
    {
        csv.AppendJoin(',', values.Select(Escape)).Append("\r\n");
    }

    private static string Escape(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        // Neutralise spreadsheet formulas (CSV injection) and quote when needed.
        if (value[0] is '=' or '@' || (value[0] is '+' or '-' && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }

    private static FileContentHttpResult Csv(StringBuilder csv, string name) =>
        TypedResults.File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv; charset=utf-8", name);
}

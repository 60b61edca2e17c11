using System.Security.Claims;
using Acd.Agents;
using Acd.Catalog;
using Acd.Frontend.Apis.Export;
using Acd.Frontend.Scoping;
using Acd.Queues;
using Acd.Reporting.Queries;
using Acd.Teams;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Acd.Frontend.Apis;

/// <summary>One step of a call's life for the call detail report.</summary>
public sealed record CallTimelineEvent(DateTimeOffset At, string Kind, string? AgentId, string? Detail, double? DurationSeconds);

public sealed record CallTimeline(CallRecordView Call, IReadOnlyList<CallTimelineEvent> Events);

public static partial class ReportsApi
{
    /// <summary>An interval report of at most this many intervals (a month of quarter hours is about 3000).</summary>
    public const int MaxIntervals = 5000;

    private static void MapIntervalReports(RouteGroupBuilder reports)
    {
        reports.MapGet("/intervals", IntervalsAsync).WithSummary(
            "Interval rows over [from, to): interval=15m|30m|1h|day|week, groupBy=total|queue|agent|team, queueId/agentId/teamId filters, " +
            "tz = the viewer's offset east of UTC in minutes (day and week boundaries), format=csv|xlsx to download.");
        reports.MapGet("/timelines", TimelinesAsync).WithSummary("Every agent's states over [from, to) (agentId/teamId filters); format=csv|xlsx.");
        reports.MapGet("/calls/{id}/timeline", CallTimelineAsync).WithSummary("One call's record and its steps (arrival, queue, offers, talk, wrap-up, end).");
    }

    private static async Task<Results<Ok<IReadOnlyList<IntervalRow>>, FileContentHttpResult, ValidationProblem, ProblemHttpResult>> IntervalsAsync(
        IServiceProvider services, TimeProvider time, ClaimsPrincipal user, ScopeResolver scopes, IGrainFactory grains,
        DateTimeOffset? from, DateTimeOffset? to, string? interval, string? groupBy, string? queueId, string? agentId, string? teamId,
        int? tz, int? slaSeconds, string? format, CancellationToken cancellationToken)
    {
        var step = ParseInterval(interval);
        var grouping = ParseGrouping(groupBy);
        if (Range(time, from, to, format, out var start, out var end) is { } invalid)
        {
            return invalid;
        }

        var v = new Validator().Require(step is not null, "interval", "One of 15m, 30m, 1h, day, week.")
            .Require(grouping is not null, "groupBy", "One of total, queue, agent, team.")
            .Range(tz, "tz", -14 * 60, 14 * 60).Range(slaSeconds, "slaSeconds", 1, 3600);
        if (step is not null && Intervals(start, end, step.Value) > MaxIntervals)
        {
            v.Add("from", $"At most {MaxIntervals} intervals: pick a longer interval or a shorter range.");
        }

        if (!v.IsValid)
        {
            return v.Problem();
        }

        if (services.GetService<IReportingQueries>() is not { } reporting)
        {
            return ApiResults.Unavailable("No reporting store is configured.");
        }

        var scope = await scopes.ForAsync(user);
        var (agents, teams, queues) = await DirectoryAsync(grains);
        var agentTeams = agents.Where(a => a.Profile?.TeamId is not null).ToDictionary(a => a.AgentId, a => a.Profile!.TeamId!, StringComparer.Ordinal);
        var queueTeams = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var team in teams)
        {
            foreach (var q in team.Queues.IsDefault ? [] : team.Queues)
            {
                queueTeams.TryAdd(q, team.TeamId);
            }
        }

        if (!scope.All)
        {
            // A scoped supervisor's figures are those of its queues, teams and agents; a total needs one of them named.
            var outside = (queueId is not null && !scope.SeesQueue(queueId)) || (teamId is not null && !scope.Teams.Contains(teamId))
                || (agentId is not null && !scope.SeesAgent(agents.FirstOrDefault(a => a.AgentId == agentId)?.Profile));
            if (outside || (grouping == ReportGrouping.Total && queueId is null && teamId is null && agentId is null))
            {
                return ApiResults.Forbidden("Name a queue, team or agent of your scope.");
            }
        }

        var rows = await reporting.GetIntervalReportAsync(new IntervalReportQuery(start, end, step!.Value, grouping!.Value, queueId, agentId, teamId,
            tz ?? 0, slaSeconds ?? QueueConfig.DefaultSlaSeconds,
            queues.Where(q => q.Config is not null).ToDictionary(q => q.QueueId, q => q.Config!.SlaSeconds, StringComparer.Ordinal),
            agentTeams, queueTeams), cancellationToken);
        if (!scope.All)
        {
            var profiles = agents.ToDictionary(a => a.AgentId, a => a.Profile, StringComparer.Ordinal);
            rows = [.. rows.Where(r => grouping switch
            {
                ReportGrouping.Queue => scope.SeesQueue(r.Group),
                ReportGrouping.Agent => scope.SeesAgent(profiles.GetValueOrDefault(r.Group)),
                ReportGrouping.Team => scope.Teams.Contains(r.Group),
                _ => true,
            })];
        }

        if (!ExportTable.IsExport(format))
        {
            return TypedResults.Ok(rows);
        }

        return new ExportTable($"interval-report-{grouping.Value.ToString().ToLowerInvariant()}",
            ["start", "end", "group", "offered", "answered", "abandoned", "answeredInSla", "abandonedAfterSla", "serviceLevelPercent", "averageSpeedOfAnswerSeconds",
             "averageHandleSeconds", "talkSeconds", "holdSeconds", "wrapUpSeconds", "occupancyPercent",
             .. IntervalRow.AbandonBucketNames.Select(b => $"abandoned {b}")],
            [.. rows.Select(r => new object?[]
                {
                    r.Start, r.End, r.Group, r.Offered, r.Answered, r.Abandoned, r.AnsweredInSla, r.AbandonedAfterSla, r.ServiceLevelPercent,
                    r.AverageSpeedOfAnswerSeconds, r.AverageHandleSeconds, r.TalkSeconds, r.HoldSeconds, r.WrapUpSeconds, r.OccupancyPercent,
                }.Concat(r.AbandonBuckets.Select(b => (object?)b)).ToArray())]).ToFile(format);
    }

    private static async Task<Results<Ok<IReadOnlyList<AgentTimelineSegment>>, FileContentHttpResult, ValidationProblem, ProblemHttpResult>> TimelinesAsync(
        IServiceProvider services, TimeProvider time, ClaimsPrincipal user, ScopeResolver scopes, IGrainFactory grains,
        DateTimeOffset? from, DateTimeOffset? to, string? agentId, string? teamId, string? format, CancellationToken cancellationToken)
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
        var (agents, _, _) = await DirectoryAsync(grains);
        var visible = agents.Where(a => scope.SeesAgent(a.Profile)
                && (string.IsNullOrEmpty(teamId) || string.Equals(a.Profile?.TeamId, teamId, StringComparison.OrdinalIgnoreCase)))
            .Select(a => a.AgentId).ToHashSet(StringComparer.Ordinal);
        if (agentId is not null && !scope.All && !visible.Contains(agentId))
        {
            return ApiResults.Forbidden("This agent is outside your scope.");
        }

        var segments = (await reporting.GetAgentTimelinesAsync(start, end, time.GetUtcNow(), agentId, cancellationToken))
            .Where(s => (scope.All && string.IsNullOrEmpty(teamId)) || visible.Contains(s.AgentId)).ToList();
        if (!ExportTable.IsExport(format))
        {
            return TypedResults.Ok<IReadOnlyList<AgentTimelineSegment>>(segments);
        }

        return new ExportTable("agent-timelines", ["agentId", "status", "reasonCode", "callId", "startedAt", "endedAt", "durationSeconds", "open"],
            [.. segments.Select(s => new object?[]
                { s.AgentId, s.Status.ToString(), s.ReasonCode, s.CallId, s.StartedAt, s.EndedAt, (s.EndedAt - s.StartedAt).TotalSeconds, s.Open ? "yes" : "no" })])
            .ToFile(format);
    }

    private static async Task<Results<Ok<CallTimeline>, FileContentHttpResult, ValidationProblem, ProblemHttpResult>> CallTimelineAsync(
        string id, IServiceProvider services, ClaimsPrincipal user, ScopeResolver scopes, IGrainFactory grains, string? format,
        CancellationToken cancellationToken)
    {
        if (!ExportTable.IsValidFormat(format))
        {
            return ApiResults.Invalid("format", "json, csv or xlsx.");
        }

        if (services.GetService<IReportingQueries>() is not { } reporting)
        {
            return ApiResults.Unavailable("No reporting store is configured.");
        }

        if (await reporting.GetCallAsync(id, cancellationToken) is not { } call)
        {
            return ApiResults.NotFound($"Call '{id}' is not in the reports.");
        }

        var scope = await scopes.ForAsync(user);
        if (!scope.All && !scope.SeesQueue(call.QueueId)
            && !(call.AgentId is not null && scope.SeesAgent((await grains.GetGrain<IAgentGrain>(call.AgentId).GetAsync()).Profile)))
        {
            return ApiResults.Forbidden("This call is outside your scope.");
        }

        var events = new List<CallTimelineEvent>();
        void Add(DateTimeOffset? at, string kind, string? agent = null, string? detail = null, double? seconds = null)
        {
            if (at is { } t)
            {
                events.Add(new CallTimelineEvent(t, kind, agent, detail, seconds));
            }
        }

        Add(call.ArrivedAt, "arrived", detail: $"{call.Direction} from {call.Ani} to {call.Dnis}");
        Add(call.QueuedAt, "queued", detail: call.QueueId);
        foreach (var a in await reporting.GetCallActivitiesAsync(id, cancellationToken))
        {
            var kind = a.Status switch
            {
                AgentStatus.Reserved => "ringing",
                AgentStatus.OnCall => "talking",
                AgentStatus.WrapUp => "wrap-up",
                _ => a.Status.ToString(),
            };
            Add(a.StartedAt, kind, a.AgentId, null, a.DurationSeconds);
        }

        Add(call.ConnectedAt, "answered", call.AgentId, call.WaitSeconds is { } w ? $"after {w:0.#} s" : null);
        if (call.HoldSeconds > 0)
        {
            Add(call.ConnectedAt, "held", call.AgentId, "in total", call.HoldSeconds);
        }

        Add(call.EndedAt, "ended", call.AgentId, $"{call.Disposition}{(call.EndReason is { } r ? $" ({r})" : "")}", call.TalkSeconds);
        var ordered = events.OrderBy(e => e.At).ToList();
        if (!ExportTable.IsExport(format))
        {
            return TypedResults.Ok(new CallTimeline(CallRecordView.Of(call), ordered));
        }

        return new ExportTable($"call-{id}", ["at", "kind", "agentId", "detail", "durationSeconds"],
            [.. ordered.Select(e => new object?[] { e.At, e.Kind, e.AgentId, e.Detail, e.DurationSeconds })]).ToFile(format);
    }

    /// <summary>The agents a scoped supervisor sees, or null for everyone.</summary>
    private static async Task<HashSet<string>?> VisibleAgentsAsync(ClaimsPrincipal user, ScopeResolver scopes, IGrainFactory grains)
    {
        var scope = await scopes.ForAsync(user);
        if (scope.All)
        {
            return null;
        }

        var (agents, _, _) = await DirectoryAsync(grains);
        return agents.Where(a => scope.SeesAgent(a.Profile)).Select(a => a.AgentId).ToHashSet(StringComparer.Ordinal);
    }

    private static async Task<(AgentSnapshot[] Agents, System.Collections.Immutable.ImmutableArray<Team> Teams, QueueSnapshot[] Queues)> DirectoryAsync(
        IGrainFactory grains)
    {
        var catalog = grains.GetGrain<ICatalogGrain>(CatalogKeys.Default);
        var agents = await Task.WhenAll((await catalog.ListAgentsAsync()).Select(id => grains.GetGrain<IAgentGrain>(id).GetAsync()));
        var queues = await Task.WhenAll((await catalog.ListQueuesAsync()).Select(id => grains.GetGrain<IQueueGrain>(id).GetAsync()));
        var teams = await grains.GetGrain<ITeamDirectoryGrain>(TeamDirectoryKeys.Default).ListAsync();
        return (agents.Where(a => a.IsConfigured).ToArray(), teams, queues);
    }

    private static ReportInterval? ParseInterval(string? value) => (value ?? "1h").ToLowerInvariant() switch
    {
        "15m" => ReportInterval.Minutes15,
        "30m" => ReportInterval.Minutes30,
        "1h" or "60m" => ReportInterval.Hour,
        "day" or "1d" => ReportInterval.Day,
        "week" or "1w" => ReportInterval.Week,
        _ => null,
    };

    private static ReportGrouping? ParseGrouping(string? value) => (value ?? "total").ToLowerInvariant() switch
    {
        "total" => ReportGrouping.Total,
        "queue" => ReportGrouping.Queue,
        "agent" => ReportGrouping.Agent,
        "team" => ReportGrouping.Team,
        _ => null,
    };

    private static double Intervals(DateTimeOffset start, DateTimeOffset end, ReportInterval step) => (end - start).TotalMinutes / step switch
    {
        ReportInterval.Minutes15 => 15,
        ReportInterval.Minutes30 => 30,
        ReportInterval.Hour => 60,
        ReportInterval.Day => 1440,
        _ => 7 * 1440,
    };
}

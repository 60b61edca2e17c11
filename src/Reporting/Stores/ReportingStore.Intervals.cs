using System.Data.Common;
using System.Globalization;
using Acd.Agents;
using Acd.Reporting.Queries;

namespace Acd.Reporting.Stores;

/// <summary>
/// Interval reports and timelines. The rows of the range are read with plain, portable SQL and folded into intervals
/// here, so day and week boundaries in the viewer's local time need no database-specific date functions.
/// </summary>
public abstract partial class ReportingStore
{
    private const long MinuteMs = 60_000;
    private const long DayMs = 24 * 60 * MinuteMs;

    // Wrap-up may end well after the interval its call arrived in.
    private static readonly long WrapUpSlackMs = DayMs;

    public async Task<IReadOnlyList<IntervalRow>> GetIntervalReportAsync(IntervalReportQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var fromMs = query.From.ToUnixTimeMilliseconds();
        var toMs = query.To.ToUnixTimeMilliseconds();
        var offsetMs = query.OffsetMinutes * MinuteMs;
        var calls = new List<CallFacts>();
        var wrapUps = new Dictionary<string, double>(StringComparer.Ordinal);
        var activities = new List<(string AgentId, string Status, long Start, long End)>();

        await using var connection = await OpenAsync(cancellationToken);
        var filter = (string.IsNullOrEmpty(query.QueueId) ? "" : " AND queue_id = @queue_id")
            + (string.IsNullOrEmpty(query.AgentId) ? "" : " AND agent_id = @agent_id");
        await using (var command = Command(connection, null, $"""
            SELECT call_id, queue_id, agent_id, started_at_ms, connected_at_ms, disposition, wait_seconds, talk_seconds, hold_seconds
            FROM calls
            WHERE direction = 'Inbound' AND started_at_ms >= @from_ms AND started_at_ms < @to_ms{filter}
            """))
        {
            AddRange(command, fromMs, toMs, query.QueueId, query.AgentId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                calls.Add(new CallFacts(reader.GetString(0), Str(reader, 1), Str(reader, 2), Convert.ToInt64(reader.GetValue(3), CultureInfo.InvariantCulture),
                    !reader.IsDBNull(4), reader.GetString(5) == "Abandoned", Dbl(reader, 6), Dbl(reader, 7), Dbl(reader, 8)));
            }
        }

        await using (var command = Command(connection, null, """
            SELECT call_id, SUM(duration_seconds)
            FROM agent_activities
            WHERE status = 'WrapUp' AND call_id IS NOT NULL AND started_at_ms >= @from_ms AND started_at_ms < @to_ms
            GROUP BY call_id
            """))
        {
            AddRange(command, fromMs, toMs + WrapUpSlackMs, null, null);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                wrapUps[reader.GetString(0)] = Dbl(reader, 1);
            }
        }

        if (query.GroupBy != ReportGrouping.Queue && string.IsNullOrEmpty(query.QueueId))
        {
            var agentFilter = string.IsNullOrEmpty(query.AgentId) ? "" : " AND agent_id = @agent_id";
            await using var command = Command(connection, null, $"""
                SELECT agent_id, status, started_at_ms, ended_at_ms
                FROM agent_activities
                WHERE started_at_ms < @to_ms AND ended_at_ms > @from_ms{agentFilter}
                """);
            AddRange(command, fromMs, toMs, null, query.AgentId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                activities.Add((reader.GetString(0), reader.GetString(1), Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture),
                    Convert.ToInt64(reader.GetValue(3), CultureInfo.InvariantCulture)));
            }
        }

        var cells = new Dictionary<(string Group, long Start), Cell>();
        foreach (var call in calls)
        {
            if (GroupOf(query, call.QueueId, call.AgentId) is not { } group)
            {
                continue;
            }

            var start = IntervalStart(call.StartedMs, query.Interval, offsetMs);
            var cell = CellOf(cells, group, start);
            var sla = call.QueueId is not null && query.QueueSlaSeconds?.TryGetValue(call.QueueId, out var own) == true ? own : query.SlaSeconds;
            cell.Offered++;
            if (call.Answered)
            {
                cell.Answered++;
                cell.Wait += call.Wait;
                cell.AnsweredInSla += call.Wait <= sla ? 1 : 0;
                cell.Talk += Math.Max(0, call.Talk - call.Hold);
                cell.Hold += call.Hold;
                cell.WrapUp += wrapUps.GetValueOrDefault(call.CallId);
            }
            else if (call.Abandoned)
            {
                cell.Abandoned++;
                cell.AbandonedAfterSla += call.Wait > sla ? 1 : 0;
                var bucket = 0;
                while (bucket < IntervalRow.AbandonBucketLimits.Count && call.Wait >= IntervalRow.AbandonBucketLimits[bucket])
                {
                    bucket++;
                }

                cell.AbandonBuckets[bucket]++;
            }
        }

        foreach (var (agentId, status, startMs, endMs) in activities)
        {
            if (GroupOfAgent(query, agentId) is not { } group || status == nameof(AgentStatus.LoggedOut))
            {
                continue;
            }

            var busy = status is nameof(AgentStatus.OnCall) or nameof(AgentStatus.WrapUp);
            var clippedStart = Math.Max(startMs, fromMs);
            var clippedEnd = Math.Min(endMs, toMs);
            for (var s = IntervalStart(clippedStart, query.Interval, offsetMs); s < clippedEnd; s = IntervalEnd(s, query.Interval))
            {
                var overlap = Math.Min(clippedEnd, IntervalEnd(s, query.Interval)) - Math.Max(clippedStart, s);
                if (overlap <= 0)
                {
                    continue;
                }

                var cell = CellOf(cells, group, s);
                cell.LoggedInMs += overlap;
                cell.BusyMs += busy ? overlap : 0;
            }
        }

        // Every interval of the range for each group seen, so charts have a point per interval.
        var groups = cells.Keys.Select(k => k.Group).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (groups.Count == 0 && query.GroupBy == ReportGrouping.Total)
        {
            groups.Add("all");
        }

        var rows = new List<IntervalRow>();
        foreach (var group in groups)
        {
            for (var s = IntervalStart(fromMs, query.Interval, offsetMs); s < toMs; s = IntervalEnd(s, query.Interval))
            {
                rows.Add(ToRow(group, s, IntervalEnd(s, query.Interval), cells.GetValueOrDefault((group, s)) ?? new Cell(),
                    query.GroupBy != ReportGrouping.Queue && string.IsNullOrEmpty(query.QueueId)));
            }
        }

        return rows;
    }

    public async Task<IReadOnlyList<AgentTimelineSegment>> GetAgentTimelinesAsync(DateTimeOffset from, DateTimeOffset to, DateTimeOffset openUntil,
        string? agentId = null, CancellationToken cancellationToken = default)
    {
        var fromMs = from.ToUnixTimeMilliseconds();
        var toMs = to.ToUnixTimeMilliseconds();
        var result = new List<AgentTimelineSegment>();
        var agentFilter = string.IsNullOrEmpty(agentId) ? "" : " AND agent_id = @agent_id";
        await using var connection = await OpenAsync(cancellationToken);
        await using (var command = Command(connection, null, $"""
            SELECT agent_id, status, reason_code, call_id, started_at_ms, ended_at_ms
            FROM agent_activities
            WHERE started_at_ms < @to_ms AND ended_at_ms > @from_ms{agentFilter}
            ORDER BY agent_id, started_at_ms, id
            """))
        {
            AddRange(command, fromMs, toMs, null, agentId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                result.Add(new AgentTimelineSegment(reader.GetString(0), Enum.Parse<AgentStatus>(reader.GetString(1)), Str(reader, 2), Str(reader, 3),
                    Clip(reader.GetValue(4), fromMs, toMs), Clip(reader.GetValue(5), fromMs, toMs), false));
            }
        }

        var openEnd = Math.Min(toMs, openUntil.ToUnixTimeMilliseconds());
        await using (var command = Command(connection, null, $"""
            SELECT agent_id, status, reason_code, call_id, state_since_ms
            FROM agents
            WHERE state_since_ms < @to_ms{agentFilter}
            """))
        {
            Add(command, "to_ms", openEnd);
            if (agentFilter.Length > 0)
            {
                Add(command, "agent_id", agentId);
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var status = Enum.Parse<AgentStatus>(reader.GetString(1));
                if (status != AgentStatus.LoggedOut)
                {
                    result.Add(new AgentTimelineSegment(reader.GetString(0), status, Str(reader, 2), Str(reader, 3),
                        Clip(reader.GetValue(4), fromMs, openEnd), DateTimeOffset.FromUnixTimeMilliseconds(openEnd), true));
                }
            }
        }

        return [.. result.OrderBy(s => s.AgentId, StringComparer.Ordinal).ThenBy(s => s.StartedAt)];
    }

    public async Task<IReadOnlyList<AgentActivityRecord>> GetCallActivitiesAsync(string callId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, """
            SELECT agent_id, status, reason_code, call_id, started_at_ms, ended_at_ms, duration_seconds
            FROM agent_activities WHERE call_id = @call_id ORDER BY started_at_ms, id
            """);
        Add(command, "call_id", callId);
        var result = new List<AgentActivityRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new AgentActivityRecord(reader.GetString(0), Enum.Parse<AgentStatus>(reader.GetString(1)), Str(reader, 2), Str(reader, 3),
                FromMs(reader.GetValue(4)), FromMs(reader.GetValue(5)), Dbl(reader, 6)));
        }

        return result;
    }

    /// <summary>The start (Unix ms) of the interval holding <paramref name="ms"/>, aligned in local time.</summary>
    public static long IntervalStart(long ms, ReportInterval interval, long offsetMs)
    {
        var local = ms + offsetMs;
        if (interval == ReportInterval.Week)
        {
            // Day 0 (1970-01-01) was a Thursday: Monday is three days earlier.
            var day = Math.DivRem(local, DayMs, out var rest) - (local < 0 && rest != 0 ? 1 : 0);
            var monday = day - (((day + 3) % 7) + 7) % 7;
            return (monday * DayMs) - offsetMs;
        }

        var size = Size(interval);
        return (long)Math.Floor(local / (double)size) * size - offsetMs;
    }

    public static long IntervalEnd(long start, ReportInterval interval) => start + (interval == ReportInterval.Week ? 7 * DayMs : Size(interval));

    private static long Size(ReportInterval interval) => interval switch
    {
        ReportInterval.Minutes15 => 15 * MinuteMs,
        ReportInterval.Minutes30 => 30 * MinuteMs,
        ReportInterval.Hour => 60 * MinuteMs,
        _ => DayMs,
    };

    private static string? GroupOf(IntervalReportQuery q, string? queueId, string? agentId)
    {
        var team = agentId is not null && q.AgentTeams?.GetValueOrDefault(agentId) is { } t ? t
            : queueId is not null ? q.QueueTeams?.GetValueOrDefault(queueId) : null;
        if (!string.IsNullOrEmpty(q.TeamId) && !string.Equals(team, q.TeamId, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return q.GroupBy switch
        {
            ReportGrouping.Queue => queueId ?? "(none)",
            ReportGrouping.Agent => agentId ?? "(none)",
            ReportGrouping.Team => team ?? "(none)",
            _ => "all",
        };
    }

    private static string? GroupOfAgent(IntervalReportQuery q, string agentId)
    {
        var team = q.AgentTeams?.GetValueOrDefault(agentId);
        if (!string.IsNullOrEmpty(q.TeamId) && !string.Equals(team, q.TeamId, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return q.GroupBy switch
        {
            ReportGrouping.Agent => agentId,
            ReportGrouping.Team => team ?? "(none)",
            _ => "all",
        };
    }

    private static Cell CellOf(Dictionary<(string, long), Cell> cells, string group, long start)
    {
        if (!cells.TryGetValue((group, start), out var cell))
        {
            cells[(group, start)] = cell = new Cell();
        }

        return cell;
    }

    private static IntervalRow ToRow(string group, long start, long end, Cell c, bool withOccupancy)
    {
        var slaBase = c.Answered + c.AbandonedAfterSla;
        return new IntervalRow(
            DateTimeOffset.FromUnixTimeMilliseconds(start), DateTimeOffset.FromUnixTimeMilliseconds(end), group,
            c.Offered, c.Answered, c.Abandoned, c.AnsweredInSla, c.AbandonedAfterSla, c.AbandonBuckets,
            slaBase == 0 ? null : Math.Round(100.0 * c.AnsweredInSla / slaBase, 2),
            c.Answered == 0 ? 0 : Math.Round(c.Wait / c.Answered, 2),
            c.Answered == 0 ? 0 : Math.Round((c.Talk + c.Hold + c.WrapUp) / c.Answered, 2),
            Math.Round(c.Talk, 2), Math.Round(c.Hold, 2), Math.Round(c.WrapUp, 2),
            !withOccupancy || c.LoggedInMs == 0 ? null : Math.Round(100.0 * c.BusyMs / c.LoggedInMs, 2));
    }

    private static void AddRange(DbCommand command, long fromMs, long toMs, string? queueId, string? agentId)
    {
        Add(command, "from_ms", fromMs);
        Add(command, "to_ms", toMs);
        if (!string.IsNullOrEmpty(queueId))
        {
            Add(command, "queue_id", queueId);
        }

        if (!string.IsNullOrEmpty(agentId))
        {
            Add(command, "agent_id", agentId);
        }
    }

    private static double Dbl(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? 0 : Convert.ToDouble(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    private static DateTimeOffset Clip(object ms, long fromMs, long toMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(Convert.ToInt64(ms, CultureInfo.InvariantCulture), fromMs, toMs));

    private sealed record CallFacts(string CallId, string? QueueId, string? AgentId, long StartedMs, bool Answered, bool Abandoned, double Wait,
        double Talk, double Hold);

    private sealed class Cell
    {
        public int Offered;
        public int Answered;
        public int Abandoned;
        public int AnsweredInSla;
        public int AbandonedAfterSla;
        public int[] AbandonBuckets = new int[IntervalRow.AbandonBucketLimits.Count + 1];
        public double Wait;
        public double Talk;
        public double Hold;
        public double WrapUp;
        public long LoggedInMs;
        public long BusyMs;
    }
}

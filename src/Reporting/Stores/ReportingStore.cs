using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Acd.Agents;
using Acd.Calls;
using Acd.Events;
using Acd.Reporting.Queries;
using Microsoft.Extensions.Logging;

namespace Acd.Reporting.Stores;

/// <summary>What one batch changed in the store.</summary>
public readonly record struct ReportingWriteResult(int Events, int Calls, int Agents, int Activities);

/// <summary>
/// The reporting store: writes batches of events (calls upserted by id, agents upserted, one agent_activities row per
/// ended agent state) and answers the frontend's queries. Timestamps are stored as UTC Unix milliseconds so one set of
/// SQL text serves SQLite and PostgreSQL; subclasses only supply connections and schema handling.
/// </summary>
/// <remarks><see cref="WriteAsync"/> is called by a single writer at a time; queries may run concurrently with it.</remarks>
public abstract partial class ReportingStore : IReportingQueries
{
    private static readonly JsonSerializerOptions CustomerJson = new(JsonSerializerDefaults.Web);

    // Per agent: the state that is current as far as this store knows, so the row for a state that just ended
    // carries that state's reason code and call (a transition event only describes the state entered).
    private readonly Dictionary<string, AgentStateInfo> _agentStates = new(StringComparer.Ordinal);

    protected ReportingStore(ILogger logger) => Logger = logger;

    protected ILogger Logger { get; }

    /// <summary>Human readable target for log messages (never includes credentials).</summary>
    public abstract string Description { get; }

    protected abstract DbConnection CreateConnection();

    /// <summary>Makes sure the tables exist (SQLite creates them; PostgreSQL checks the setup step ran).</summary>
    public abstract Task EnsureSchemaAsync(CancellationToken cancellationToken = default);

    /// <summary>Runs before every connection is handed out; the SQLite store creates its file and tables here.</summary>
    protected virtual Task PrepareAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    protected async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await PrepareAsync(cancellationToken);
        var connection = CreateConnection();
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    // ---------------------------------------------------------------- write side

    /// <summary>Writes the events in one transaction. Either all of them land or none (the caller retries).</summary>
    public async Task<ReportingWriteResult> WriteAsync(IReadOnlyList<AcdEvent> events, CancellationToken cancellationToken = default)
    {
        var calls = new Dictionary<string, (CallSnapshot Call, long EventMs)>(StringComparer.Ordinal);
        var agents = new Dictionary<string, (AgentSnapshot Agent, long EventMs)>(StringComparer.Ordinal);
        var transitions = new List<AgentChanged>();
        foreach (var @event in events)
        {
            switch (@event)
            {
                case CallChanged changed:
                    // Later events of the same call replace earlier ones: the row reflects the latest state.
                    calls[changed.Call.CallId] = (changed.Call, changed.At.ToUnixTimeMilliseconds());
                    break;
                case AgentChanged changed:
                    agents[changed.Agent.AgentId] = (changed.Agent, changed.At.ToUnixTimeMilliseconds());
                    if (changed.Transition is not null)
                    {
                        transitions.Add(changed);
                    }

                    break;
            }
        }

        await using var connection = await OpenAsync(cancellationToken);

        // Work on a copy of the known agent states; it replaces the cache only once the transaction committed,
        // so a failed batch that is retried resolves its reasons the same way.
        var states = new Dictionary<string, AgentStateInfo>(_agentStates, StringComparer.Ordinal);
        foreach (var agentId in transitions.Select(t => t.Agent.AgentId).Distinct(StringComparer.Ordinal))
        {
            if (!states.ContainsKey(agentId) && await LoadAgentStateAsync(connection, agentId, cancellationToken) is { } stored)
            {
                states[agentId] = stored;
            }
        }

        var activities = new List<AgentActivityRecord>(transitions.Count);
        foreach (var changed in transitions)
        {
            var transition = changed.Transition!;
            var agentId = changed.Agent.AgentId;
            var startedAt = transition.At - transition.TimeInPrevious;
            string? reason = null;
            string? callId = null;
            if (states.TryGetValue(agentId, out var previous) && previous.Status == transition.From)
            {
                reason = previous.ReasonCode;
                callId = previous.CallId;
            }
            else if (transition.From is AgentStatus.Reserved or AgentStatus.OnCall or AgentStatus.WrapUp)
            {
                callId = transition.CallId;
            }

            activities.Add(new AgentActivityRecord(agentId, transition.From, reason, callId, startedAt, transition.At,
                transition.TimeInPrevious.TotalSeconds));
            states[agentId] = new AgentStateInfo(changed.Agent.Status, changed.Agent.ReasonCode, changed.Agent.CallId);
        }

        foreach (var (agentId, (agent, _)) in agents)
        {
            states[agentId] = new AgentStateInfo(agent.Status, agent.ReasonCode, agent.CallId);
        }

        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            if (agents.Count > 0)
            {
                await using var command = Command(connection, transaction, ReportingSql.UpsertAgent);
                foreach (var (agent, eventMs) in agents.Values)
                {
                    command.Parameters.Clear();
                    Add(command, "agent_id", agent.AgentId);
                    Add(command, "name", agent.Profile?.Name);
                    Add(command, "extension", agent.Profile?.Extension);
                    Add(command, "status", agent.Status.ToString());
                    Add(command, "reason_code", agent.ReasonCode);
                    Add(command, "call_id", agent.CallId);
                    Add(command, "state_since_ms", agent.StateSince.ToUnixTimeMilliseconds());
                    Add(command, "updated_at_ms", eventMs);
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }
            }

            if (activities.Count > 0)
            {
                await using var command = Command(connection, transaction, ReportingSql.InsertActivity);
                foreach (var activity in activities)
                {
                    command.Parameters.Clear();
                    Add(command, "agent_id", activity.AgentId);
                    Add(command, "status", activity.Status.ToString());
                    Add(command, "reason_code", activity.ReasonCode);
                    Add(command, "call_id", activity.CallId);
                    Add(command, "started_at_ms", activity.StartedAt.ToUnixTimeMilliseconds());
                    Add(command, "ended_at_ms", activity.EndedAt.ToUnixTimeMilliseconds());
                    Add(command, "duration_seconds", activity.DurationSeconds);
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }
            }

            if (calls.Count > 0)
            {
                await using var command = Command(connection, transaction, ReportingSql.UpsertCall);
                foreach (var (call, eventMs) in calls.Values)
                {
                    command.Parameters.Clear();
                    BindCall(command, ToRecord(call), StartedAt(call, eventMs), eventMs);
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }
            }

            await transaction.CommitAsync(cancellationToken);
        }

        foreach (var (agentId, state) in states)
        {
            _agentStates[agentId] = state;
        }

        return new ReportingWriteResult(events.Count, calls.Count, agents.Count, activities.Count);
    }

    /// <summary>The call row for a snapshot: durations derived from its milestones.</summary>
    public static CallRecord ToRecord(CallSnapshot call)
    {
        var info = call.Info;
        double? wait = call.ArrivedAt is { } arrived && (call.ConnectedAt ?? call.EndedAt) is { } waitEnd
            ? Math.Max(0, (waitEnd - arrived).TotalSeconds)
            : null;
        double? talk = call.ConnectedAt is { } connected && call.EndedAt is { } ended
            ? Math.Max(0, (ended - connected).TotalSeconds)
            : null;
        var customer = call.Customer;
        return new CallRecord(
            call.CallId,
            info?.Direction ?? CallDirection.Inbound,
            call.Status,
            call.Disposition,
            info?.Ani,
            info?.Dnis,
            info?.CallerName,
            call.QueueId ?? info?.QueueId,
            call.AgentId,
            info?.Priority ?? 0,
            call.ArrivedAt,
            call.QueuedAt,
            call.OfferedAt,
            call.ConnectedAt,
            call.EndedAt,
            wait,
            talk,
            call.TotalHold.TotalSeconds,
            customer?.CustomerId,
            customer?.Name,
            customer is null ? null : JsonSerializer.Serialize(customer, CustomerJson),
            call.EndReason);
    }

    private static long StartedAt(CallSnapshot call, long eventMs) =>
        (call.ArrivedAt ?? call.QueuedAt ?? call.OfferedAt ?? call.ConnectedAt ?? call.EndedAt)?.ToUnixTimeMilliseconds() ?? eventMs;

    private static void BindCall(DbCommand command, CallRecord call, long startedAtMs, long eventMs)
    {
        Add(command, "call_id", call.CallId);
        Add(command, "direction", call.Direction.ToString());
        Add(command, "status", call.Status.ToString());
        Add(command, "disposition", call.Disposition.ToString());
        Add(command, "ani", call.Ani);
        Add(command, "dnis", call.Dnis);
        Add(command, "caller_name", call.CallerName);
        Add(command, "queue_id", call.QueueId);
        Add(command, "agent_id", call.AgentId);
        Add(command, "priority", call.Priority);
        Add(command, "started_at_ms", startedAtMs);
        Add(command, "arrived_at_ms", call.ArrivedAt?.ToUnixTimeMilliseconds());
        Add(command, "queued_at_ms", call.QueuedAt?.ToUnixTimeMilliseconds());
        Add(command, "offered_at_ms", call.OfferedAt?.ToUnixTimeMilliseconds());
        Add(command, "connected_at_ms", call.ConnectedAt?.ToUnixTimeMilliseconds());
        Add(command, "ended_at_ms", call.EndedAt?.ToUnixTimeMilliseconds());
        Add(command, "wait_seconds", call.WaitSeconds);
        Add(command, "talk_seconds", call.TalkSeconds);
        Add(command, "hold_seconds", call.HoldSeconds);
        Add(command, "customer_id", call.CustomerId);
        Add(command, "customer_name", call.CustomerName);
        Add(command, "customer_json", call.CustomerJson);
        Add(command, "end_reason", call.EndReason);
        Add(command, "last_event_ms", eventMs);
    }

    private static async Task<AgentStateInfo?> LoadAgentStateAsync(DbConnection connection, string agentId, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, null, ReportingSql.SelectAgentState);
        Add(command, "agent_id", agentId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new AgentStateInfo(
            Enum.Parse<AgentStatus>(reader.GetString(0)),
            reader.IsDBNull(1) ? null : reader.GetString(1),
            reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    // ---------------------------------------------------------------- read side

    public async Task<CallRecord?> GetCallAsync(string callId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"SELECT {ReportingSql.CallColumns} FROM calls WHERE call_id = @call_id");
        Add(command, "call_id", callId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadCall(reader) : null;
    }

    public async Task<CallHistoryPage> GetCallsAsync(CallHistoryQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var page = Math.Max(1, query.Page);
        var pageSize = Math.Clamp(query.PageSize, 1, 1000);

        // Filters are appended only when given: an untyped NULL parameter ("@x IS NULL") is ambiguous to PostgreSQL.
        var where = new StringBuilder(" WHERE 1 = 1");
        var filters = new List<(string Name, object Value)>();
        if (query.From is { } from)
        {
            where.Append(" AND started_at_ms >= @from_ms");
            filters.Add(("from_ms", from.ToUnixTimeMilliseconds()));
        }

        if (query.To is { } to)
        {
            where.Append(" AND started_at_ms < @to_ms");
            filters.Add(("to_ms", to.ToUnixTimeMilliseconds()));
        }

        if (!string.IsNullOrEmpty(query.AgentId))
        {
            // An agent's calls include the internal calls it placed: their caller is the call's ani.
            where.Append(" AND (agent_id = @agent_id OR (direction = 'Internal' AND ani = @agent_id))");
            filters.Add(("agent_id", query.AgentId));
        }

        if (!string.IsNullOrEmpty(query.QueueId))
        {
            where.Append(" AND queue_id = @queue_id");
            filters.Add(("queue_id", query.QueueId));
        }

        await using var connection = await OpenAsync(cancellationToken);
        long total;
        await using (var count = Command(connection, null, "SELECT COUNT(*) FROM calls" + where))
        {
            AddAll(count, filters);
            total = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }

        var items = new List<CallRecord>(pageSize);
        await using (var select = Command(connection, null,
            $"SELECT {ReportingSql.CallColumns} FROM calls{where} ORDER BY started_at_ms DESC, call_id LIMIT @take OFFSET @skip"))
        {
            AddAll(select, filters);
            Add(select, "take", (long)pageSize);
            Add(select, "skip", (long)(page - 1) * pageSize);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(ReadCall(reader));
            }
        }

        return new CallHistoryPage(items, page, pageSize, total);
    }

    public async Task<IReadOnlyList<AgentActivityRecord>> GetAgentActivitiesAsync(string agentId, DateTimeOffset from, DateTimeOffset to,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, """
            SELECT agent_id, status, reason_code, call_id, started_at_ms, ended_at_ms, duration_seconds
            FROM agent_activities
            WHERE agent_id = @agent_id AND started_at_ms < @to_ms AND ended_at_ms > @from_ms
            ORDER BY started_at_ms, id
            """);
        Add(command, "agent_id", agentId);
        Add(command, "from_ms", from.ToUnixTimeMilliseconds());
        Add(command, "to_ms", to.ToUnixTimeMilliseconds());
        var result = new List<AgentActivityRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new AgentActivityRecord(
                reader.GetString(0),
                Enum.Parse<AgentStatus>(reader.GetString(1)),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                FromMs(reader.GetValue(4)),
                FromMs(reader.GetValue(5)),
                Convert.ToDouble(reader.GetValue(6), CultureInfo.InvariantCulture)));
        }

        return result;
    }

    /// <summary>
    /// Per agent over [from, to): time per state (activity rows clipped to the range), calls handled (distinct calls
    /// whose OnCall state started in the range), average handle time ((OnCall + WrapUp time) / calls handled) and
    /// occupancy ((OnCall + WrapUp time) / logged-in time, where logged-in time is every state but LoggedOut).
    /// Agents known to the store but idle in the range are listed with zeros.
    /// </summary>
    public async Task<IReadOnlyList<AgentMetrics>> GetAgentMetricsAsync(DateTimeOffset from, DateTimeOffset to, string? agentId = null,
        CancellationToken cancellationToken = default)
    {
        var fromMs = from.ToUnixTimeMilliseconds();
        var toMs = to.ToUnixTimeMilliseconds();
        var agentFilter = string.IsNullOrEmpty(agentId) ? "" : " AND agent_id = @agent_id";
        var seconds = new Dictionary<string, Dictionary<string, double>>(StringComparer.Ordinal);
        var handled = new Dictionary<string, int>(StringComparer.Ordinal);

        await using var connection = await OpenAsync(cancellationToken);
        await using (var command = Command(connection, null, $"""
            SELECT agent_id, status,
                   SUM((CASE WHEN ended_at_ms < @to_ms THEN ended_at_ms ELSE @to_ms END)
                     - (CASE WHEN started_at_ms > @from_ms THEN started_at_ms ELSE @from_ms END)) AS ms
            FROM agent_activities
            WHERE started_at_ms < @to_ms AND ended_at_ms > @from_ms{agentFilter}
            GROUP BY agent_id, status
            """))
        {
            Add(command, "from_ms", fromMs);
            Add(command, "to_ms", toMs);
            if (agentFilter.Length > 0)
            {
                Add(command, "agent_id", agentId);
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetString(0);
                if (!seconds.TryGetValue(id, out var perState))
                {
                    seconds[id] = perState = new Dictionary<string, double>(StringComparer.Ordinal);
                }

                perState[reader.GetString(1)] = Convert.ToDouble(reader.GetValue(2), CultureInfo.InvariantCulture) / 1000.0;
            }
        }

        await using (var command = Command(connection, null, $"""
            SELECT agent_id, COUNT(DISTINCT call_id)
            FROM agent_activities
            WHERE status = 'OnCall' AND call_id IS NOT NULL AND started_at_ms >= @from_ms AND started_at_ms < @to_ms{agentFilter}
            GROUP BY agent_id
            """))
        {
            Add(command, "from_ms", fromMs);
            Add(command, "to_ms", toMs);
            if (agentFilter.Length > 0)
            {
                Add(command, "agent_id", agentId);
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                handled[reader.GetString(0)] = Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture);
            }
        }

        var agentIds = new SortedSet<string>(seconds.Keys, StringComparer.Ordinal);
        agentIds.UnionWith(handled.Keys);
        if (!string.IsNullOrEmpty(agentId))
        {
            agentIds.Add(agentId);
        }
        else
        {
            await using var command = Command(connection, null, "SELECT agent_id FROM agents");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                agentIds.Add(reader.GetString(0));
            }
        }

        var result = new List<AgentMetrics>(agentIds.Count);
        foreach (var id in agentIds)
        {
            var perState = seconds.GetValueOrDefault(id) ?? new Dictionary<string, double>(StringComparer.Ordinal);
            var calls = handled.GetValueOrDefault(id);
            var busy = perState.GetValueOrDefault(nameof(AgentStatus.OnCall)) + perState.GetValueOrDefault(nameof(AgentStatus.WrapUp));
            var loggedIn = perState.Where(p => p.Key != nameof(AgentStatus.LoggedOut)).Sum(p => p.Value);
            result.Add(new AgentMetrics(
                id,
                calls,
                calls == 0 ? 0 : busy / calls,
                perState,
                loggedIn <= 0 ? 0 : 100.0 * busy / loggedIn));
        }

        return result;
    }

    /// <summary>
    /// Call figures for calls that started in [from, to). Calls between agents are counted apart (<see cref="CallMetrics.Internal"/>)
    /// and in nothing else: the other figures are about calls with customers (inbound and outbound). Answered = an agent
    /// connected; abandoned = disposition Abandoned. Rates are over those calls. Speed of answer and service level concern inbound calls:
    /// ASA = average wait of answered inbound calls; SL = inbound answered within <paramref name="slaSeconds"/> /
    /// (inbound answered + abandoned after <paramref name="slaSeconds"/>), null when there is nothing to measure.
    /// </summary>
    public async Task<CallMetrics> GetCallMetricsAsync(DateTimeOffset from, DateTimeOffset to, string? queueId = null, int slaSeconds = 20,
        CancellationToken cancellationToken = default)
    {
        var queueFilter = string.IsNullOrEmpty(queueId) ? "" : " AND queue_id = @queue_id";
        await using var connection = await OpenAsync(cancellationToken);

        long total, inbound, outbound, answered, abandoned, answeredInbound, answeredInSla, abandonedAfterSla, internalCalls;
        double asa;
        await using (var command = Command(connection, null, $"""
            SELECT SUM(CASE WHEN direction <> 'Internal' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN direction = 'Inbound' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN direction = 'Outbound' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN direction <> 'Internal' AND connected_at_ms IS NOT NULL THEN 1 ELSE 0 END),
                   SUM(CASE WHEN direction <> 'Internal' AND disposition = 'Abandoned' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN direction = 'Inbound' AND connected_at_ms IS NOT NULL THEN 1 ELSE 0 END),
                   SUM(CASE WHEN direction = 'Inbound' AND connected_at_ms IS NOT NULL AND wait_seconds <= @sla THEN 1 ELSE 0 END),
                   SUM(CASE WHEN direction = 'Inbound' AND disposition = 'Abandoned' AND wait_seconds > @sla THEN 1 ELSE 0 END),
                   AVG(CASE WHEN direction = 'Inbound' AND connected_at_ms IS NOT NULL THEN wait_seconds END),
                   SUM(CASE WHEN direction = 'Internal' THEN 1 ELSE 0 END)
            FROM calls
            WHERE started_at_ms >= @from_ms AND started_at_ms < @to_ms{queueFilter}
            """))
        {
            Add(command, "from_ms", from.ToUnixTimeMilliseconds());
            Add(command, "to_ms", to.ToUnixTimeMilliseconds());
            Add(command, "sla", (double)slaSeconds);
            if (queueFilter.Length > 0)
            {
                Add(command, "queue_id", queueId);
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            total = Long(reader, 0);
            inbound = Long(reader, 1);
            outbound = Long(reader, 2);
            answered = Long(reader, 3);
            abandoned = Long(reader, 4);
            answeredInbound = Long(reader, 5);
            answeredInSla = Long(reader, 6);
            abandonedAfterSla = Long(reader, 7);
            asa = reader.IsDBNull(8) ? 0 : Convert.ToDouble(reader.GetValue(8), CultureInfo.InvariantCulture);
            internalCalls = Long(reader, 9);
        }

        var dispositions = new Dictionary<string, int>(StringComparer.Ordinal);
        await using (var command = Command(connection, null, $"""
            SELECT disposition, COUNT(*)
            FROM calls
            WHERE started_at_ms >= @from_ms AND started_at_ms < @to_ms AND status = 'Ended' AND direction <> 'Internal'{queueFilter}
            GROUP BY disposition
            """))
        {
            Add(command, "from_ms", from.ToUnixTimeMilliseconds());
            Add(command, "to_ms", to.ToUnixTimeMilliseconds());
            if (queueFilter.Length > 0)
            {
                Add(command, "queue_id", queueId);
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                dispositions[reader.GetString(0)] = Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture);
            }
        }

        var slaBase = answeredInbound + abandonedAfterSla;
        return new CallMetrics(
            (int)total,
            (int)inbound,
            (int)outbound,
            (int)internalCalls,
            (int)answered,
            (int)abandoned,
            total == 0 ? 0 : 100.0 * answered / total,
            total == 0 ? 0 : 100.0 * abandoned / total,
            asa,
            slaBase == 0 ? null : 100.0 * answeredInSla / slaBase,
            dispositions);
    }

    // ---------------------------------------------------------------- helpers

    private static CallRecord ReadCall(DbDataReader reader) => new(
        reader.GetString(0),
        Enum.Parse<CallDirection>(reader.GetString(1)),
        Enum.Parse<CallStatus>(reader.GetString(2)),
        Enum.Parse<CallDisposition>(reader.GetString(3)),
        Str(reader, 4),
        Str(reader, 5),
        Str(reader, 6),
        Str(reader, 7),
        Str(reader, 8),
        Convert.ToInt32(reader.GetValue(9), CultureInfo.InvariantCulture),
        Time(reader, 10),
        Time(reader, 11),
        Time(reader, 12),
        Time(reader, 13),
        Time(reader, 14),
        reader.IsDBNull(15) ? null : Convert.ToDouble(reader.GetValue(15), CultureInfo.InvariantCulture),
        reader.IsDBNull(16) ? null : Convert.ToDouble(reader.GetValue(16), CultureInfo.InvariantCulture),
        Convert.ToDouble(reader.GetValue(17), CultureInfo.InvariantCulture),
        Str(reader, 18),
        Str(reader, 19),
        Str(reader, 20),
        Str(reader, 21));

    private static string? Str(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTimeOffset? Time(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : FromMs(reader.GetValue(ordinal));

    private static DateTimeOffset FromMs(object value) =>
        DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(value, CultureInfo.InvariantCulture));

    private static long Long(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? 0 : Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    private static void AddAll(DbCommand command, List<(string Name, object Value)> parameters)
    {
        foreach (var (name, value) in parameters)
        {
            switch (value)
            {
                case long l:
                    Add(command, name, l);
                    break;
                default:
                    Add(command, name, (string)value);
                    break;
            }
        }
    }

    // Parameters carry an explicit DbType so a NULL is typed for PostgreSQL as well as SQLite.
    private static void Add(DbCommand command, string name, string? value) => Add(command, name, value, DbType.String);

    private static void Add(DbCommand command, string name, long? value) => Add(command, name, value, DbType.Int64);

    private static void Add(DbCommand command, string name, int value) => Add(command, name, value, DbType.Int32);

    private static void Add(DbCommand command, string name, double? value) => Add(command, name, value, DbType.Double);

    private static void Add(DbCommand command, string name, object? value, DbType type)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = type;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    private sealed record AgentStateInfo(AgentStatus Status, string? ReasonCode, string? CallId);
}

namespace Acd.Reporting.Stores;

/// <summary>SQL shared by both databases (both accept @name parameters, ON CONFLICT upserts and LIMIT/OFFSET).</summary>
internal static class ReportingSql
{
    public const string CallColumns =
        "call_id, direction, status, disposition, ani, dnis, caller_name, queue_id, agent_id, priority, " +
        "arrived_at_ms, queued_at_ms, offered_at_ms, connected_at_ms, ended_at_ms, wait_seconds, talk_seconds, hold_seconds, " +
        "customer_id, customer_name, customer_json, end_reason";

    public const string UpsertAgent = """
        INSERT INTO agents (agent_id, name, extension, status, reason_code, call_id, state_since_ms, updated_at_ms)
        VALUES (@agent_id, @name, @extension, @status, @reason_code, @call_id, @state_since_ms, @updated_at_ms)
        ON CONFLICT (agent_id) DO UPDATE SET
            name = excluded.name, extension = excluded.extension, status = excluded.status,
            reason_code = excluded.reason_code, call_id = excluded.call_id,
            state_since_ms = excluded.state_since_ms, updated_at_ms = excluded.updated_at_ms
        WHERE agents.updated_at_ms <= excluded.updated_at_ms
        """;

    public const string InsertActivity = """
        INSERT INTO agent_activities (agent_id, status, reason_code, call_id, started_at_ms, ended_at_ms, duration_seconds)
        VALUES (@agent_id, @status, @reason_code, @call_id, @started_at_ms, @ended_at_ms, @duration_seconds)
        ON CONFLICT DO NOTHING
        """;

    // The WHERE guard keeps a late, older event (e.g. from a silo that flushed after a failover) from
    // overwriting a newer state.
    public const string UpsertCall = """
        INSERT INTO calls (call_id, direction, status, disposition, ani, dnis, caller_name, queue_id, agent_id, priority,
            started_at_ms, arrived_at_ms, queued_at_ms, offered_at_ms, connected_at_ms, ended_at_ms,
            wait_seconds, talk_seconds, hold_seconds, customer_id, customer_name, customer_json, end_reason, last_event_ms)
        VALUES (@call_id, @direction, @status, @disposition, @ani, @dnis, @caller_name, @queue_id, @agent_id, @priority,
            @started_at_ms, @arrived_at_ms, @queued_at_ms, @offered_at_ms, @connected_at_ms, @ended_at_ms,
            @wait_seconds, @talk_seconds, @hold_seconds, @customer_id, @customer_name, @customer_json, @end_reason, @last_event_ms)
        ON CONFLICT (call_id) DO UPDATE SET
            direction = excluded.direction, status = excluded.status, disposition = excluded.disposition,
            ani = excluded.ani, dnis = excluded.dnis, caller_name = excluded.caller_name,
            queue_id = excluded.queue_id, agent_id = excluded.agent_id, priority = excluded.priority,
            started_at_ms = excluded.started_at_ms, arrived_at_ms = excluded.arrived_at_ms, queued_at_ms = excluded.queued_at_ms,
            offered_at_ms = excluded.offered_at_ms, connected_at_ms = excluded.connected_at_ms, ended_at_ms = excluded.ended_at_ms,
            wait_seconds = excluded.wait_seconds, talk_seconds = excluded.talk_seconds, hold_seconds = excluded.hold_seconds,
            customer_id = excluded.customer_id, customer_name = excluded.customer_name, customer_json = excluded.customer_json,
            end_reason = excluded.end_reason, last_event_ms = excluded.last_event_ms
        WHERE calls.last_event_ms <= excluded.last_event_ms
        """;

    public const string SelectAgentState = "SELECT status, reason_code, call_id FROM agents WHERE agent_id = @agent_id";
}

namespace Acd.Reporting.Schema;

/// <summary>
/// The reporting tables' DDL (idempotent). Kept as C# text rather than .sql resources so the Grains project needs
/// no build changes; the silo's setup-database step applies <see cref="PostgreSql"/>, the embedded store <see cref="Sqlite"/>.
/// </summary>
public static class ReportingSchema
{
    /// <summary>SQLite variant; the embedded store applies it at every start.</summary>
    public const string Sqlite = """
-- ACD reporting store, SQLite variant (embedded mode, <DataPath>/reporting.db). Idempotent: applied at every start.
-- Timestamps are UTC Unix milliseconds (columns *_ms) so the same queries run on SQLite and PostgreSQL.

CREATE TABLE IF NOT EXISTS agents
(
    agent_id        TEXT    NOT NULL PRIMARY KEY,
    name            TEXT    NULL,
    extension       TEXT    NULL,
    status          TEXT    NOT NULL,
    reason_code     TEXT    NULL,
    call_id         TEXT    NULL,
    state_since_ms  INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS calls
(
    call_id         TEXT    NOT NULL PRIMARY KEY,
    direction       TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    disposition     TEXT    NOT NULL,
    ani             TEXT    NULL,
    dnis            TEXT    NULL,
    caller_name     TEXT    NULL,
    queue_id        TEXT    NULL,
    agent_id        TEXT    NULL,
    priority        INTEGER NOT NULL,
    started_at_ms   INTEGER NOT NULL,
    arrived_at_ms   INTEGER NULL,
    queued_at_ms    INTEGER NULL,
    offered_at_ms   INTEGER NULL,
    connected_at_ms INTEGER NULL,
    ended_at_ms     INTEGER NULL,
    wait_seconds    REAL    NULL,
    talk_seconds    REAL    NULL,
    hold_seconds    REAL    NOT NULL,
    customer_id     TEXT    NULL,
    customer_name   TEXT    NULL,
    customer_json   TEXT    NULL,
    end_reason      TEXT    NULL,
    last_event_ms   INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS ix_calls_started ON calls (started_at_ms);
CREATE INDEX IF NOT EXISTS ix_calls_agent_started ON calls (agent_id, started_at_ms);
CREATE INDEX IF NOT EXISTS ix_calls_queue_started ON calls (queue_id, started_at_ms);

CREATE TABLE IF NOT EXISTS agent_activities
(
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id         TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    reason_code      TEXT    NULL,
    call_id          TEXT    NULL,
    started_at_ms    INTEGER NOT NULL,
    ended_at_ms      INTEGER NOT NULL,
    duration_seconds REAL    NOT NULL
);

-- One row per (agent, state start): a batch retried after a failure, or an event seen twice, adds nothing.
CREATE UNIQUE INDEX IF NOT EXISTS ux_agent_activities_agent_start ON agent_activities (agent_id, started_at_ms, status);
CREATE INDEX IF NOT EXISTS ix_agent_activities_started ON agent_activities (started_at_ms);
""";

    /// <summary>PostgreSQL variant; applied by the silo's setup-database step.</summary>
    public const string PostgreSql = """
-- ACD reporting store, PostgreSQL variant (cluster mode, same database as Orleans' tables).
-- Idempotent; applied by `Acd.Silo setup-database`.
-- Timestamps are UTC Unix milliseconds (columns *_ms) so the same queries run on SQLite and PostgreSQL;
-- the *_v views below show them as timestamptz for people querying by hand.

CREATE TABLE IF NOT EXISTS agents
(
    agent_id        text    NOT NULL PRIMARY KEY,
    name            text    NULL,
    extension       text    NULL,
    status          text    NOT NULL,
    reason_code     text    NULL,
    call_id         text    NULL,
    state_since_ms  bigint  NOT NULL,
    updated_at_ms   bigint  NOT NULL
);

CREATE TABLE IF NOT EXISTS calls
(
    call_id         text    NOT NULL PRIMARY KEY,
    direction       text    NOT NULL,
    status          text    NOT NULL,
    disposition     text    NOT NULL,
    ani             text    NULL,
    dnis            text    NULL,
    caller_name     text    NULL,
    queue_id        text    NULL,
    agent_id        text    NULL,
    priority        integer NOT NULL,
    started_at_ms   bigint  NOT NULL,
    arrived_at_ms   bigint  NULL,
    queued_at_ms    bigint  NULL,
    offered_at_ms   bigint  NULL,
    connected_at_ms bigint  NULL,
    ended_at_ms     bigint  NULL,
    wait_seconds    double precision NULL,
    talk_seconds    double precision NULL,
    hold_seconds    double precision NOT NULL,
    customer_id     text    NULL,
    customer_name   text    NULL,
    customer_json   text    NULL,
    end_reason      text    NULL,
    last_event_ms   bigint  NOT NULL
);

CREATE INDEX IF NOT EXISTS ix_calls_started ON calls (started_at_ms);
CREATE INDEX IF NOT EXISTS ix_calls_agent_started ON calls (agent_id, started_at_ms);
CREATE INDEX IF NOT EXISTS ix_calls_queue_started ON calls (queue_id, started_at_ms);

CREATE TABLE IF NOT EXISTS agent_activities
(
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agent_id         text    NOT NULL,
    status           text    NOT NULL,
    reason_code      text    NULL,
    call_id          text    NULL,
    started_at_ms    bigint  NOT NULL,
    ended_at_ms      bigint  NOT NULL,
    duration_seconds double precision NOT NULL
);

-- One row per (agent, state start): a batch retried after a failure, or an event seen twice, adds nothing.
CREATE UNIQUE INDEX IF NOT EXISTS ux_agent_activities_agent_start ON agent_activities (agent_id, started_at_ms, status);
CREATE INDEX IF NOT EXISTS ix_agent_activities_started ON agent_activities (started_at_ms);

CREATE OR REPLACE VIEW calls_v AS
SELECT c.*,
       to_timestamp(c.started_at_ms / 1000.0)   AS started_at,
       to_timestamp(c.connected_at_ms / 1000.0) AS connected_at,
       to_timestamp(c.ended_at_ms / 1000.0)     AS ended_at
FROM calls c;

CREATE OR REPLACE VIEW agent_activities_v AS
SELECT a.*,
       to_timestamp(a.started_at_ms / 1000.0) AS started_at,
       to_timestamp(a.ended_at_ms / 1000.0)   AS ended_at
FROM agent_activities a;
""";
}

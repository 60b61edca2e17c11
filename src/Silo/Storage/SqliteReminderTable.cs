using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Acd.Silo.Storage;

/// <summary>Options of <see cref="SqliteReminderTable"/>.</summary>
public sealed class SqliteReminderTableOptions
{
    /// <summary>Path of the SQLite file (e.g. &lt;DataPath&gt;/reminders.db).</summary>
    public string DatabasePath { get; set; } = "";
}

/// <summary>
/// Orleans reminder table in a SQLite file, so reminders of the embedded product survive a restart
/// (the in-memory table forgets them). Rows are scoped by the cluster's ServiceId like Orleans' own tables.
/// </summary>
public sealed partial class SqliteReminderTable : IReminderTable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS reminders
        (
            service_id    TEXT    NOT NULL,
            grain_id      TEXT    NOT NULL,
            reminder_name TEXT    NOT NULL,
            start_at      INTEGER NOT NULL, -- UTC ticks
            period        INTEGER NOT NULL, -- ticks
            grain_hash    INTEGER NOT NULL,
            etag          TEXT    NOT NULL,
            PRIMARY KEY (service_id, grain_id, reminder_name)
        );
        CREATE INDEX IF NOT EXISTS ix_reminders_hash ON reminders (service_id, grain_hash);
        """;

    private readonly string _connectionString;
    private readonly string _serviceId;
    private readonly ILogger<SqliteReminderTable> _logger;

    public SqliteReminderTable(IOptions<SqliteReminderTableOptions> options, IOptions<ClusterOptions> cluster, ILogger<SqliteReminderTable> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Value.DatabasePath);
        _connectionString = SqliteFiles.ConnectionString(options.Value.DatabasePath);
        _serviceId = cluster.Value.ServiceId;
        _logger = logger;
    }

    public Task Init() => StartAsync(CancellationToken.None);

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await SqliteFiles.InitializeAsync(_connectionString, Schema, cancellationToken);
        LogStarted(new SqliteConnectionStringBuilder(_connectionString).DataSource, _serviceId);
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<ReminderTableData> ReadRows(GrainId grainId) => ReadRows(grainId, CancellationToken.None);

    public async Task<ReminderTableData> ReadRows(GrainId grainId, CancellationToken cancellationToken)
    {
        await using var connection = await SqliteFiles.OpenAsync(_connectionString, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM reminders WHERE service_id = $service AND grain_id = $grain";
        command.Parameters.AddWithValue("$service", _serviceId);
        command.Parameters.AddWithValue("$grain", grainId.ToString());
        return new ReminderTableData(await ReadAsync(command, cancellationToken));
    }

    public Task<ReminderTableData> ReadRows(uint begin, uint end) => ReadRows(begin, end, CancellationToken.None);

    public async Task<ReminderTableData> ReadRows(uint begin, uint end, CancellationToken cancellationToken)
    {
        await using var connection = await SqliteFiles.OpenAsync(_connectionString, cancellationToken);
        await using var command = connection.CreateCommand();
        // The ring range (begin, end] wraps around when begin >= end.
        command.CommandText = begin < end
            ? $"SELECT {Columns} FROM reminders WHERE service_id = $service AND grain_hash > $begin AND grain_hash <= $end"
            : $"SELECT {Columns} FROM reminders WHERE service_id = $service AND (grain_hash > $begin OR grain_hash <= $end)";
        command.Parameters.AddWithValue("$service", _serviceId);
        command.Parameters.AddWithValue("$begin", (long)begin);
        command.Parameters.AddWithValue("$end", (long)end);
        return new ReminderTableData(await ReadAsync(command, cancellationToken));
    }

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => ReadRow(grainId, reminderName, CancellationToken.None);

    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName, CancellationToken cancellationToken)
    {
        await using var connection = await SqliteFiles.OpenAsync(_connectionString, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM reminders WHERE service_id = $service AND grain_id = $grain AND reminder_name = $name";
        command.Parameters.AddWithValue("$service", _serviceId);
        command.Parameters.AddWithValue("$grain", grainId.ToString());
        command.Parameters.AddWithValue("$name", reminderName);
        var rows = await ReadAsync(command, cancellationToken);
        // Orleans expects null when the reminder does not exist.
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<string?> UpsertRow(ReminderEntry entry) => UpsertRow(entry, CancellationToken.None);

    public async Task<string?> UpsertRow(ReminderEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var etag = Guid.NewGuid().ToString("N");
        await using var connection = await SqliteFiles.OpenAsync(_connectionString, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO reminders (service_id, grain_id, reminder_name, start_at, period, grain_hash, etag)
            VALUES ($service, $grain, $name, $start, $period, $hash, $etag)
            ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE SET
                start_at = excluded.start_at, period = excluded.period, grain_hash = excluded.grain_hash, etag = excluded.etag
            """;
        command.Parameters.AddWithValue("$service", _serviceId);
        command.Parameters.AddWithValue("$grain", entry.GrainId.ToString());
        command.Parameters.AddWithValue("$name", entry.ReminderName);
        command.Parameters.AddWithValue("$start", DateTime.SpecifyKind(entry.StartAt, DateTimeKind.Utc).ToUniversalTime().Ticks);
        command.Parameters.AddWithValue("$period", entry.Period.Ticks);
        command.Parameters.AddWithValue("$hash", (long)entry.GrainId.GetUniformHashCode());
        command.Parameters.AddWithValue("$etag", etag);
        await command.ExecuteNonQueryAsync(cancellationToken);
        entry.ETag = etag;
        return etag;
    }

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) => RemoveRow(grainId, reminderName, eTag, CancellationToken.None);

    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag, CancellationToken cancellationToken)
    {
        await using var connection = await SqliteFiles.OpenAsync(_connectionString, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM reminders WHERE service_id = $service AND grain_id = $grain AND reminder_name = $name AND etag = $etag";
        command.Parameters.AddWithValue("$service", _serviceId);
        command.Parameters.AddWithValue("$grain", grainId.ToString());
        command.Parameters.AddWithValue("$name", reminderName);
        command.Parameters.AddWithValue("$etag", eTag ?? "");
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public Task TestOnlyClearTable() => TestOnlyClearTable(CancellationToken.None);

    public async Task TestOnlyClearTable(CancellationToken cancellationToken)
    {
        await using var connection = await SqliteFiles.OpenAsync(_connectionString, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM reminders WHERE service_id = $service";
        command.Parameters.AddWithValue("$service", _serviceId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private const string Columns = "grain_id, reminder_name, start_at, period, etag";

    private static async Task<List<ReminderEntry>> ReadAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var result = new List<ReminderEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new ReminderEntry
            {
                GrainId = GrainId.Parse(reader.GetString(0)),
                ReminderName = reader.GetString(1),
                StartAt = new DateTime(reader.GetInt64(2), DateTimeKind.Utc),
                Period = TimeSpan.FromTicks(reader.GetInt64(3)),
                ETag = reader.GetString(4),
            });
        }

        return result;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reminder table ready: SQLite {Path} (service {ServiceId})")]
    private partial void LogStarted(string path, string serviceId);
}

using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Storage;

namespace Acd.Silo.Storage;

/// <summary>Options of <see cref="SqliteGrainStorage"/>, one set per named provider.</summary>
public sealed class SqliteGrainStorageOptions : IStorageProviderSerializerOptions
{
    /// <summary>Path of the SQLite file (e.g. &lt;DataPath&gt;/grains.db). Several providers may share one file.</summary>
    public string DatabasePath { get; set; } = "";

    /// <summary>Defaults to the silo's <see cref="IGrainStorageSerializer"/> (see DefaultStorageProviderSerializerOptionsConfigurator).</summary>
    public IGrainStorageSerializer GrainStorageSerializer { get; set; } = null!;
}

/// <summary>
/// Orleans grain storage in a SQLite file: one table keyed by (grain type, grain id, state name), WAL journal,
/// optimistic concurrency through a random ETag per write (a stale writer gets <see cref="InconsistentStateException"/>).
/// Reads go straight to the file (WAL readers never wait for the writer); writes and clears go through one
/// <see cref="SqliteStateWriter"/>, which commits whatever is waiting in one transaction.
/// Orleans ships no SQLite provider; this one lets the embedded product keep its state with nothing installed.
/// </summary>
public sealed partial class SqliteGrainStorage : IGrainStorage
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS grain_state
        (
            grain_type    TEXT    NOT NULL,
            grain_id      TEXT    NOT NULL,
            state_name    TEXT    NOT NULL,
            etag          TEXT    NOT NULL,
            payload       BLOB    NOT NULL,
            updated_at_ms INTEGER NOT NULL,
            PRIMARY KEY (grain_type, grain_id, state_name)
        ) WITHOUT ROWID;
        """;

    private readonly string _name;
    private readonly string _connectionString;
    private readonly IGrainStorageSerializer _serializer;
    private readonly TimeProvider _time;
    private readonly ILogger<SqliteGrainStorage> _logger;
    private readonly object _initLock = new();
    private readonly SqliteStateWriter _writer;
    private Task? _initialized;

    public SqliteGrainStorage(string name, SqliteGrainStorageOptions options, TimeProvider time, ILogger<SqliteGrainStorage> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.DatabasePath);
        _name = name;
        _serializer = options.GrainStorageSerializer
            ?? throw new InvalidOperationException($"Grain storage '{name}' has no {nameof(IGrainStorageSerializer)}.");
        _connectionString = SqliteFiles.ConnectionString(options.DatabasePath);
        _time = time;
        _logger = logger;
        _writer = new SqliteStateWriter(_connectionString, EnsureInitializedAsync);
    }

    /// <summary>Most writes one transaction has carried (group commit at work under load).</summary>
    internal int LargestWriteBatch => _writer.LargestBatch;

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await EnsureInitializedAsync();
        await using var connection = await SqliteFiles.OpenAsync(_connectionString);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT etag, payload FROM grain_state WHERE grain_type = $type AND grain_id = $id AND state_name = $state";
        Key(command, stateName, grainId);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }

        var etag = reader.GetString(0);
        var payload = (byte[])reader.GetValue(1);
        grainState.State = _serializer.Deserialize<T>(new BinaryData(payload));
        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var payload = _serializer.Serialize(grainState.State).ToArray();
        var newEtag = Guid.NewGuid().ToString("N");
        // No ETag: the first write as far as this activation knows, which must not overwrite a row someone else created.
        var kind = grainState.ETag is null ? StateWriteKind.Insert : StateWriteKind.Update;
        var conflict = await _writer.WriteAsync(new StateWrite(kind, grainId.Type.ToString(), grainId.Key.ToString(), stateName,
            grainState.ETag, newEtag, payload, _time.GetUtcNow().ToUnixTimeMilliseconds()));
        if (conflict is not null)
        {
            throw Conflict("write", stateName, grainId, grainState.ETag, conflict.StoredEtag);
        }

        grainState.ETag = newEtag;
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var conflict = await _writer.WriteAsync(new StateWrite(StateWriteKind.Delete, grainId.Type.ToString(), grainId.Key.ToString(), stateName,
            grainState.ETag, null, null, _time.GetUtcNow().ToUnixTimeMilliseconds()));
        if (conflict is not null)
        {
            throw Conflict("clear", stateName, grainId, grainState.ETag, conflict.StoredEtag);
        }

        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    // Creates the table once; a failed attempt (disk full, locked file) is retried by the next operation.
    private Task EnsureInitializedAsync()
    {
        lock (_initLock)
        {
            if (_initialized is null || _initialized.IsFaulted || _initialized.IsCanceled)
            {
                _initialized = SqliteFiles.InitializeAsync(_connectionString, Schema);
            }

            return _initialized;
        }
    }

    private InconsistentStateException Conflict(string operation, string stateName, GrainId grainId, string? expected, string? stored)
    {
        LogConflict(_name, operation, grainId, stateName, expected, stored);
        return new InconsistentStateException(
            $"Grain storage '{_name}': {operation} of state '{stateName}' for {grainId} rejected, the stored version changed (ETag mismatch).",
            stored ?? "<none>", expected ?? "<none>");
    }

    private static void Key(SqliteCommand command, string stateName, GrainId grainId)
    {
        command.Parameters.AddWithValue("$type", grainId.Type.ToString());
        command.Parameters.AddWithValue("$id", grainId.Key.ToString());
        command.Parameters.AddWithValue("$state", stateName);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Grain storage {Provider}: {Operation} conflict for {GrainId} state {StateName}: expected ETag {Expected}, stored {Stored}")]
    private partial void LogConflict(string provider, string operation, GrainId grainId, string stateName, string? expected, string? stored);
}

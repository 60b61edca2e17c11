using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Acd.Silo.Storage;

/// <summary>What a grain asks the writer to do with its row.</summary>
internal enum StateWriteKind
{
    Insert,
    Update,
    Delete,
}

/// <summary>One grain's write or clear; <see cref="Done"/> completes after the transaction holding it committed.</summary>
internal sealed record StateWrite(
    StateWriteKind Kind,
    string GrainType,
    string GrainId,
    string StateName,
    string? ExpectedEtag,
    string? NewEtag,
    byte[]? Payload,
    long NowMs)
{
    /// <summary>Null when applied; otherwise the ETag stored now (null if there is no row), which refused the write.</summary>
    public TaskCompletionSource<StateWriteConflict?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

internal sealed record StateWriteConflict(string? StoredEtag);

/// <summary>
/// The single writer of one grain-state file. SQLite takes one writer at a time: grains writing through their own
/// connections queued on the file lock, and Microsoft.Data.Sqlite waits for a busy lock by sleeping the thread, so
/// under load thread-pool threads slept while the disk idled (LoadBench). Here one loop takes whatever writes are
/// waiting and commits them in one transaction (group commit); each grain's write still completes only once its
/// transaction committed, and an ETag mismatch still refuses that write alone.
/// </summary>
internal sealed class SqliteStateWriter
{
    private const int MaxBatch = 256;

    private readonly string _connectionString;
    private readonly Func<Task> _ensureInitialized;
    private readonly Channel<StateWrite> _queue = Channel.CreateUnbounded<StateWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _startLock = new();
    private Task? _loop;

    public SqliteStateWriter(string connectionString, Func<Task> ensureInitialized)
    {
        _connectionString = connectionString;
        _ensureInitialized = ensureInitialized;
    }

    /// <summary>Largest number of writes one transaction has carried; for tests and diagnostics.</summary>
    public int LargestBatch { get; private set; }

    public Task<StateWriteConflict?> WriteAsync(StateWrite write)
    {
        EnsureStarted();
        if (!_queue.Writer.TryWrite(write))
        {
            write.Done.TrySetException(new InvalidOperationException("The grain state writer has stopped."));
        }

        return write.Done.Task;
    }

    private void EnsureStarted()
    {
        if (_loop is not null)
        {
            return;
        }

        lock (_startLock)
        {
            _loop ??= Task.Run(RunAsync);
        }
    }

    private async Task RunAsync()
    {
        var batch = new List<StateWrite>(MaxBatch);
        SqliteConnection? connection = null;
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var write))
            {
                batch.Add(write);
            }

            try
            {
                await _ensureInitialized();
                connection ??= await SqliteFiles.OpenAsync(_connectionString);
                var outcomes = Commit(connection, batch);
                LargestBatch = Math.Max(LargestBatch, batch.Count);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(outcomes[i]);
                }
            }
            catch (Exception ex)
            {
                // Nothing of the batch is stored: every grain in it sees the failure and may write again.
                foreach (var write in batch)
                {
                    write.Done.TrySetException(ex);
                }

                if (connection is not null)
                {
                    await connection.DisposeAsync();
                    connection = null;
                }
            }

            batch.Clear();
        }
    }

    private static StateWriteConflict?[] Commit(SqliteConnection connection, List<StateWrite> batch)
    {
        var outcomes = new StateWriteConflict?[batch.Count];
        using var transaction = connection.BeginTransaction();
        using var insert = Command(connection, transaction, """
            INSERT INTO grain_state (grain_type, grain_id, state_name, etag, payload, updated_at_ms)
            VALUES ($type, $id, $state, $etag, $payload, $now)
            ON CONFLICT DO NOTHING
            """);
        using var update = Command(connection, transaction, """
            UPDATE grain_state SET etag = $etag, payload = $payload, updated_at_ms = $now
            WHERE grain_type = $type AND grain_id = $id AND state_name = $state AND etag = $expected
            """);
        using var delete = Command(connection, transaction,
            "DELETE FROM grain_state WHERE grain_type = $type AND grain_id = $id AND state_name = $state AND etag = $expected");
        using var stored = Command(connection, transaction,
            "SELECT etag FROM grain_state WHERE grain_type = $type AND grain_id = $id AND state_name = $state");

        for (var i = 0; i < batch.Count; i++)
        {
            var write = batch[i];
            bool applied;
            switch (write.Kind)
            {
                case StateWriteKind.Insert:
                    applied = Execute(insert, write) > 0;
                    break;
                case StateWriteKind.Update:
                    applied = Execute(update, write) > 0;
                    break;
                default:
                    // Clearing a row this activation never saw would discard someone else's write.
                    applied = write.ExpectedEtag is null ? StoredEtag(stored, write) is null : Execute(delete, write) > 0;
                    break;
            }

            outcomes[i] = applied ? null : new StateWriteConflict(StoredEtag(stored, write));
        }

        transaction.Commit();
        return outcomes;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in (string[])["$type", "$id", "$state", "$etag", "$payload", "$now", "$expected"])
        {
            if (sql.Contains(name, StringComparison.Ordinal))
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }
        }

        return command;
    }

    private static int Execute(SqliteCommand command, StateWrite write)
    {
        Bind(command, write);
        return command.ExecuteNonQuery();
    }

    private static string? StoredEtag(SqliteCommand command, StateWrite write)
    {
        Bind(command, write);
        return command.ExecuteScalar() as string;
    }

    private static void Bind(SqliteCommand command, StateWrite write)
    {
        foreach (SqliteParameter parameter in command.Parameters)
        {
            parameter.Value = parameter.ParameterName switch
            {
                // object: the columns differ in type.
                "$type" => (object?)write.GrainType,
                "$id" => write.GrainId,
                "$state" => write.StateName,
                "$etag" => write.NewEtag,
                "$payload" => write.Payload,
                "$now" => write.NowMs,
                "$expected" => write.ExpectedEtag,
                _ => DBNull.Value,
            } ?? DBNull.Value;
        }
    }
}

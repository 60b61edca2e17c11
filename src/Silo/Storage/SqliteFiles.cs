using Microsoft.Data.Sqlite;

namespace Acd.Silo.Storage;

/// <summary>Shared handling of the embedded SQLite files: connection strings, WAL and schema creation.</summary>
internal static class SqliteFiles
{
    public static string ConnectionString(string path) => new SqliteConnectionStringBuilder
    {
        DataSource = Path.GetFullPath(path),
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        // Seconds a statement waits on a lock held by another connection (other provider, reminder service, reader).
        DefaultTimeout = 30,
    }.ToString();

    public static async Task<SqliteConnection> OpenAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            // WAL with synchronous=NORMAL: commits no longer wait for an fsync (the WAL is synced at checkpoints), so a
            // grain's state write stops costing a disk flush inside its turn; an application crash still loses nothing,
            // only an OS crash or power cut can lose the last commits. Per connection, so set on every open.
            await using (var pragma = connection.CreateCommand())
            {
                pragma.CommandText = "PRAGMA synchronous=NORMAL;";
                await pragma.ExecuteNonQueryAsync(cancellationToken);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates the folder, switches the file to WAL (readers never block the writer) and applies the idempotent schema.</summary>
    public static async Task InitializeAsync(string connectionString, string schema, CancellationToken cancellationToken = default)
    {
        var path = new SqliteConnectionStringBuilder(connectionString).DataSource;
        if (Path.GetDirectoryName(path) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        await using var connection = await OpenAsync(connectionString, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;\n" + schema;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

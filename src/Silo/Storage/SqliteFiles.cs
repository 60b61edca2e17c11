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

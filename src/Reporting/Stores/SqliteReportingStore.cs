using System.Data.Common;
using Acd.Reporting.Schema;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Acd.Reporting.Stores;

/// <summary>Reporting store in a SQLite file (embedded mode). Creates its tables itself, WAL so queries never wait on the writer.</summary>
public sealed class SqliteReportingStore(string connectionString, ILogger<SqliteReportingStore> logger) : ReportingStore(logger)
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder(connectionString)
    {
        Pooling = true,
        Mode = SqliteOpenMode.ReadWriteCreate,
        DefaultTimeout = 30,
    }.ToString();

    private readonly object _schemaLock = new();
    private Task? _schema;

    /// <summary>A connection string for the reporting file at <paramref name="path"/>.</summary>
    public static string ConnectionStringFor(string path) => new SqliteConnectionStringBuilder { DataSource = path }.ToString();

    public override string Description => $"SQLite {new SqliteConnectionStringBuilder(_connectionString).DataSource}";

    protected override DbConnection CreateConnection() => new SqliteConnection(_connectionString);

    public override async Task EnsureSchemaAsync(CancellationToken cancellationToken = default)
    {
        await PrepareAsync(cancellationToken);
        Logger.LogInformation("Reporting store ready: {Store}", Description);
    }

    // Queries may come before the writer started (the frontend's API): the file and tables are created on first use.
    protected override Task PrepareAsync(CancellationToken cancellationToken)
    {
        lock (_schemaLock)
        {
            if (_schema is null || _schema.IsFaulted || _schema.IsCanceled)
            {
                _schema = CreateSchemaAsync();
            }

            return _schema;
        }
    }

    private async Task CreateSchemaAsync()
    {
        var path = new SqliteConnectionStringBuilder(_connectionString).DataSource;
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        // WAL is a property of the file: set once, it lets readers run while the batch writer holds its transaction.
        command.CommandText = "PRAGMA journal_mode=WAL;\n" + ReportingSchema.Sqlite;
        await command.ExecuteNonQueryAsync();
    }
}

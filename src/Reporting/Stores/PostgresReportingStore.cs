using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Acd.Reporting.Stores;

/// <summary>
/// Reporting store in PostgreSQL (cluster mode). The tables come from the documented setup step
/// (<c>Acd.Silo setup-database</c>); at runtime the store only checks that they are there, so the
/// application's database role needs no DDL rights.
/// </summary>
public sealed class PostgresReportingStore : ReportingStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresReportingStore(string connectionString, ILogger<PostgresReportingStore> logger) : base(logger)
    {
        _dataSource = NpgsqlDataSource.Create(connectionString);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        Description = $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}";
    }

    public override string Description { get; }

    protected override DbConnection CreateConnection() => _dataSource.CreateConnection();

    public override async Task EnsureSchemaAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT to_regclass('calls') IS NOT NULL AND to_regclass('agents') IS NOT NULL AND to_regclass('agent_activities') IS NOT NULL";
        if (await command.ExecuteScalarAsync(cancellationToken) is not true)
        {
            throw new InvalidOperationException(
                $"The reporting tables are missing in {Description}. Apply the schema first: dotnet run --project src/Silo -- setup-database");
        }

        Logger.LogInformation("Reporting store ready: {Store}", Description);
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}

using Acd.Reporting.Schema;
using Npgsql;

namespace Acd.Testing;

public sealed partial class PostgresServer
{
    /// <summary>
    /// A fresh database with the reporting tables: the script the silo's <c>setup-database</c> step applies for them
    /// (<see cref="ReportingSchema.PostgreSql"/>; tests/Silo.Tests covers the setup step itself).
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var connectionString = await CreateEmptyDatabaseAsync(prefix);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(ReportingSchema.PostgreSql, connection);
        await command.ExecuteNonQueryAsync();
        return connectionString;
    }
}

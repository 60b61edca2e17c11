using Acd.Silo.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.Testing;

public sealed partial class PostgresServer
{
    /// <summary>A fresh database with the full schema applied by the product's own setup step.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var connectionString = await CreateEmptyDatabaseAsync(prefix);
        await AcdDatabaseSetup.ApplyPostgresAsync(connectionString, NullLogger.Instance);
        return connectionString;
    }
}

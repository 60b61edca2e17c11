using Acd.Reporting.Schema;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Acd.Silo.Hosting;

/// <summary>
/// The documented setup step for cluster mode: applies Orleans' PostgreSQL schema (main, clustering, persistence,
/// reminders) and the ACD reporting tables to ConnectionStrings:Acd. Idempotent: each script runs once, recorded in
/// acd_schema_history; an Orleans schema installed earlier by hand is detected and left alone.
/// </summary>
public static class AcdDatabaseSetup
{
    public const string Command = "setup-database";

    // Serializes concurrent setup runs (several pods starting an init container at once).
    private const long AdvisoryLockKey = 0x0AC0_5E70;

    /// <summary>The scripts in order: name, a table whose presence means "already installed", the SQL.</summary>
    public static IReadOnlyList<(string Name, string? ExistingTable, string Sql)> PostgresScripts { get; } =
    [
        ("orleans-main", "orleansquery", OrleansScript("Orleans-Main.sql")),
        ("orleans-clustering", "orleansmembershiptable", OrleansScript("Orleans-Clustering.sql")),
        ("orleans-persistence", "orleansstorage", OrleansScript("Orleans-Persistence.sql")),
        ("orleans-reminders", "orleansreminderstable", OrleansScript("Orleans-Reminders.sql")),
        ("acd-reporting-1", null, ReportingSchema.PostgreSql),
    ];

    /// <summary>
    /// Handles <c>setup-database</c> on the command line: applies the schema for the configured mode and returns true
    /// (the caller then exits; the exit code is set on failure). Returns false for any other command line.
    /// </summary>
    public static async Task<bool> TryRunAsync(IHostApplicationBuilder builder, string[] args)
    {
        if (!args.Contains(Command, StringComparer.OrdinalIgnoreCase))
        {
            return false;
        }

        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
        var logger = loggerFactory.CreateLogger(typeof(AcdDatabaseSetup));
        try
        {
            var cluster = builder.Configuration.GetSection(AcdClusterOptions.Section).Get<AcdClusterOptions>() ?? new();
            var storage = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new();
            if (cluster.Mode != ClusterMode.Postgres)
            {
                logger.LogInformation("Cluster:Mode is {Mode}: the SQLite files under {DataPath} are created at start, nothing to set up. " +
                    "Set Cluster__Mode=Postgres and ConnectionStrings__{Name} to set up PostgreSQL.",
                    cluster.Mode, SiloHostingExtensions.ResolveDataPath(storage, builder.Environment), storage.ConnectionStringName);
                return true;
            }

            var connectionString = builder.Configuration.GetConnectionString(storage.ConnectionStringName);
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException($"No connection string ConnectionStrings:{storage.ConnectionStringName} is configured.");
            }

            await ApplyPostgresAsync(connectionString, logger);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Database setup failed");
            Environment.ExitCode = 1;
        }

        return true;
    }

    /// <summary>Applies every script not applied yet; returns the names of the scripts it ran.</summary>
    public static async Task<IReadOnlyList<string>> ApplyPostgresAsync(string connectionString, ILogger logger, CancellationToken cancellationToken = default)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        logger.LogInformation("Setting up PostgreSQL schema in {Host}:{Port}/{Database}", builder.Host, builder.Port, builder.Database);
        var applied = new List<string>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({AdvisoryLockKey})", cancellationToken);
        await ExecuteAsync(connection, transaction, """
            CREATE TABLE IF NOT EXISTS acd_schema_history
            (
                script     text        NOT NULL PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now(),
                note       text        NULL
            )
            """, cancellationToken);

        foreach (var (name, existingTable, sql) in PostgresScripts)
        {
            await using (var check = new NpgsqlCommand("SELECT 1 FROM acd_schema_history WHERE script = @script", connection, transaction))
            {
                check.Parameters.AddWithValue("script", name);
                if (await check.ExecuteScalarAsync(cancellationToken) is not null)
                {
                    logger.LogInformation("Schema {Script}: already applied", name);
                    continue;
                }
            }

            string? note = null;
            if (existingTable is not null && await TableExistsAsync(connection, transaction, existingTable, cancellationToken))
            {
                note = $"found existing table {existingTable}; script not run";
                logger.LogWarning("Schema {Script}: table {Table} already exists (installed outside this tool); recording it as applied",
                    name, existingTable);
            }
            else
            {
                await ExecuteAsync(connection, transaction, sql, cancellationToken);
                applied.Add(name);
                logger.LogInformation("Schema {Script}: applied", name);
            }

            await using var record = new NpgsqlCommand("INSERT INTO acd_schema_history (script, note) VALUES (@script, @note)", connection, transaction);
            record.Parameters.AddWithValue("script", name);
            record.Parameters.AddWithValue("note", (object?)note ?? DBNull.Value);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        // All or nothing: PostgreSQL DDL is transactional, so a failure leaves no half-installed schema.
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("PostgreSQL schema is up to date ({Count} scripts applied now)", applied.Count);
        return applied;
    }

    private static async Task<bool> TableExistsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT to_regclass(@table) IS NOT NULL", connection, transaction);
        command.Parameters.AddWithValue("table", table);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string OrleansScript(string fileName)
    {
        var name = $"Acd.Silo.Schema.PostgreSQL.{fileName}";
        using var stream = typeof(AcdDatabaseSetup).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded schema script {name} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

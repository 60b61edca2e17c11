using Acd.Grains.Hosting;
using Acd.Silo.Hosting;
using Acd.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Acd.Silo.Tests;

[Collection(PostgresCollection.Name)]
public sealed class PostgresSetupTests(PostgresServer server)
{
    [Fact]
    public async Task Setup_is_idempotent_and_installs_every_orleans_query()
    {
        var connectionString = await server.CreateDatabaseAsync("setup"); // applies once
        var second = await AcdDatabaseSetup.ApplyPostgresAsync(connectionString, NullLogger.Instance);
        Assert.Empty(second);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT QueryKey FROM OrleansQuery ORDER BY QueryKey", connection);
        var keys = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                keys.Add(reader.GetString(0));
            }
        }

        string[] expected =
        [
            "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey", "ClearStorageKey", "DeleteMembershipTableEntriesKey",
            "DeleteReminderRowKey", "DeleteReminderRowsKey", "GatewaysQueryKey", "InsertMembershipKey", "InsertMembershipVersionKey",
            "MembershipReadAllKey", "MembershipReadRowKey", "ReadFromStorageKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
            "ReadReminderRowKey", "ReadReminderRowsKey", "UpdateIAmAlivetimeKey", "UpdateMembershipKey", "UpsertReminderRowKey",
            "WriteToStorageKey",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));

        await using var history = new NpgsqlCommand("SELECT count(*) FROM acd_schema_history", connection);
        Assert.Equal(AcdDatabaseSetup.PostgresScripts.Count, Convert.ToInt32(await history.ExecuteScalarAsync()));
    }

    [Fact]
    public async Task Orleans_adonet_grain_storage_round_trips_state_on_postgres()
    {
        var connectionString = await server.CreateDatabaseAsync("storage");
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddAdoNetGrainStorage(AcdStorage.GrainState, o =>
        {
            o.Invariant = "Npgsql";
            o.ConnectionString = connectionString;
        }));
        await using var cluster = builder.Build();
        await cluster.DeployAsync();

        var grain = cluster.Client.GetGrain<ICounterGrain>("pg-1");
        Assert.Equal(3, await grain.AddAsync(3, "three"));
        Assert.Equal(5, await grain.AddAsync(2, "five"));
        await grain.DeactivateAsync();
        await cluster.WaitForDeactivationAsync(grain);

        var reloaded = await cluster.Client.GetGrain<ICounterGrain>("pg-1").GetAsync();
        Assert.Equal(5, reloaded.Count);
        Assert.Equal("five", reloaded.Label);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM OrleansStorage WHERE version = 2", connection);
        Assert.Equal(1L, await command.ExecuteScalarAsync());
    }
}

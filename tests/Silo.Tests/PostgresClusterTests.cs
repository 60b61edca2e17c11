using Acd.Events;
using Acd.Reporting.Queries;
using Acd.Reporting.Stores;
using Acd.Reporting.Writing;
using Acd.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Runtime;

namespace Acd.Silo.Tests;

/// <summary>Cluster mode end to end: several silos and an Orleans client host on one PostgreSQL (ADO.NET clustering, storage, reminders).</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresClusterTests(PostgresServer server)
{
    [Fact]
    public async Task Three_silos_and_a_client_keep_serving_state_after_one_silo_stops()
    {
        var connectionString = await server.CreateDatabaseAsync("cluster");
        var clusterId = "c-" + Guid.NewGuid().ToString("N")[..8];
        var silos = new List<IHost>();
        IHost? client = null;
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var silo = HostFactory.PostgresSilo(connectionString, clusterId);
                await silo.StartAsync();
                silos.Add(silo);
            }

            Assert.IsType<BatchingReportingSink>(silos[0].Services.GetRequiredService<IReportingSink>());

            // Orleans' ADO.NET reminder table on the schema from setup-database.
            var reminders = silos[0].Services.GetRequiredService<IReminderTable>();
            var reminderGrain = GrainId.Create("call", "pg-reminder");
            var etag = await reminders.UpsertRow(new ReminderEntry
            {
                GrainId = reminderGrain,
                ReminderName = "max-wait",
                StartAt = new DateTime(2026, 1, 5, 9, 0, 0, DateTimeKind.Utc),
                Period = TimeSpan.FromMinutes(1),
            });
            var stored = await reminders.ReadRow(reminderGrain, "max-wait");
            Assert.Equal(TimeSpan.FromMinutes(1), stored?.Period);
            Assert.True(await reminders.RemoveRow(reminderGrain, "max-wait", etag!));
            Assert.Empty((await reminders.ReadRows(reminderGrain)).Reminders);
            client = HostFactory.PostgresClient(connectionString, clusterId);
            await client.StartAsync();
            Assert.IsType<PostgresReportingStore>(client.Services.GetRequiredService<IReportingQueries>());
            var grains = client.Services.GetRequiredService<IClusterClient>();

            for (var i = 0; i < 30; i++)
            {
                Assert.Equal(i + 1, await grains.GetGrain<ICounterGrain>($"k{i}").AddAsync(i + 1, "before"));
            }

            await using (var connection = new NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT count(*) FROM OrleansMembershipTable WHERE Status = 3", connection);
                Assert.Equal(3L, await command.ExecuteScalarAsync());
            }

            await silos[1].StopAsync();
            silos[1].Dispose();
            silos.RemoveAt(1);

            // Grains of the stopped silo come back elsewhere from their PostgreSQL state. Bounded wait: the client
            // learns about the membership change over the network.
            await Eventually(async () =>
            {
                for (var i = 0; i < 30; i++)
                {
                    var state = await grains.GetGrain<ICounterGrain>($"k{i}").GetAsync();
                    Assert.Equal(i + 1, state.Count);
                }
            }, TimeSpan.FromSeconds(60));

            for (var i = 0; i < 30; i++)
            {
                Assert.Equal(2 * (i + 1), await grains.GetGrain<ICounterGrain>($"k{i}").AddAsync(i + 1, "after"));
            }
        }
        finally
        {
            if (client is not null)
            {
                await client.StopAsync();
                client.Dispose();
            }

            foreach (var silo in silos)
            {
                await silo.StopAsync();
                silo.Dispose();
            }
        }
    }

    internal static async Task Eventually(Func<Task> assertion, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                await assertion();
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
        }
    }
}

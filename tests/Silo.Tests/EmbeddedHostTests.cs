using System.Collections.Immutable;
using Acd.Agents;
using Acd.Events;
using Acd.Reporting.Queries;
using Acd.Reporting.Writing;
using Acd.Silo.Storage;
using Acd.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Acd.Silo.Tests;

/// <summary>The embedded product host (AddAcdSilo, Cluster:Mode=Embedded) keeps its data in SQLite files across restarts.</summary>
public sealed class EmbeddedHostTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Restart_keeps_grain_state_and_reporting_rows()
    {
        var at = new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
        using (var host = HostFactory.Embedded(_folder.Path))
        {
            await host.StartAsync();
            Assert.IsType<SqliteReminderTable>(host.Services.GetRequiredService<IReminderTable>());
            Assert.IsType<BatchingReportingSink>(host.Services.GetRequiredService<IReportingSink>());

            var counter = host.Services.GetRequiredService<IGrainFactory>().GetGrain<ICounterGrain>("embedded");
            Assert.Equal(4, await counter.AddAsync(4, "four"));
            host.Services.GetRequiredService<IReportingSink>().Append(new AgentChanged(at,
                new AgentSnapshot("a1", AgentProfile.Create("Ada", "101"), AgentStatus.Ready, null, at, null, null, false, null, false, null, at, 0,
                    ImmutableArray<DeviceBinding>.Empty),
                new AgentStateChange(AgentStatus.NotReady, AgentStatus.Ready, null, null, at, TimeSpan.FromSeconds(30))));
            await host.StopAsync(); // no explicit flush: stopping writes what is pending
        }

        Assert.True(File.Exists(Path.Combine(_folder.Path, "grains.db")));
        Assert.True(File.Exists(Path.Combine(_folder.Path, "reminders.db")));
        Assert.True(File.Exists(Path.Combine(_folder.Path, "reporting.db")));

        using (var host = HostFactory.Embedded(_folder.Path))
        {
            await host.StartAsync();
            var counter = await host.Services.GetRequiredService<IGrainFactory>().GetGrain<ICounterGrain>("embedded").GetAsync();
            Assert.Equal(4, counter.Count);
            Assert.Equal("four", counter.Label);

            var activities = await host.Services.GetRequiredService<IReportingQueries>().GetAgentActivitiesAsync("a1", at.AddHours(-1), at.AddHours(1));
            var activity = Assert.Single(activities);
            Assert.Equal(AgentStatus.NotReady, activity.Status);
            await host.StopAsync();
        }
    }
}

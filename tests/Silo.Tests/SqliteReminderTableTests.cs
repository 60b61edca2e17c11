using Acd.Silo.Storage;
using Acd.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Acd.Silo.Tests;

public sealed class SqliteReminderTableTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private async Task<SqliteReminderTable> NewTableAsync(string serviceId = "acd")
    {
        var table = new SqliteReminderTable(
            Options.Create(new SqliteReminderTableOptions { DatabasePath = Path.Combine(_folder.Path, "reminders.db") }),
            Options.Create(new ClusterOptions { ClusterId = "test", ServiceId = serviceId }),
            NullLogger<SqliteReminderTable>.Instance);
        await table.StartAsync();
        return table;
    }

    private static ReminderEntry Entry(GrainId grain, string name, int minutes) => new()
    {
        GrainId = grain,
        ReminderName = name,
        StartAt = new DateTime(2026, 1, 5, 9, 0, 0, DateTimeKind.Utc),
        Period = TimeSpan.FromMinutes(minutes),
    };

    [Fact]
    public async Task Upsert_read_remove_and_survive_restart()
    {
        var table = await NewTableAsync();
        var grain = GrainId.Create("call", "c1");
        var etag = await table.UpsertRow(Entry(grain, "max-wait", 5));
        Assert.False(string.IsNullOrEmpty(etag));

        var row = await table.ReadRow(grain, "max-wait");
        Assert.NotNull(row);
        Assert.Equal(grain, row.GrainId);
        Assert.Equal(TimeSpan.FromMinutes(5), row.Period);
        Assert.Equal(new DateTime(2026, 1, 5, 9, 0, 0, DateTimeKind.Utc), row.StartAt);
        Assert.Equal(etag, row.ETag);

        var updatedEtag = await table.UpsertRow(Entry(grain, "max-wait", 10));
        Assert.NotEqual(etag, updatedEtag);
        await table.UpsertRow(Entry(grain, "rona", 1));
        Assert.Equal(2, (await table.ReadRows(grain)).Reminders.Count);

        // Wrong ETag: nothing removed.
        Assert.False(await table.RemoveRow(grain, "max-wait", etag!));

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var restarted = await NewTableAsync();
        var kept = await restarted.ReadRow(grain, "max-wait");
        Assert.NotNull(kept);
        Assert.Equal(TimeSpan.FromMinutes(10), kept.Period);

        Assert.True(await restarted.RemoveRow(grain, "max-wait", updatedEtag!));
        Assert.Null(await restarted.ReadRow(grain, "max-wait"));
        Assert.Single((await restarted.ReadRows(grain)).Reminders);

        // Other services sharing the file do not see these rows.
        var other = await NewTableAsync("other-service");
        Assert.Empty((await other.ReadRows(grain)).Reminders);
    }

    [Fact]
    public async Task Range_reads_follow_the_hash_ring_including_wrap_around()
    {
        var table = await NewTableAsync();
        var grains = Enumerable.Range(0, 50).Select(i => GrainId.Create("agent", $"a{i}")).ToList();
        foreach (var grain in grains)
        {
            await table.UpsertRow(Entry(grain, "r", 1));
        }

        var hashes = grains.Select(g => g.GetUniformHashCode()).Order().ToList();
        var middle = hashes[25];

        var lower = (await table.ReadRows(0, middle)).Reminders.Select(r => r.GrainId).ToHashSet();
        var upper = (await table.ReadRows(middle, 0)).Reminders.Select(r => r.GrainId).ToHashSet(); // wraps around
        Assert.Equal(grains.Count(g => g.GetUniformHashCode() > 0 && g.GetUniformHashCode() <= middle), lower.Count);
        Assert.Empty(lower.Intersect(upper));
        Assert.Equal(grains.Count, lower.Count + upper.Count);

        await table.TestOnlyClearTable();
        Assert.Empty((await table.ReadRows(0, uint.MaxValue)).Reminders);
    }
}

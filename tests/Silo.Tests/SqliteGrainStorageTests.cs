using Acd.Silo.Storage;
using Acd.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Runtime;
using Orleans.Storage;

namespace Acd.Silo.Tests;

public sealed class SqliteGrainStorageTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private string DbPath => Path.Combine(_folder.Path, "grains.db");

    public void Dispose() => _folder.Dispose();

    private SqliteGrainStorage NewStorage(string name = "acd") =>
        new(name, new SqliteGrainStorageOptions { DatabasePath = DbPath, GrainStorageSerializer = TestSerializers.Default },
            TimeProvider.System, NullLogger<SqliteGrainStorage>.Instance);

    private static GrainId Grain(string key) => GrainId.Create("counter", key);

    private static GrainState<CounterState> Empty() => new(new CounterState());

    [Fact]
    public async Task Write_read_update_clear_round_trip()
    {
        var storage = NewStorage();
        var id = Grain("a");

        var missing = Empty();
        await storage.ReadStateAsync("counter", id, missing);
        Assert.False(missing.RecordExists);
        Assert.Null(missing.ETag);

        var state = new GrainState<CounterState>(new CounterState { Count = 1, Label = "one" });
        await storage.WriteStateAsync("counter", id, state);
        Assert.True(state.RecordExists);
        var firstEtag = Assert.IsType<string>(state.ETag);

        var read = Empty();
        await storage.ReadStateAsync("counter", id, read);
        Assert.True(read.RecordExists);
        Assert.Equal(firstEtag, read.ETag);
        Assert.Equal(1, read.State!.Count);
        Assert.Equal("one", read.State!.Label);

        read.State!.Count = 2;
        await storage.WriteStateAsync("counter", id, read);
        Assert.NotEqual(firstEtag, read.ETag);

        var again = Empty();
        await storage.ReadStateAsync("counter", id, again);
        Assert.Equal(2, again.State!.Count);

        await storage.ClearStateAsync("counter", id, again);
        Assert.False(again.RecordExists);
        Assert.Null(again.ETag);

        var cleared = Empty();
        await storage.ReadStateAsync("counter", id, cleared);
        Assert.False(cleared.RecordExists);

        // After a clear the grain can start over.
        cleared.State!.Count = 7;
        await storage.WriteStateAsync("counter", id, cleared);
        var fresh = Empty();
        await storage.ReadStateAsync("counter", id, fresh);
        Assert.Equal(7, fresh.State!.Count);
    }

    [Fact]
    public async Task Keys_are_grain_type_grain_id_and_state_name()
    {
        var storage = NewStorage();
        await storage.WriteStateAsync("counter", Grain("a"), new GrainState<CounterState>(new CounterState { Count = 1 }));
        await storage.WriteStateAsync("other", Grain("a"), new GrainState<CounterState>(new CounterState { Count = 2 }));
        await storage.WriteStateAsync("counter", GrainId.Create("another-type", "a"), new GrainState<CounterState>(new CounterState { Count = 3 }));

        var read = Empty();
        await storage.ReadStateAsync("counter", Grain("a"), read);
        Assert.Equal(1, read.State!.Count);
        await storage.ReadStateAsync("other", Grain("a"), read);
        Assert.Equal(2, read.State!.Count);
        await storage.ReadStateAsync("counter", GrainId.Create("another-type", "a"), read);
        Assert.Equal(3, read.State!.Count);
        await storage.ReadStateAsync("counter", Grain("b"), read);
        Assert.False(read.RecordExists);
    }

    [Fact]
    public async Task Stale_etag_is_rejected_with_InconsistentStateException()
    {
        var storage = NewStorage();
        var id = Grain("race");
        var first = new GrainState<CounterState>(new CounterState { Count = 1 });
        await storage.WriteStateAsync("counter", id, first);

        var reader1 = Empty();
        var reader2 = Empty();
        await storage.ReadStateAsync("counter", id, reader1);
        await storage.ReadStateAsync("counter", id, reader2);

        reader1.State!.Count = 10;
        await storage.WriteStateAsync("counter", id, reader1);

        reader2.State!.Count = 20;
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("counter", id, reader2));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("counter", id, reader2));

        // A second "first write" (no ETag) must not overwrite an existing row either.
        var blind = new GrainState<CounterState>(new CounterState { Count = 99 });
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("counter", id, blind));

        var stored = Empty();
        await storage.ReadStateAsync("counter", id, stored);
        Assert.Equal(10, stored.State!.Count);
    }

    [Fact]
    public async Task Two_providers_on_one_file_see_each_other_and_conflict()
    {
        var a = NewStorage("a");
        var b = NewStorage("b");
        var id = Grain("shared");

        var viaA = new GrainState<CounterState>(new CounterState { Count = 5 });
        await a.WriteStateAsync("counter", id, viaA);

        var viaB = Empty();
        await b.ReadStateAsync("counter", id, viaB);
        Assert.Equal(5, viaB.State!.Count);
        Assert.Equal(viaA.ETag, viaB.ETag);

        viaB.State!.Count = 6;
        await b.WriteStateAsync("counter", id, viaB);

        viaA.State!.Count = 50;
        await Assert.ThrowsAsync<InconsistentStateException>(() => a.WriteStateAsync("counter", id, viaA));

        // Concurrent writers on one file: each grain's writes are serialized by SQLite's locking, nothing is lost.
        await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            var storage = i % 2 == 0 ? a : b;
            var state = new GrainState<CounterState>(new CounterState { Count = i });
            await storage.WriteStateAsync("counter", Grain($"parallel-{i}"), state);
        }));
        for (var i = 0; i < 40; i++)
        {
            var read = Empty();
            await (i % 2 == 0 ? b : a).ReadStateAsync("counter", Grain($"parallel-{i}"), read);
            Assert.Equal(i, read.State!.Count);
        }
    }

    [Fact]
    public async Task Restart_keeps_data_and_uses_wal()
    {
        var id = Grain("durable");
        var state = new GrainState<CounterState>(new CounterState { Count = 42, Label = "kept" });
        await NewStorage().WriteStateAsync("counter", id, state);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var restarted = NewStorage();
        var read = Empty();
        await restarted.ReadStateAsync("counter", id, read);
        Assert.True(read.RecordExists);
        Assert.Equal(42, read.State!.Count);
        Assert.Equal("kept", read.State!.Label);
        Assert.Equal(state.ETag, read.ETag);

        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", await command.ExecuteScalarAsync() as string);
    }

    [Fact]
    public async Task Concurrent_writes_commit_together_and_a_stale_one_fails_alone()
    {
        var storage = NewStorage();
        var stale = new GrainState<CounterState>(new CounterState { Count = 1 });
        await storage.WriteStateAsync("counter", Grain("stale"), stale);
        var current = Empty();
        await storage.ReadStateAsync("counter", Grain("stale"), current);
        current.State!.Count = 2;
        await storage.WriteStateAsync("counter", Grain("stale"), current);

        // 300 grains write at once, a stale writer among them.
        var states = Enumerable.Range(0, 300).Select(i => new GrainState<CounterState>(new CounterState { Count = i })).ToList();
        var writes = states.Select((state, i) => storage.WriteStateAsync("counter", Grain($"many-{i}"), state)).ToList();
        stale.State!.Count = 99;
        var refused = storage.WriteStateAsync("counter", Grain("stale"), stale);
        await Task.WhenAll(writes);
        await Assert.ThrowsAsync<InconsistentStateException>(() => refused);

        Assert.True(storage.LargestWriteBatch > 1, "writes waiting together share a transaction");
        for (var i = 0; i < states.Count; i += 37)
        {
            var read = Empty();
            await storage.ReadStateAsync("counter", Grain($"many-{i}"), read);
            Assert.Equal(i, read.State!.Count);
            Assert.Equal(states[i].ETag, read.ETag);
        }

        var kept = Empty();
        await storage.ReadStateAsync("counter", Grain("stale"), kept);
        Assert.Equal(2, kept.State!.Count);
    }
}

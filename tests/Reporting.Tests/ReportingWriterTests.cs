using System.Data.Common;
using Acd.Reporting.Queries;
using Acd.Reporting.Schema;
using Acd.Reporting.Stores;
using Acd.Reporting.Writing;
using Acd.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Reporting.Tests;

/// <summary>The batching writer never blocks a grain and never loses events: overflow and database failures.</summary>
public sealed class ReportingWriterTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Sqlite_queries_work_before_any_writer_ran()
    {
        var store = new SqliteReportingStore(SqliteReportingStore.ConnectionStringFor(Path.Combine(_folder.Path, "sub", "fresh.db")),
            NullLogger<SqliteReportingStore>.Instance);
        Assert.Equal(0, (await store.GetCallsAsync(new CallHistoryQuery())).Total);
        Assert.Empty(await store.GetAgentMetricsAsync(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task A_full_channel_spills_into_the_overflow_queue_and_everything_is_written()
    {
        var store = new SqliteReportingStore(SqliteReportingStore.ConnectionStringFor(Path.Combine(_folder.Path, "r.db")),
            NullLogger<SqliteReportingStore>.Instance);
        var sink = new BatchingReportingSink(store, Options.Create(new ReportingOptions { ChannelCapacity = 1, BatchSize = 3 }),
            TimeProvider.System, NullLogger<BatchingReportingSink>.Instance);

        // Not started yet: the channel (capacity 1) is full after the first event; Append still returns at once.
        var events = ReportingStoreTests.Day().ToList();
        foreach (var @event in events)
        {
            sink.Append(@event);
        }

        Assert.Equal(events.Count, sink.Pending);
        await sink.StartAsync(CancellationToken.None);
        await sink.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await sink.StopAsync(CancellationToken.None);

        Assert.Equal(0, sink.Pending);
        Assert.Equal(7, (await store.GetCallsAsync(new CallHistoryQuery())).Total);
        Assert.Equal(7, (await store.GetAgentActivitiesAsync("a1", DateTimeOffset.MinValue.AddYears(2000), DateTimeOffset.MaxValue.AddYears(-2000))).Count);
    }

    [Fact]
    public async Task Database_errors_are_retried_with_backoff_until_the_batch_lands()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero));
        var store = new FlakyStore(Path.Combine(_folder.Path, "flaky.db"), failures: 3);
        var sink = new BatchingReportingSink(store, Options.Create(new ReportingOptions { FlushInterval = TimeSpan.FromMilliseconds(10) }),
            time, NullLogger<BatchingReportingSink>.Instance);
        await sink.StartAsync(CancellationToken.None);
        foreach (var @event in ReportingStoreTests.Day())
        {
            sink.Append(@event);
        }

        // The retry backoff runs on the fake clock: move it on until the writer gets through (bounded in real time).
        var flush = sink.FlushAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!flush.IsCompleted && DateTime.UtcNow < deadline)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(flush, Task.Delay(20));
        }

        await flush;
        await sink.StopAsync(CancellationToken.None);
        Assert.Equal(0, store.FailuresLeft);
        Assert.Equal(3, store.FailedAttempts);
        Assert.Equal(7, (await store.GetCallsAsync(new CallHistoryQuery())).Total);
    }

    /// <summary>A SQLite store whose connections fail a given number of times once the schema is in place.</summary>
    private sealed class FlakyStore(string path, int failures) : ReportingStore(NullLogger.Instance)
    {
        private readonly string _connectionString = SqliteReportingStore.ConnectionStringFor(path);
        private volatile bool _schemaReady;
        private int _failuresLeft = failures;
        private int _failedAttempts;

        public int FailuresLeft => Volatile.Read(ref _failuresLeft);

        public int FailedAttempts => Volatile.Read(ref _failedAttempts);

        public override string Description => "flaky SQLite";

        protected override DbConnection CreateConnection()
        {
            if (_schemaReady && Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                Interlocked.Increment(ref _failedAttempts);
                throw new InvalidOperationException("simulated database outage");
            }

            Interlocked.Exchange(ref _failuresLeft, Math.Max(0, Volatile.Read(ref _failuresLeft)));
            return new SqliteConnection(_connectionString);
        }

        public override async Task EnsureSchemaAsync(CancellationToken cancellationToken = default)
        {
            await using var connection = new SqliteConnection(_connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = ReportingSchema.Sqlite;
            await command.ExecuteNonQueryAsync(cancellationToken);
            _schemaReady = true;
        }
    }
}

using System.Collections.Immutable;
using Acd.Agents;
using Acd.Calls;
using Acd.Events;
using Acd.Reporting.Queries;
using Acd.Reporting.Stores;
using Acd.Reporting.Writing;
using Acd.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Acd.Reporting.Tests;

/// <summary>
/// The reporting store and its batching writer, run once against SQLite and once against a real PostgreSQL:
/// a hand-built day of events goes through the writer, then history pages and metrics are checked to the second.
/// </summary>
public abstract partial class ReportingStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    protected abstract Task<ReportingStore> CreateStoreAsync();

    private static DateTimeOffset At(int seconds) => T0.AddSeconds(seconds);

    private async Task<(ReportingStore Store, BatchingReportingSink Sink)> StartWriterAsync(int batchSize = 500)
    {
        var store = await CreateStoreAsync();
        var sink = new BatchingReportingSink(store,
            Options.Create(new ReportingOptions { BatchSize = batchSize, FlushInterval = TimeSpan.FromMilliseconds(50) }),
            TimeProvider.System, NullLogger<BatchingReportingSink>.Instance);
        await sink.StartAsync(CancellationToken.None);
        return (store, sink);
    }

    [Fact]
    public async Task Writer_stores_calls_agents_and_activities_and_queries_answer()
    {
        var (store, sink) = await StartWriterAsync(batchSize: 7); // several batches
        foreach (var @event in Day())
        {
            sink.Append(@event);
        }

        await sink.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, sink.Pending);
        await sink.StopAsync(CancellationToken.None);

        // One row per call, reflecting its latest state.
        var c1 = await store.GetCallAsync("c1");
        Assert.NotNull(c1);
        Assert.Equal(CallStatus.Ended, c1.Status);
        Assert.Equal(CallDisposition.Answered, c1.Disposition);
        Assert.Equal("a1", c1.AgentId);
        Assert.Equal("q1", c1.QueueId);
        Assert.Equal(At(90), c1.ArrivedAt);
        Assert.Equal(At(110), c1.ConnectedAt);
        Assert.Equal(At(230), c1.EndedAt);
        Assert.Equal(20, c1.WaitSeconds);
        Assert.Equal(120, c1.TalkSeconds);
        Assert.Equal(15, c1.HoldSeconds);
        Assert.Equal("cust-1", c1.CustomerId);
        Assert.Equal("Ada Lovelace", c1.CustomerName);
        Assert.Contains("Ada Lovelace", c1.CustomerJson);
        Assert.Equal("+15550001", c1.Ani);

        var c6 = await store.GetCallAsync("c6");
        Assert.NotNull(c6);
        Assert.Equal(CallStatus.Queued, c6.Status);
        Assert.Null(c6.EndedAt);
        Assert.Null(await store.GetCallAsync("nope"));

        // Every ended state is one activity, with the reason and call of that state.
        var activities = await store.GetAgentActivitiesAsync("a1", At(-7200), At(7200));
        Assert.Equal(
            [AgentStatus.LoggedOut, AgentStatus.NotReady, AgentStatus.Ready, AgentStatus.Reserved, AgentStatus.OnCall, AgentStatus.WrapUp, AgentStatus.Ready],
            activities.Select(a => a.Status));
        Assert.Equal(ReasonCodes.Login, activities[1].ReasonCode);
        Assert.Equal(At(0), activities[1].StartedAt);
        Assert.Equal(At(60), activities[1].EndedAt);
        Assert.Equal(60, activities[1].DurationSeconds);
        Assert.Equal("c1", activities[3].CallId);
        Assert.Equal("c1", activities[4].CallId);
        Assert.Equal(120, activities[4].DurationSeconds);
        Assert.Equal("c1", activities[5].CallId);
        Assert.Null(activities[6].CallId);

        // A window shows only the states overlapping it.
        Assert.Equal(3, (await store.GetAgentActivitiesAsync("a1", At(105), At(240))).Count);
    }

    [Fact]
    public async Task History_pages_and_filters()
    {
        var store = await WriteDayAsync();
        var hour = new CallHistoryQuery(From: At(0), To: At(3600), PageSize: 2);

        var page1 = await store.GetCallsAsync(hour);
        Assert.Equal(6, page1.Total);
        Assert.Equal(["c6", "c5"], page1.Items.Select(c => c.CallId));
        var page2 = await store.GetCallsAsync(hour with { Page = 2 });
        Assert.Equal(["c4", "c3"], page2.Items.Select(c => c.CallId));
        var page3 = await store.GetCallsAsync(hour with { Page = 3 });
        Assert.Equal(["c2", "c1"], page3.Items.Select(c => c.CallId));
        Assert.Empty((await store.GetCallsAsync(hour with { Page = 4 })).Items);

        Assert.Equal(["c1"], (await store.GetCallsAsync(hour with { AgentId = "a1", PageSize = 50 })).Items.Select(c => c.CallId));
        Assert.Equal(["c4"], (await store.GetCallsAsync(hour with { QueueId = "q2", PageSize = 50 })).Items.Select(c => c.CallId));
        Assert.Equal(7, (await store.GetCallsAsync(new CallHistoryQuery())).Total);
    }

    [Fact]
    public async Task Call_metrics()
    {
        var store = await WriteDayAsync();

        var all = await store.GetCallMetricsAsync(At(0), At(3600), slaSeconds: 20);
        Assert.Equal(6, all.Total);
        Assert.Equal(5, all.Inbound);
        Assert.Equal(1, all.Outbound);
        Assert.Equal(3, all.Answered);
        Assert.Equal(2, all.Abandoned);
        Assert.Equal(50, all.AnswerRatePercent, 6);
        Assert.Equal(100.0 / 3, all.AbandonRatePercent, 6);
        Assert.Equal(32.5, all.AverageSpeedOfAnswerSeconds, 6);
        // Within 20 s: c1 (20 s). Base: answered inbound c1, c2 + abandoned after 20 s c3 (c4 left after 5 s).
        Assert.Equal(100.0 / 3, all.ServiceLevelPercent!.Value, 6);
        Assert.Equal(3, all.Dispositions["Answered"]);
        Assert.Equal(2, all.Dispositions["Abandoned"]);

        var q1 = await store.GetCallMetricsAsync(At(0), At(3600), "q1", slaSeconds: 60);
        Assert.Equal(4, q1.Total);
        Assert.Equal(2, q1.Answered);
        Assert.Equal(1, q1.Abandoned);
        Assert.Equal(100, q1.ServiceLevelPercent!.Value, 6);

        var empty = await store.GetCallMetricsAsync(At(-7200), At(-3600));
        Assert.Equal(0, empty.Total);
        Assert.Null(empty.ServiceLevelPercent);
        Assert.Empty(empty.Dispositions);
    }

    [Fact]
    public async Task Internal_calls_count_apart_from_customer_calls_and_show_in_both_agents_history()
    {
        var store = await WriteDayAsync();
        // a2 calls a1 (extension 101) after the day's calls: answered at once, a minute's talk.
        var info = new CallInfo("a2", "101", "Agent a2", CallDirection.Internal, 0, null, null, "edge-1");
        var ended = new CallSnapshot("i1", info, CallStatus.Ended, CallDisposition.Answered, null, "a1", At(1000), null, null, At(1000), At(1005),
            At(1065), null, TimeSpan.Zero, 1, null, null, null, null, "a1");
        await store.WriteAsync([new CallChanged(At(1065), ended, CallStatus.Connected)]);

        var all = await store.GetCallMetricsAsync(At(0), At(3600), slaSeconds: 20);
        Assert.Equal(1, all.Internal);
        // Everything else is as without it: customer calls only.
        Assert.Equal(6, all.Total);
        Assert.Equal(3, all.Answered);
        Assert.Equal(50, all.AnswerRatePercent, 6);
        Assert.Equal(100.0 / 3, all.ServiceLevelPercent!.Value, 6);
        Assert.Equal(3, all.Dispositions["Answered"]);
        Assert.Equal(0, (await store.GetCallMetricsAsync(At(0), At(3600), "q1")).Internal);

        var record = await store.GetCallAsync("i1");
        Assert.Equal(CallDirection.Internal, record!.Direction);
        Assert.Equal("a2", record.Ani);
        Assert.Equal("a1", record.AgentId);
        Assert.Null(record.QueueId);
        Assert.Equal(60, record.TalkSeconds);
        var hour = new CallHistoryQuery(From: At(0), To: At(3600), PageSize: 50);
        Assert.Equal(["i1", "c1"], (await store.GetCallsAsync(hour with { AgentId = "a1" })).Items.Select(c => c.CallId));
        Assert.Equal(["i1", "c5", "c2"], (await store.GetCallsAsync(hour with { AgentId = "a2" })).Items.Select(c => c.CallId));
    }

    [Fact]
    public async Task Agent_metrics()
    {
        var store = await WriteDayAsync();

        var a1 = Assert.Single(await store.GetAgentMetricsAsync(At(0), At(3600), "a1"));
        Assert.Equal(1, a1.CallsHandled);
        Assert.Equal(150, a1.AverageHandleSeconds, 6);
        Assert.Equal(60, a1.SecondsPerState["NotReady"], 6);
        Assert.Equal(80, a1.SecondsPerState["Ready"], 6);
        Assert.Equal(10, a1.SecondsPerState["Reserved"], 6);
        Assert.Equal(120, a1.SecondsPerState["OnCall"], 6);
        Assert.Equal(30, a1.SecondsPerState["WrapUp"], 6);
        Assert.False(a1.SecondsPerState.ContainsKey("LoggedOut")); // ended exactly at the window start
        Assert.Equal(50, a1.OccupancyPercent, 6); // 150 busy of 300 logged in

        // Clipping: only [T0+200, T0+240) -> OnCall 30 s, WrapUp 10 s.
        var clipped = Assert.Single(await store.GetAgentMetricsAsync(At(200), At(240), "a1"));
        Assert.Equal(30, clipped.SecondsPerState["OnCall"], 6);
        Assert.Equal(10, clipped.SecondsPerState["WrapUp"], 6);
        Assert.Equal(100, clipped.OccupancyPercent, 6);

        var everyone = await store.GetAgentMetricsAsync(At(0), At(3600));
        Assert.Equal(["a1", "a2", "a3"], everyone.Select(m => m.AgentId));
        var a3 = everyone.Single(m => m.AgentId == "a3"); // known agent, no activity
        Assert.Equal(0, a3.CallsHandled);
        Assert.Equal(0, a3.OccupancyPercent);
    }

    [Fact]
    public async Task Stopping_the_host_flushes_pending_events()
    {
        var (store, sink) = await StartWriterAsync();
        foreach (var @event in Day())
        {
            sink.Append(@event);
        }

        await sink.StopAsync(CancellationToken.None); // no explicit flush
        Assert.Equal(0, sink.Pending);
        Assert.Equal(7, (await store.GetCallsAsync(new CallHistoryQuery())).Total);
    }

    [Fact]
    public async Task Replaying_events_changes_nothing_and_older_events_do_not_overwrite_newer_rows()
    {
        var store = await WriteDayAsync();
        var events = Day().ToList();
        await store.WriteAsync(events); // the same events again (e.g. a retried batch)
        await store.WriteAsync([events.OfType<CallChanged>().First(e => e.Call.CallId == "c1")]); // c1's first, stale event

        Assert.Equal(7, (await store.GetAgentActivitiesAsync("a1", At(-7200), At(7200))).Count);
        var c1 = await store.GetCallAsync("c1");
        Assert.Equal(CallStatus.Ended, c1!.Status);
        Assert.Equal(7, (await store.GetCallsAsync(new CallHistoryQuery())).Total);
    }

    private async Task<ReportingStore> WriteDayAsync()
    {
        var (store, sink) = await StartWriterAsync();
        foreach (var @event in Day())
        {
            sink.Append(@event);
        }

        await sink.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await sink.StopAsync(CancellationToken.None);
        return store;
    }

    // ------------------------------------------------------------------ the hand-built day

    internal static IEnumerable<AcdEvent> Day()
    {
        // Agent a1: login, ready, takes c1 (reserved 10 s, talk 120 s, wrap-up 30 s), ready, break.
        yield return Agent("a1", AgentStatus.LoggedOut, AgentStatus.NotReady, ReasonCodes.Login, null, At(0), 3600);
        yield return Agent("a1", AgentStatus.NotReady, AgentStatus.Ready, null, null, At(60), 60);
        yield return Call("c1", CallStatus.Queued, At(90), queue: "q1");
        yield return Agent("a1", AgentStatus.Ready, AgentStatus.Reserved, null, "c1", At(100), 40);
        yield return Call("c1", CallStatus.Offered, At(100), queue: "q1", agent: "a1", arrived: At(90));
        yield return Agent("a1", AgentStatus.Reserved, AgentStatus.OnCall, null, "c1", At(110), 10);
        yield return Call("c1", CallStatus.Connected, At(110), queue: "q1", agent: "a1", arrived: At(90), connected: At(110));
        yield return Agent("a1", AgentStatus.OnCall, AgentStatus.WrapUp, null, "c1", At(230), 120);
        yield return Call("c1", CallStatus.Ended, At(230), queue: "q1", agent: "a1", arrived: At(90), connected: At(110), ended: At(230),
            disposition: CallDisposition.Answered, hold: 15);
        yield return Agent("a1", AgentStatus.WrapUp, AgentStatus.Ready, null, null, At(260), 30);
        yield return Agent("a1", AgentStatus.Ready, AgentStatus.NotReady, ReasonCodes.Break, null, At(300), 40);

        // Agent a2 answers c2 (waited 45 s) and places outbound c5; a3 only has a profile.
        yield return Agent("a2", AgentStatus.Reserved, AgentStatus.OnCall, null, "c2", At(245), 5);
        yield return Call("c2", CallStatus.Ended, At(400), queue: "q1", agent: "a2", arrived: At(200), connected: At(245), ended: At(400),
            disposition: CallDisposition.Answered);
        yield return Agent("a2", AgentStatus.OnCall, AgentStatus.Ready, null, null, At(400), 155);
        yield return Call("c3", CallStatus.Ended, At(530), queue: "q1", arrived: At(500), ended: At(530), disposition: CallDisposition.Abandoned);
        yield return Call("c4", CallStatus.Ended, At(605), queue: "q2", arrived: At(600), ended: At(605), disposition: CallDisposition.Abandoned);
        yield return Call("c5", CallStatus.Ended, At(800), agent: "a2", arrived: At(700), connected: At(710), ended: At(800),
            disposition: CallDisposition.Answered, direction: CallDirection.Outbound);
        yield return Call("c6", CallStatus.Queued, At(900), queue: "q1", arrived: At(900));
        yield return Call("c7", CallStatus.Ended, At(7300), queue: "q1", agent: "a2", arrived: At(7200), connected: At(7210), ended: At(7300),
            disposition: CallDisposition.Answered);
        yield return new AgentChanged(At(1000), Snapshot("a3", AgentStatus.LoggedOut, null, null, At(1000)), null);
    }

    private static AgentChanged Agent(string id, AgentStatus from, AgentStatus to, string? reason, string? callId, DateTimeOffset at, int secondsInPrevious) =>
        new(at, Snapshot(id, to, reason, callId, at), new AgentStateChange(from, to, reason, callId, at, TimeSpan.FromSeconds(secondsInPrevious)));

    private static AgentSnapshot Snapshot(string id, AgentStatus status, string? reason, string? callId, DateTimeOffset since) =>
        new(id, AgentProfile.Create($"Agent {id}", $"10{id[^1]}"), status, reason, since, callId, null, false, null, false, null, since, 0,
            ImmutableArray<DeviceBinding>.Empty);

    private static CallChanged Call(string id, CallStatus status, DateTimeOffset at, string? queue = null, string? agent = null,
        DateTimeOffset? arrived = null, DateTimeOffset? connected = null, DateTimeOffset? ended = null,
        CallDisposition disposition = CallDisposition.None, CallDirection direction = CallDirection.Inbound, int hold = 0)
    {
        arrived ??= at;
        var customer = id == "c1"
            ? new CustomerSnapshot("cust-1", "Ada Lovelace", "+15550001", "ada@example.org", null, null, "crm", ImmutableDictionary<string, string>.Empty)
            : null;
        var info = new CallInfo($"+1555000{id[^1]}", "+15559999", null, direction, 0, queue, customer, "edge-1");
        var snapshot = new CallSnapshot(id, info, status, disposition, queue, agent, arrived, queue is null ? null : arrived, arrived,
            agent is null ? null : arrived, connected, ended, null, TimeSpan.FromSeconds(hold), agent is null ? 0 : 1, null, null,
            null, null, agent);
        return new CallChanged(at, snapshot, CallStatus.Arrived);
    }
}

public sealed class SqliteReportingStoreTests : ReportingStoreTests, IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    protected override Task<ReportingStore> CreateStoreAsync() =>
        Task.FromResult<ReportingStore>(new SqliteReportingStore(
            SqliteReportingStore.ConnectionStringFor(Path.Combine(_folder.Path, $"reporting-{Guid.NewGuid():N}.db")),
            NullLogger<SqliteReportingStore>.Instance));
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresReportingStoreTests(PostgresServer server) : ReportingStoreTests
{
    protected override async Task<ReportingStore> CreateStoreAsync() =>
        new PostgresReportingStore(await server.CreateDatabaseAsync("reporting"), NullLogger<PostgresReportingStore>.Instance);
}

using Acd.Agents;
using Acd.Reporting.Queries;
using Acd.Reporting.Stores;

namespace Acd.Reporting.Tests;

/// <summary>Interval reports, agent timelines and a call's states over the hand-built day (SQLite and PostgreSQL).</summary>
public abstract partial class ReportingStoreTests
{
    [Fact]
    public async Task Interval_report_counts_per_quarter_hour_with_sla_asa_aht_abandon_buckets_and_occupancy()
    {
        var store = await WriteDayAsync();
        var rows = await store.GetIntervalReportAsync(new IntervalReportQuery(At(0), At(3600), ReportInterval.Minutes15, ReportGrouping.Total));

        Assert.Equal(4, rows.Count);
        Assert.Equal([At(0), At(900), At(1800), At(2700)], rows.Select(r => r.Start));
        var first = rows[0];
        Assert.Equal(4, first.Offered); // c1, c2, c3, c4 (c5 is outbound, c6 arrives at 900)
        Assert.Equal(2, first.Answered);
        Assert.Equal(2, first.Abandoned);
        Assert.Equal(1, first.AnsweredInSla);
        Assert.Equal(33.33, first.ServiceLevelPercent); // c1 in 20 s; c2 late; c3 abandoned after 30 s
        Assert.Equal(32.5, first.AverageSpeedOfAnswerSeconds);
        Assert.Equal(260, first.TalkSeconds); // c1 120 - 15 on hold, c2 155
        Assert.Equal(15, first.HoldSeconds);
        Assert.Equal(30, first.WrapUpSeconds);
        Assert.Equal(152.5, first.AverageHandleSeconds);
        Assert.Equal([1, 0, 1, 0, 0], first.AbandonBuckets); // c4 after 5 s, c3 after 30 s
        Assert.Equal(66.3, first.OccupancyPercent); // 305 s on call and in wrap-up of 460 s logged in
        Assert.Equal(1, rows[1].Offered);
        Assert.Null(rows[1].ServiceLevelPercent);
        Assert.Equal(0, rows[3].Offered);

        var perQueue = await store.GetIntervalReportAsync(new IntervalReportQuery(At(0), At(3600), ReportInterval.Hour, ReportGrouping.Queue));
        Assert.Equal(["q1", "q2"], perQueue.Select(r => r.Group));
        Assert.Equal(4, perQueue[0].Offered);
        Assert.Equal(1, perQueue[1].Abandoned);
        Assert.All(perQueue, r => Assert.Null(r.OccupancyPercent));

        var perAgent = await store.GetIntervalReportAsync(new IntervalReportQuery(At(0), At(3600), ReportInterval.Hour, ReportGrouping.Agent));
        var a1 = perAgent.Single(r => r.Group == "a1");
        Assert.Equal(1, a1.Answered);
        Assert.Equal(50, a1.OccupancyPercent); // 150 s of 300 s

        var teams = new Dictionary<string, string> { ["a1"] = "t1", ["a2"] = "t2" };
        var queueTeams = new Dictionary<string, string> { ["q1"] = "t1" };
        var perTeam = await store.GetIntervalReportAsync(new IntervalReportQuery(At(0), At(3600), ReportInterval.Hour, ReportGrouping.Team,
            AgentTeams: teams, QueueTeams: queueTeams));
        Assert.Equal(["(none)", "t1", "t2"], perTeam.Select(r => r.Group));
        Assert.Equal(3, perTeam.Single(r => r.Group == "t1").Offered); // c1, c3 and c6 through q1
        var onlyT2 = await store.GetIntervalReportAsync(new IntervalReportQuery(At(0), At(3600), ReportInterval.Hour, ReportGrouping.Team,
            TeamId: "t2", AgentTeams: teams, QueueTeams: queueTeams));
        Assert.Equal(["t2"], onlyT2.Select(r => r.Group));
        Assert.Equal(1, onlyT2[0].Answered);

        // Per-queue SLA thresholds override the default one.
        var lenient = await store.GetIntervalReportAsync(new IntervalReportQuery(At(0), At(3600), ReportInterval.Hour, ReportGrouping.Total,
            QueueSlaSeconds: new Dictionary<string, int> { ["q1"] = 60 }));
        Assert.Equal(100, lenient[0].ServiceLevelPercent);
    }

    [Fact]
    public void Days_and_weeks_start_at_local_midnight_and_on_monday()
    {
        var monday9Utc = new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var cet = 60 * 60_000L;
        var localMidnight = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.FromHours(1)).ToUnixTimeMilliseconds();
        Assert.Equal(localMidnight, ReportingStore.IntervalStart(monday9Utc, ReportInterval.Day, cet));
        Assert.Equal(localMidnight, ReportingStore.IntervalStart(monday9Utc, ReportInterval.Week, cet));
        var sunday = new DateTimeOffset(2026, 1, 11, 23, 30, 0, TimeSpan.FromHours(1)).ToUnixTimeMilliseconds();
        Assert.Equal(localMidnight, ReportingStore.IntervalStart(sunday, ReportInterval.Week, cet));
        Assert.Equal(localMidnight + (7 * 86_400_000L), ReportingStore.IntervalEnd(localMidnight, ReportInterval.Week));
        var quarter = new DateTimeOffset(2026, 1, 5, 9, 44, 59, TimeSpan.Zero).ToUnixTimeMilliseconds();
        Assert.Equal(new DateTimeOffset(2026, 1, 5, 9, 30, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(),
            ReportingStore.IntervalStart(quarter, ReportInterval.Minutes15, cet));
    }

    [Fact]
    public async Task Timelines_hold_each_agents_states_and_the_open_one_and_a_call_lists_its_agent_states()
    {
        var store = await WriteDayAsync();
        var segments = await store.GetAgentTimelinesAsync(At(0), At(3600), At(1200));
        var a1 = segments.Where(s => s.AgentId == "a1").ToList();
        Assert.Equal(
            [AgentStatus.NotReady, AgentStatus.Ready, AgentStatus.Reserved, AgentStatus.OnCall, AgentStatus.WrapUp, AgentStatus.Ready, AgentStatus.NotReady],
            a1.Select(s => s.Status));
        Assert.True(a1[^1].Open);
        Assert.Equal(ReasonCodes.Break, a1[^1].ReasonCode);
        Assert.Equal(At(300), a1[^1].StartedAt);
        Assert.Equal(At(1200), a1[^1].EndedAt);
        Assert.DoesNotContain(segments, s => s.AgentId == "a3"); // logged out all along
        Assert.Equal(3, segments.Count(s => s.AgentId == "a2"));

        var c1 = await store.GetCallActivitiesAsync("c1");
        Assert.Equal([AgentStatus.Reserved, AgentStatus.OnCall, AgentStatus.WrapUp], c1.Select(a => a.Status));
        Assert.All(c1, a => Assert.Equal("a1", a.AgentId));
    }
}

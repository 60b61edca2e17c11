using System.Diagnostics;
using System.Globalization;
using Orleans.Runtime;
using Xunit.Abstractions;

namespace Acd.Cluster.Tests;

/// <summary>
/// Issue 7's failover checks on the local cluster (real PostgreSQL, three silo and two frontend processes, SIPp phones
/// and callers): a silo killed with SIGKILL mid-run, and every silo restarted one by one, both under load.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FailoverTests(ClusterFixture cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task A_silo_killed_under_load_loses_no_call_record_no_queued_caller_and_no_agent()
    {
        await using var load = await LoadRun.StartAsync(cluster, "kill", callsPerFrontend: 15);
        await load.WaitQueuedAsync(3);

        // The hardest victim: the silo that holds the queue (its waiting list must come back from PostgreSQL).
        var victim = await SiloOfQueueAsync(load.QueueId);
        var survivor = cluster.Silos[(victim + 1) % cluster.Silos.Count];
        var killedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await cluster.Silos[victim].KillAsync();
        var inFlight = await load.InFlightAtAsync(killedAt);

        var resumedAfter = await load.WaitConnectedAfterAsync(killedAt, TimeSpan.FromSeconds(120));

        // The cluster sees the silo gone: Dead in the membership table, two active hosts, health says so.
        var victimPort = cluster.SiloPort(victim);
        var deadWatch = Stopwatch.StartNew();
        await ClusterFixture.Eventually(async () => (await cluster.MembershipAsync()).GetValueOrDefault(victimPort) == (int)SiloStatus.Dead,
            "the killed silo declared Dead in the membership table", TimeSpan.FromSeconds(90));
        var declaredDeadAfter = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - killedAt) / 1000.0;
        // Each attempt is bounded: a request that went to the dead silo's activation before the directory learnt of its
        // death waits for the response timeout (30 s), and must not use up the whole wait.
        Task<Dictionary<SiloAddress, SiloStatus>> ActiveHostsAsync() =>
            cluster.Orleans.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(5));
        await ClusterFixture.Eventually(async () =>
        {
            var hosts = await ActiveHostsAsync();
            return hosts.Count == 2 && hosts.Keys.All(h => cluster.SiloIndexOf(h) != victim);
        }, "two active silos in the management grain", TimeSpan.FromSeconds(60), async () =>
        {
            try
            {
                return "active hosts: " + string.Join(", ", (await ActiveHostsAsync()).Keys);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                return "the management grain did not answer: " + ex.Message;
            }
        });
        var health = await cluster.Http.GetStringAsync(survivor.BaseUrl + "/health/ready");
        Assert.Contains("2 active silos", health, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => cluster.Http.GetStringAsync(cluster.Silos[victim].BaseUrl + "/health/live"));

        var sipp = await load.FinishAsync();
        var summary = await load.AssertInvariantsAsync(sipp, [killedAt]);

        // No caller waits out the dead silo: callers whose INVITE came around the kill hear ringing at once (before any
        // grain call) and are in line within the time the cluster needs to declare the silo dead, not Orleans' 30 s
        // response timeout.
        var rows = (await cluster.CallsAsync(load.QueueId)).ToDictionary(r => r.Ani ?? "");
        var around = load.RingTimes().Where(c => c.Value.Invited >= killedAt - 2000 && c.Value.Invited <= killedAt + 10_000).ToList();
        Assert.True(around.Count > 0, "no caller called around the kill");
        Assert.All(around, c => Assert.True(c.Value.Ringing is not null, $"caller {c.Key} never heard 180 Ringing"));
        var worstRinging = around.Max(c => c.Value.Ringing!.Value - c.Value.Invited);
        var worstQueued = around.Where(c => rows.ContainsKey(c.Key)).Max(c => rows[c.Key].QueuedAt!.Value - c.Value.Invited);
        Assert.True(worstRinging < 2000, $"a caller heard 180 only {worstRinging} ms after its INVITE");
        Assert.True(worstQueued < declaredDeadAfter * 1000 + 6000,
            $"a caller joined the line {worstQueued} ms after its INVITE, though the silo was declared dead after {declaredDeadAfter:F1} s");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"FAILOVER (SIGKILL silo{victim}, which held the queue): routing resumed after {resumedAfter:F1} s; silo declared dead after " +
            $"{declaredDeadAfter:F1} s; {inFlight} calls in progress at the kill; {around.Count} callers calling around the kill heard 180 " +
            $"within {worstRinging} ms and were in line within {worstQueued} ms; {summary}"));

        // Back to three silos for the next test.
        cluster.Silos[victim].Start();
        await cluster.Silos[victim].WaitHealthyAsync(cluster.Http, "/health/ready", TimeSpan.FromSeconds(90));
    }

    [Fact]
    public async Task A_rolling_restart_of_every_silo_under_load_loses_no_call_record_no_queued_caller_and_no_agent()
    {
        await using var load = await LoadRun.StartAsync(cluster, "roll", callsPerFrontend: 15);
        await load.WaitQueuedAsync(2);

        var restarts = new List<long>();
        var timings = new List<string>();
        foreach (var silo in cluster.Silos)
        {
            var at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            restarts.Add(at);
            var watch = Stopwatch.StartNew();
            await silo.StopAsync(TimeSpan.FromSeconds(60));
            var stopped = watch.Elapsed.TotalSeconds;
            silo.Start();
            await silo.WaitHealthyAsync(cluster.Http, "/health/ready", TimeSpan.FromSeconds(90));
            timings.Add(string.Create(CultureInfo.InvariantCulture, $"{silo.Name} stopped in {stopped:F1} s, ready again after {watch.Elapsed.TotalSeconds:F1} s"));
        }

        var sipp = await load.FinishAsync();
        var summary = await load.AssertInvariantsAsync(sipp, restarts);
        output.WriteLine($"ROLLING RESTART: {string.Join("; ", timings)}; {summary}");
    }

    private async Task<int> SiloOfQueueAsync(string queueId)
    {
        var statistics = await cluster.Orleans.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        var queue = statistics.FirstOrDefault(s => s.GrainId.Key.ToString() == queueId && s.GrainType.Contains("Queue", StringComparison.Ordinal));
        Assert.True(queue is not null, $"no activation of queue {queueId} among {statistics.Length} grains");
        var index = cluster.SiloIndexOf(queue.SiloAddress);
        Assert.True(index >= 0, $"queue {queueId} lives on unknown silo {queue.SiloAddress}");
        return index;
    }
}

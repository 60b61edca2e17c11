using System.Globalization;
using System.Text;

namespace Acd.Cluster.Tests;

/// <summary>
/// SIP load on the local cluster: one queue, four agents (two phones registered on each frontend) and one SIPp caller
/// per frontend placing calls faster than the agents can take them, so callers wait in line. Afterwards it checks the
/// invariants of issue 7 against the reporting table and the agents' state.
/// </summary>
public sealed class LoadRun : IAsyncDisposable
{
    public const int AgentsPerFrontend = 2;
    private const int TalkMilliseconds = 4000;

    private readonly ClusterFixture _cluster;
    private readonly List<Sipp> _phones = [];
    private readonly List<Sipp> _callers = [];
    private readonly List<string> _messageLogs = [];

    private LoadRun(ClusterFixture cluster, string queueId, int callsPerFrontend)
    {
        _cluster = cluster;
        QueueId = queueId;
        CallsPerFrontend = callsPerFrontend;
    }

    public string QueueId { get; }

    public int CallsPerFrontend { get; }

    public int TotalCalls => CallsPerFrontend * _cluster.Frontends.Count;

    public List<string> Agents { get; } = [];

    public static async Task<LoadRun> StartAsync(ClusterFixture cluster, string name, int callsPerFrontend)
    {
        // Ring timeout well above the failover time: an offer whose ringing was lost must not turn into RONA.
        var (queueId, number) = await cluster.CreateQueueAsync(name, ringTimeoutSeconds: 20);
        var run = new LoadRun(cluster, queueId, callsPerFrontend);
        for (var f = 0; f < cluster.Frontends.Count; f++)
        {
            for (var a = 0; a < AgentsPerFrontend; a++)
            {
                var (agentId, phone) = await cluster.CreateAgentAsync(queueId, f);
                run.Agents.Add(agentId);
                run._phones.Add(phone);
            }
        }

        for (var f = 0; f < cluster.Frontends.Count; f++)
        {
            // Caller numbers <f+1><call number> are unique per call: the reporting table is checked per caller.
            var callerName = $"{name}-callers{f}";
            run._messageLogs.Add(Path.Combine(cluster.LogDirectory, callerName + "-messages.log"));
            run._callers.Add(Sipp.Start(callerName, "caller.xml", cluster.SipPorts[f], Sipp.FreeUdpPort(), number, cluster.LogDirectory,
            [
                "-trace_msg", "-message_file", run._messageLogs[^1],
                "-set", "prefix", (f + 1).ToString(CultureInfo.InvariantCulture) + "00",
                "-m", callsPerFrontend.ToString(CultureInfo.InvariantCulture),
                "-r", "1", "-rp", "1000",
                "-d", TalkMilliseconds.ToString(CultureInfo.InvariantCulture),
                "-timeout", "150s",
            ]));
        }

        return run;
    }

    /// <summary>Waits until at least <paramref name="count"/> callers wait in line (not yet offered).</summary>
    public Task WaitQueuedAsync(int count) => ClusterFixture.Eventually(async () =>
        (await _cluster.CallsAsync(QueueId)).Count(r => r.Status == "Queued") >= count, $"{count} callers waiting", TimeSpan.FromSeconds(60));

    /// <summary>Seconds from <paramref name="sinceMs"/> until a call of this queue was next connected (routing works again).</summary>
    public async Task<double> WaitConnectedAfterAsync(long sinceMs, TimeSpan timeout)
    {
        long? first = null;
        await ClusterFixture.Eventually(async () =>
        {
            first = (await _cluster.CallsAsync(QueueId)).Where(r => r.ConnectedAt > sinceMs).Min(r => r.ConnectedAt);
            return first is not null;
        }, "a call connected after the failure", timeout);
        return (first!.Value - sinceMs) / 1000.0;
    }

    /// <summary>Waits for both callers to finish and for every call record to end; returns SIPp's (successful, failed).</summary>
    public async Task<(int Successful, int Failed)> FinishAsync()
    {
        foreach (var caller in _callers)
        {
            await caller.WaitForExitAsync(TimeSpan.FromSeconds(170));
        }

        var totals = _callers.Select(c => c.Totals()).Aggregate((0, 0), (s, t) => (s.Item1 + t.Successful, s.Item2 + t.Failed));
        await ClusterFixture.Eventually(async () =>
        {
            var rows = await _cluster.CallsAsync(QueueId);
            return rows.Count >= TotalCalls && rows.All(r => r.Status == "Ended");
        }, $"{TotalCalls} ended call records", TimeSpan.FromSeconds(60), async () => Dump(await _cluster.CallsAsync(QueueId)));
        return totals;
    }

    /// <summary>
    /// The invariants: one record per call (caller), every answered call recorded as answered, callers that waited
    /// through <paramref name="disruptions"/> all answered, answers in the order callers joined, and no agent left
    /// Reserved or on a call. Returns a summary for the test output.
    /// </summary>
    public async Task<string> AssertInvariantsAsync((int Successful, int Failed) sipp, IReadOnlyList<long> disruptions)
    {
        var rows = await _cluster.CallsAsync(QueueId);
        _origin = rows.Min(r => r.QueuedAt) ?? 0;
        var summary = new StringBuilder();
        Assert.Equal(TotalCalls, rows.Count);
        Assert.All(rows.GroupBy(r => r.Ani), g => Assert.True(g.Count() == 1, $"caller {g.Key} has {g.Count()} call records"));
        Assert.Equal(sipp.Successful + sipp.Failed, TotalCalls);

        var answered = rows.Where(r => r.ConnectedAt is not null).OrderBy(r => r.QueuedAt).ToList();
        Assert.All(answered, r => Assert.Equal("Answered", r.Disposition));
        Assert.Equal(sipp.Successful, answered.Count);

        foreach (var at in disruptions)
        {
            var waiting = rows.Where(r => r.QueuedAt < at && (r.ConnectedAt is null || r.ConnectedAt > at) && (r.EndedAt is null || r.EndedAt > at)).ToList();
            var lost = waiting.Where(r => r.ConnectedAt is null).Select(r => $"{r.Ani} {r.Disposition}").ToList();
            Assert.True(lost.Count == 0, $"callers waiting at {at} were not answered: {string.Join(", ", lost)}");
            summary.Append(CultureInfo.InvariantCulture, $"{waiting.Count} callers waiting or ringing at the disruption were all answered; ");
        }

        // First come, first served: a caller who joined later is never answered much earlier than one who joined before.
        // (Two agents answering within a moment of each other may swap neighbours; anything beyond that is a lost place.)
        var worst = 0L;
        CallRow? latest = null;
        var worstPair = "";
        foreach (var row in answered)
        {
            if (latest is not null && latest.ConnectedAt - row.ConnectedAt > worst)
            {
                worst = latest.ConnectedAt!.Value - row.ConnectedAt!.Value;
                worstPair = $"{Describe(row)} was answered after {Describe(latest)}";
            }

            latest = latest is null || row.ConnectedAt > latest.ConnectedAt ? row : latest;
        }

        Assert.True(worst <= 1500, $"a caller was answered {worst} ms after a caller who joined the queue later: {worstPair}\n{Dump(rows)}");

        await ClusterFixture.Eventually(async () =>
        {
            foreach (var agent in Agents)
            {
                var status = (await _cluster.AgentAsync(agent)).GetProperty("status").GetString();
                if (status is "reserved" or "onCall")
                {
                    return false;
                }
            }

            return true;
        }, "every agent out of Reserved and OnCall", TimeSpan.FromSeconds(30));

        var statuses = new List<string>();
        foreach (var agent in Agents)
        {
            statuses.Add((await _cluster.AgentAsync(agent)).GetProperty("status").GetString()!);
        }

        summary.Append(CultureInfo.InvariantCulture,
            $"calls {TotalCalls}, answered {answered.Count}, not answered {TotalCalls - answered.Count} " +
            $"({string.Join(", ", rows.Where(r => r.ConnectedAt is null).GroupBy(r => r.Disposition).Select(g => $"{g.Key} {g.Count()}"))}), " +
            $"SIPp failed {sipp.Failed}, worst order inversion {worst} ms, agents now {string.Join('/', statuses)}");
        return summary.ToString();
    }

    private long _origin;

    private string Describe(CallRow r)
    {
        string T(long? ms) => ms is { } v ? ((v - _origin) / 1000.0).ToString("F1", CultureInfo.InvariantCulture) : "-";
        return $"[{r.Ani} {r.Status}/{r.Disposition} agent {r.AgentId} q {T(r.QueuedAt)} o {T(r.OfferedAt)} c {T(r.ConnectedAt)} e {T(r.EndedAt)}]";
    }

    private string Dump(IReadOnlyList<CallRow> rows)
    {
        _origin = rows.Min(r => r.QueuedAt) ?? 0;
        return string.Join('\n', rows.OrderBy(r => r.QueuedAt).Select(Describe));
    }

    /// <summary>
    /// When each caller sent its INVITE and heard 180 Ringing (ms since the epoch; ringing null if it never came), read
    /// from the callers' SIPp message traces, keyed by the caller's number as in the call records.
    /// </summary>
    public IReadOnlyDictionary<string, (long Invited, long? Ringing)> RingTimes()
    {
        var byCallId = new Dictionary<string, (string Ani, long Invited, long? Ringing)>();
        foreach (var file in _messageLogs.Where(File.Exists))
        {
            var entries = File.ReadAllText(file).Split("----------------------------------------------- ", StringSplitOptions.RemoveEmptyEntries);
            foreach (var entry in entries)
            {
                var lines = entry.Split('\n');
                if (lines.Length < 4 || !DateTime.TryParse(lines[0].Trim().Replace('\t', ' '), CultureInfo.InvariantCulture,
                        DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
                {
                    continue;
                }

                var ms = new DateTimeOffset(at, TimeSpan.Zero).ToUnixTimeMilliseconds();
                var start = lines.Skip(1).SkipWhile(l => !l.StartsWith("INVITE ", StringComparison.Ordinal) && !l.StartsWith("SIP/2.0 ", StringComparison.Ordinal)).FirstOrDefault();
                var callId = Header(lines, "Call-ID");
                if (start is null || callId is null)
                {
                    continue;
                }

                if (start.StartsWith("INVITE ", StringComparison.Ordinal) && lines[1].Contains("sent", StringComparison.Ordinal) && !byCallId.ContainsKey(callId))
                {
                    var from = Header(lines, "From") ?? "";
                    var user = from[(from.IndexOf("sip:", StringComparison.Ordinal) + 4)..];
                    byCallId[callId] = (user[..user.IndexOf('@', StringComparison.Ordinal)], ms, null);
                }
                else if (start.StartsWith("SIP/2.0 180", StringComparison.Ordinal) && byCallId.TryGetValue(callId, out var call) && call.Ringing is null)
                {
                    byCallId[callId] = call with { Ringing = ms };
                }
            }
        }

        return byCallId.Values.ToDictionary(c => c.Ani, c => (c.Invited, c.Ringing));

        static string? Header(string[] lines, string name) =>
            lines.FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)) is { } line ? line[(name.Length + 1)..].Trim() : null;
    }

    /// <summary>Calls that were in progress (arrived, not yet ended) at <paramref name="at"/>.</summary>
    public async Task<int> InFlightAtAsync(long at) =>
        (await _cluster.CallsAsync(QueueId)).Count(r => r.QueuedAt <= at && (r.EndedAt is null || r.EndedAt > at));

    public async ValueTask DisposeAsync()
    {
        foreach (var sipp in _callers.Concat(_phones))
        {
            await sipp.DisposeAsync();
        }
    }
}

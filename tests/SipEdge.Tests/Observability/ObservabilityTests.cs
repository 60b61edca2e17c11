using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Acd.Agents;
using Acd.Calls;

namespace Acd.SipEdge.Tests.Observability;

/// <summary>An edge that records spans (Telemetry:Traces=true, no exporter): the test listens in process.</summary>
public sealed class TracingEdgeHost : EdgeHost
{
    protected override void Configure(IDictionary<string, string?> settings)
    {
        settings["Sip:EdgeId"] = "edge-test-tracing";
        settings["Telemetry:Traces"] = "true";
    }
}

[CollectionDefinition(Name)]
public sealed class TracingEdgeCollection : ICollectionFixture<TracingEdgeHost>
{
    public const string Name = "sip-edge-tracing";
}

/// <summary>
/// What an operator sees of one SIP call: the ACD, SIP, media and reporting counters on /metrics (Prometheus text, as
/// scraped), and one trace for the call with the edge's, the grains' and the storage's spans in it.
/// </summary>
[Collection(TracingEdgeCollection.Name)]
public sealed partial class ObservabilityTests(TracingEdgeHost host) : IDisposable
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener = new();

    [Fact]
    public async Task An_answered_call_moves_the_metrics_and_is_one_trace_across_edge_grains_and_storage()
    {
        _listener.ShouldListenTo = source => source.Name.StartsWith("Acd.", StringComparison.Ordinal) || source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal);
        _listener.Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded;
        _listener.ActivityStopped = _spans.Enqueue;
        ActivitySource.AddActivityListener(_listener);

        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        var before = Parse(await http.GetStringAsync("/metrics"));

        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var agentId = await host.ReadyAgentAsync(queueId);
        await using var phone = await host.StartPhoneAsync(agentId, "agent-answer.xml");
        await using var caller = Sipp.Start("caller-hangup.xml", host.SipPort, Sipp.FreeUdpPort(), number);
        await caller.AssertSucceededAsync();
        await phone.AssertSucceededAsync();
        var record = await host.EndedCallAsync(queueId);
        Assert.Equal(CallDisposition.Answered, record.Disposition);
        await host.WaitReleasedAsync(record.CallId);

        // Metrics: what the call did, per queue where the ACD counts per queue.
        var queue = $"queue=\"{queueId}\"";
        var after = Parse(await http.GetStringAsync("/metrics"));
        Assert.Equal(1, after.Value("acd_queue_calls_offered_total", queue));
        Assert.Equal(1, after.Value("acd_queue_agent_offers_total", queue));
        Assert.Equal(1, after.Value("acd_queue_calls_answered_total", queue));
        Assert.Equal(0, after.ValueOrZero("acd_queue_calls_abandoned_total", queue));
        Assert.Equal(0, after.Value("acd_queue_calls_waiting", queue));
        Assert.Equal(100, after.Value("acd_queue_service_level_percent", queue));
        Assert.True(after.Sum("acd_calls_ended_total", "disposition=\"Answered\"") > before.SumOrZero("acd_calls_ended_total", "disposition=\"Answered\""));
        Assert.True(after.Sum("acd_agents", "state=\"WrapUp\"") + after.Sum("acd_agents", "state=\"Ready\"") >= 1, "the agent counted in its state");
        Assert.True(after.Sum("acd_sip_transactions_total", "role=\"server\",method=\"INVITE\"")
            > before.SumOrZero("acd_sip_transactions_total", "role=\"server\",method=\"INVITE\""), "the caller's INVITE counted");
        Assert.True(after.Sum("acd_sip_transactions_total", "role=\"client\",method=\"INVITE\"")
            > before.SumOrZero("acd_sip_transactions_total", "role=\"client\",method=\"INVITE\""), "the INVITE to the phone counted");
        Assert.True(after.Sum("acd_media_rtp_packets_sent_total", "") > before.SumOrZero("acd_media_rtp_packets_sent_total", ""),
            "ringback and hold music sent to the caller counted");
        Assert.True(after.Sum("acd_media_ports_capacity", "") > 0);
        Assert.Equal(0, after.Sum("acd_media_legs", ""));
        Assert.True(after.Sum("acd_reporting_events_written_total", "") > before.SumOrZero("acd_reporting_events_written_total", ""));
        Assert.True(after.Has("acd_reporting_backlog"), "the reporting backlog is exported");
        Assert.True(after.Has("orleans_catalog_activations"), "Orleans' own meters beside the ACD's");

        // The shipped Grafana dashboard asks only for series this scrape has (a renamed metric breaks it here, not in production).
        var dashboard = File.ReadAllText(Path.Combine(RepoRoot(), "k8s", "monitoring", "grafana-dashboard.json"));
        var asked = MetricName().Matches(dashboard).Select(m => m.Value).Distinct().ToList();
        Assert.True(asked.Count >= 15, $"the dashboard's queries: {string.Join(", ", asked)}");
        Assert.All(asked, name => Assert.True(after.Has(name), $"the dashboard asks for {name}, which /metrics does not export"));

        // Traces: the call's root span, and everything the call did in one trace.
        var root = await SpanAsync(s => s.OperationName == "acd.call" && Equals(s.GetTagItem("acd.call_id"), record.CallId));
        Assert.Null(root.Parent);
        Assert.Equal(ActivityKind.Server, root.Kind);
        var trace = _spans.Where(s => s.TraceId == root.TraceId).ToList();
        Assert.Contains(trace, s => s.OperationName == "acd.call.start");
        Assert.Contains(trace, s => s.OperationName == "acd.edge.ring_agent");
        Assert.Contains(trace, s => s.OperationName == "acd.edge.agent_leg_placed" && Equals(s.GetTagItem("acd.answered"), true));
        Assert.Contains(trace, s => s.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) && s.DisplayName.Contains("CallGrain", StringComparison.Ordinal));
        Assert.Contains(trace, s => s.Source.Name == "Microsoft.Orleans.Application" && s.DisplayName == "IQueueGrain/EnqueueAsync");
        Assert.Contains(trace, s => s.Source.Name == "Microsoft.Orleans.Application" && s.DisplayName == "IAgentGrain/TryReserveAsync");
        Assert.Contains(trace, s => s.Source.Name == "Microsoft.Orleans.Storage" && s.OperationName == "write storage");
        // Other calls are other traces.
        Assert.DoesNotContain(_spans, s => s.OperationName == "acd.call" && s != root && s.TraceId == root.TraceId);
    }

    public void Dispose() => _listener.Dispose();

    private async Task<Activity> SpanAsync(Func<Activity, bool> match)
    {
        Activity? found = null;
        await EdgeHost.Eventually(() => Task.FromResult((found = _spans.FirstOrDefault(match)) is not null), "the call's span");
        return found!;
    }

    private static Scrape Parse(string text) => new(text.Split('\n')
        .Where(l => l.Length > 0 && l[0] != '#')
        .Select(l => SampleLine().Match(l))
        .Where(m => m.Success)
        .Select(m => (m.Groups["name"].Value, m.Groups["labels"].Value, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)))
        .ToList());

    [GeneratedRegex(@"\b(acd|orleans|dotnet)_[a-z0-9_]+\b")]
    private static partial Regex MetricName();

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Acd.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("the repository root (Acd.slnx) is not above the test binaries");
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})?\s+(?<value>[-+0-9.eE]+|NaN)(\s+\d+)?\s*$")]
    private static partial Regex SampleLine();

    /// <summary>One scrape of /metrics: samples by name, matched on a label fragment (e.g. queue="q-1").</summary>
    private sealed record Scrape(List<(string Name, string Labels, double Value)> Samples)
    {
        public bool Has(string name) => Samples.Any(s => s.Name == name);

        public double Value(string name, string labels)
        {
            var matching = Samples.Where(s => s.Name == name && Matches(s.Labels, labels)).ToList();
            Assert.True(matching.Count == 1, $"one {name}{{{labels}}} sample expected, found {matching.Count}: "
                + string.Join(", ", Samples.Where(s => s.Name.StartsWith("acd_", StringComparison.Ordinal)).Select(s => s.Name).Distinct()));
            return matching[0].Value;
        }

        public double ValueOrZero(string name, string labels) => Samples.Any(s => s.Name == name && Matches(s.Labels, labels)) ? Value(name, labels) : 0;

        public double Sum(string name, string labels)
        {
            Assert.True(Samples.Any(s => s.Name == name), $"{name} is not exported; acd metrics: "
                + string.Join(", ", Samples.Where(s => s.Name.StartsWith("acd_", StringComparison.Ordinal)).Select(s => s.Name).Distinct()));
            return SumOrZero(name, labels);
        }

        /// <summary>Every name="value" of <paramref name="labels"/> (comma-separated) is among the sample's, in any order.</summary>
        private static bool Matches(string sampleLabels, string labels) =>
            labels.Split(',', StringSplitOptions.RemoveEmptyEntries).All(l => sampleLabels.Contains(l, StringComparison.Ordinal));

        public double SumOrZero(string name, string labels) =>
            Samples.Where(s => s.Name == name && Matches(s.Labels, labels)).Sum(s => s.Value);
    }
}

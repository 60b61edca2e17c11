using System.Globalization;
using System.Text.Json;
using Acd.LoadBench;

// ACD load benchmark: the same SIPp callers and rate steps against (1) SIPp UAS directly, the load generator's own
// ceiling, (2) a Kamailio stateful proxy, and (3) the product, so ratios hold on a noisy machine. See README.md.
var mode = args.Contains("--full") ? "full" : "short";
var steps = mode == "full" ? new[] { 250, 500, 1000, 1500, 2000, 2500, 3000, 4000, 5000 } : [250, 500, 1000, 1500, 2000];
var stepSeconds = mode == "full" ? 15 : 5;
var latencyCps = 100;
var latencySeconds = mode == "full" ? 30 : 10;

var baseDir = AppContext.BaseDirectory;
var scenarios = Path.Combine(baseDir, "scenarios");
var work = Directory.CreateTempSubdirectory("acd-bench-").FullName;
var resultsDir = Path.GetFullPath(Environment.GetEnvironmentVariable("ACD_BENCH_RESULTS") ?? Path.Combine("bench", "results"));
Directory.CreateDirectory(resultsDir);

await Processes.EnsurePackagesAsync("sip-tester", "kamailio");
Console.WriteLine($"ACD load benchmark ({mode} mode): steps {string.Join(", ", steps)} calls/s x {stepSeconds} s; latency at {latencyCps} calls/s x {latencySeconds} s");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}; work folder {work}");

const int uasPort = 5091;
const int kamailioPort = 5090;
var targets = new List<Target>();
using var uas = Sipp.StartUas(scenarios, uasPort, work);
await Task.Delay(500);
try
{
    targets.Add(await MeasureAsync("sipp-direct", $"127.0.0.1:{uasPort}"));
    await using (var kamailio = await Kamailio.StartAsync(Path.Combine(baseDir, "kamailio", "kamailio.cfg"), kamailioPort, $"127.0.0.1:{uasPort}", work))
    {
        targets.Add(await MeasureAsync("kamailio-proxy", $"127.0.0.1:{kamailioPort}"));
    }
}
finally
{
    await Processes.KillSippOnPortAsync(uasPort);
}

Console.WriteLine();
Console.WriteLine("| target | max clean calls/s | INVITE->200 p50 ms | p95 ms | p99 ms |");
Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
foreach (var t in targets)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {t.Name} | {t.MaxCleanCps} | {t.Latency.InviteTo200.P50:0.#} | {t.Latency.InviteTo200.P95:0.#} | {t.Latency.InviteTo200.P99:0.#} |"));
}

Console.WriteLine("| product (ACD) | not measured yet: the SIP edge that routes SIPp calls through queues is not in this build | | | |");
var file = Path.Combine(resultsDir, $"bench-{mode}-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { mode, steps, stepSeconds, machineCores = Environment.ProcessorCount, targets },
    new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"results: {file}");
return 0;

async Task<Target> MeasureAsync(string name, string address)
{
    Console.WriteLine($"== {name} ({address})");
    var runs = new List<SippResult>();
    // Clear of SIPp's default media port (6000) and of the SIP ports under test.
    var port = 15100;
    foreach (var cps in steps)
    {
        var result = await Sipp.CallAsync(scenarios, address, "bench", port++, cps, stepSeconds, 0, work);
        runs.Add(result);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {cps,5} calls/s: {result.Succeeded}/{result.Attempted} ok, {result.Failed} failed, {result.AchievedCps:0} achieved, p99 {result.InviteTo200.P99:0.#} ms{(result.Clean(stepSeconds) ? "" : "  <- not clean")}"));
        if (!result.Clean(stepSeconds))
        {
            break;
        }
    }

    var latency = await Sipp.CallAsync(scenarios, address, "bench", port, latencyCps, latencySeconds, 0, work);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  latency at {latencyCps} calls/s: p50 {latency.InviteTo200.P50} ms, p95 {latency.InviteTo200.P95} ms, p99 {latency.InviteTo200.P99} ms ({latency.Failed} failed)"));
    var maxClean = runs.TakeWhile(r => r.Clean(stepSeconds)).Select(r => r.TargetCps).DefaultIfEmpty(0).Max();
    return new Target(name, maxClean, runs, latency);
}

public sealed record Target(string Name, int MaxCleanCps, IReadOnlyList<SippResult> Steps, SippResult Latency);

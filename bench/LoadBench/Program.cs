using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Acd.LoadBench;

// ACD load benchmark: the same SIPp callers and rate steps against (1) SIPp UAS directly, the load generator's own
// ceiling, (2) a Kamailio stateful proxy, and (3) the product, so ratios hold on a noisy machine. See README.md.
var full = args.Contains("--full");
var mode = full ? "full" : "short";
var onlyProduct = args.Contains("--product-only");
// Low steps too: the product's clean rate sits far below the SIP baselines' (see README), and a ratio needs a figure.
var steps = full ? new[] { 25, 50, 100, 250, 500, 1000, 1500, 2000, 3000, 4000, 5000 } : [25, 50, 100, 250, 500, 1000, 2000];
if (Array.IndexOf(args, "--steps") is var si and >= 0 && si + 1 < args.Length)
{
    steps = [.. args[si + 1].Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture))];
}

var stepSeconds = full ? 15 : 3;
const int latencyCps = 100;
const int idleCps = 10;
var latencySeconds = IntOption("--latency-seconds") ?? (full ? 30 : 5);
// A sampled CPU profile of the product during its latency step (dotnet-trace, installed as a .NET tool), for bench/README.
var traceFile = Option("--trace");
var idleCpuMsPerSecond = 0.0;
var warmupSeconds = IntOption("--warmup-seconds") ?? (full ? 10 : 4);
var agentCount = IntOption("--agents") ?? (full ? 5500 : 1100);
// Every agent is a member of every queue (the calls go to the first): how an agent's state changes fan out with queues.
var queueCount = Math.Max(1, IntOption("--queues") ?? 1);

var concurrentTarget = IntOption("--concurrent") ?? (full ? 5000 : 1000);
// The ramp stays at a rate the product carries cleanly, so the test measures holding calls, not setting them up.
var rampCps = IntOption("--ramp") ?? (full ? 50 : 100);
var holdMs = (concurrentTarget / rampCps + (full ? 10 : 5)) * 1000;
var eventClients = Math.Min(agentCount, full ? 2000 : 1000);
var eventRate = 200;
var eventSeconds = full ? 20 : 5;
var sourceRoot = Option("--product-src") ?? FindRepoRoot();
var artifacts = Option("--artifacts") ?? Path.Combine(Path.GetTempPath(), "acd-bench-artifacts");

var baseDir = AppContext.BaseDirectory;
var scenarios = Path.Combine(baseDir, "scenarios");
var work = Directory.CreateTempSubdirectory("acd-bench-").FullName;
var resultsDir = Path.GetFullPath(Environment.GetEnvironmentVariable("ACD_BENCH_RESULTS") ?? Path.Combine(sourceRoot, "bench", "results"));
Directory.CreateDirectory(resultsDir);
var clock = Stopwatch.StartNew();

await Processes.EnsurePackagesAsync("sip-tester", "kamailio");
Console.WriteLine($"ACD load benchmark ({mode} mode): steps {string.Join(", ", steps)} calls/s x {stepSeconds} s; latency at {latencyCps} calls/s x {latencySeconds} s");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}; load average {File.ReadAllText("/proc/loadavg").Trim()}; work folder {work}");

const int uasPort = 5091;
const int kamailioPort = 5090;
const int productSipPort = 5092;
const string service = "5000";
var phoneLog = Path.Combine(work, "phones.log");
var targets = new List<Target>();
ProductFigures? figures = null;
var uas = Sipp.StartUas(scenarios, uasPort, work, phoneLog);
await Task.Delay(500);
try
{
    if (!onlyProduct)
    {
        targets.Add(await MeasureAsync("sipp-direct", $"127.0.0.1:{uasPort}", null));
        await using (var kamailio = await Kamailio.StartAsync(Path.Combine(baseDir, "kamailio", "kamailio.cfg"), kamailioPort, $"127.0.0.1:{uasPort}", work))
        {
            targets.Add(await MeasureAsync("kamailio-proxy", $"127.0.0.1:{kamailioPort}", null));
        }
    }

    var exe = await Product.BuildAsync(sourceRoot, artifacts);
    await using var product = await Product.StartAsync(exe, productSipPort, work);
    Console.WriteLine($"== product (ACD, embedded, pid {product.Pid}, SIP 127.0.0.1:{productSipPort}, HTTP {product.BaseAddress})");
    var provision = Stopwatch.StartNew();
    var queueIds = Enumerable.Range(0, queueCount).Select(i => i == 0 ? "bench" : $"bench-{i:00}").ToArray();
    for (var i = 0; i < queueIds.Length; i++)
    {
        await product.CreateQueueAsync(queueIds[i], i == 0 ? service : (6000 + i).ToString(CultureInfo.InvariantCulture));
    }

    var agents = Enumerable.Range(1, agentCount).Select(i => $"a{i:00000}").ToList();
    await product.CreateAgentsAsync(agents, queueIds);
    var createSeconds = provision.Elapsed.TotalSeconds;
    // The phones register from the UAS's own port (see PhoneRegistrar), so the UAS steps aside meanwhile.
    await Processes.StopAsync(uas);
    uas.Dispose();
    var (registered, registerFailed) = await PhoneRegistrar.RegisterAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, productSipPort),
        "127.0.0.1", uasPort, agents, Product.SipPassword);
    uas = Sipp.StartUas(scenarios, uasPort, work, phoneLog);
    await Task.Delay(500);
    var registerSeconds = provision.Elapsed.TotalSeconds - createSeconds;
    await product.ReadyAllAsync();
    var statuses = JsonSerializer.Serialize(await product.StatusCountsAsync());
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  {agentCount} agents created and logged in in {createSeconds:0.0} s ({agentCount / createSeconds:0} /s); {registered} registered ({registerFailed} failed) in {registerSeconds:0.0} s; agents by state {statuses}"));
    var idleRss = product.RssBytes();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  {queueCount} queue(s), every agent in each; RSS idle {idleRss / 1048576.0:0} MiB ({idleRss / 1024.0 / agentCount:0.0} KiB per agent, process included)"));
    var productTarget = await MeasureAsync("product (ACD)", $"127.0.0.1:{productSipPort}", product);
    targets.Add(productTarget);

    // Concurrent calls: ramp up to the target with a hold longer than the ramp, so every call is up at once.
    await Settle(product);
    var rssBefore = product.RssBytes();
    var cpuBefore = product.CpuMs();
    var rssPeak = rssBefore;
    using var sampling = new CancellationTokenSource();
    var sampler = Task.Run(async () =>
    {
        while (!sampling.IsCancellationRequested)
        {
            rssPeak = Math.Max(rssPeak, product.RssBytes());
            await Task.Delay(500);
        }
    });
    var concurrent = await Sipp.CallAsync(scenarios, $"127.0.0.1:{productSipPort}", service, 15300,
        new CallPlan(rampCps, concurrentTarget / rampCps, holdMs, concurrentTarget + 100, concurrentTarget), work, null);
    await sampling.CancelAsync();
    await sampler;
    var concurrentCpu = product.CpuMs() - cpuBefore;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  concurrent: {concurrent.Succeeded}/{concurrent.Attempted} ok, {concurrent.Failed} failed, peak {concurrent.PeakConcurrent} calls up at once (hold {holdMs / 1000} s, ramp {rampCps}/s); RSS {rssBefore / 1048576.0:0} -> {rssPeak / 1048576.0:0} MiB"));

    await Settle(product);
    var events = await AgentEvents.MeasureAsync(product, agents.Take(eventClients).ToList(), eventRate, eventSeconds);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  agent events: {events.Connected}/{events.Clients} SignalR clients, {events.Latency.Samples}/{events.Changes} changes seen, grain -> client p50 {events.Latency.P50:0.0} ms, p95 {events.Latency.P95:0.0} ms, p99 {events.Latency.P99:0.0} ms"));

    var peak = Math.Max(1, concurrent.PeakConcurrent);
    figures = new ProductFigures(agentCount, createSeconds, registered, registerFailed, concurrentTarget, concurrent, concurrent.Failed == 0 && concurrent.Succeeded == concurrent.Attempted,
        idleRss, rssBefore, rssPeak, (rssPeak - rssBefore) / (double)peak, concurrentCpu / Math.Max(1, concurrent.Succeeded), events);
}
finally
{
    await Processes.StopAsync(uas);
    uas.Dispose();
}

Console.WriteLine();
Console.WriteLine($"| target | max clean calls/s | INVITE -> phone INVITE p50 / p95 / p99 ms at {latencyCps}/s | INVITE -> 200 p50 / p95 / p99 ms at {latencyCps}/s | INVITE -> phone INVITE p50 / p99 ms at {idleCps}/s | CPU ms/call at {latencyCps}/s |");
Console.WriteLine("| --- | ---: | --- | --- | --- | ---: |");
foreach (var t in targets)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {t.Name} | {t.MaxCleanCps}{(t.MaxCleanCps == steps[^1] ? " (top step)" : "")} | {t.Latency.InviteToPhone.Format()} | {t.Latency.InviteTo200.Format()} | {(t.Idle.InviteToPhone.Samples == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{t.Idle.InviteToPhone.P50:0.00} / {t.Idle.InviteToPhone.P99:0.00}"))} | {(t.Latency.ProductCpuMsPerCall is { } cpu ? cpu.ToString("0.00", CultureInfo.InvariantCulture) : "-")} |"));
}

var ratios = new Dictionary<string, double>();
if (targets.FirstOrDefault(t => t.Name.StartsWith("product", StringComparison.Ordinal)) is { } p)
{
    foreach (var b in targets.Where(t => t != p && t.MaxCleanCps > 0))
    {
        ratios[b.Name] = (double)p.MaxCleanCps / b.MaxCleanCps;
    }
}

Console.WriteLine();
if (ratios.Count > 0)
{
    Console.WriteLine("product max clean calls/s as a share of: " + string.Join(", ", ratios.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Key} {r.Value:P0}"))));
}

if (figures is not null)
{
    var f = figures;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"concurrent calls held: {f.Concurrent.PeakConcurrent} peak of {f.ConcurrentTarget} ({f.Concurrent.Failed} failed, {(f.ConcurrentClean ? "clean" : "NOT clean")})"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"memory: RSS idle with {f.Agents} agents {f.IdleRss / 1048576.0:0} MiB, peak {f.PeakRss / 1048576.0:0} MiB: {f.RssPerConcurrentCallBytes / 1024:0.0} KiB per concurrent call; CPU {f.CpuMsPerConcurrentCall:0.00} ms per held call"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"agent events ({f.Events.Connected} SignalR clients): grain -> client p50 {f.Events.Latency.P50:0.0} ms, p99 {f.Events.Latency.P99:0.0} ms"));
}

var file = Path.Combine(resultsDir, $"bench-{mode}-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new
{
    mode,
    steps,
    stepSeconds,
    latencyCps,
    machineCores = Environment.ProcessorCount,
    seconds = clock.Elapsed.TotalSeconds,
    targets,
    productToBaseline = ratios,
    product = figures,
}, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
Console.WriteLine($"results: {file} ({clock.Elapsed.TotalSeconds:0} s)");
return 0;

async Task<Target> MeasureAsync(string name, string address, Product? product)
{
    Console.WriteLine($"== {name} ({address})");
    var runs = new List<SippResult>();
    // Clear of SIPp's default media port (6000) and of the SIP ports under test.
    var port = 15100;
    // Latency first, on a fresh target: an overloaded step leaves the product slower for a while (see README). A short
    // warm-up at a quarter of the latency rate comes before it, so the figures are the steady path, not JIT compilation
    // and first activations (a cold product's first seconds at 100 calls/s ran 10x slower than the same step later).
    await EnsureUasAsync();
    var warmup = await Sipp.CallAsync(scenarios, address, service, port++, new CallPlan(latencyCps / 4, warmupSeconds), work, null);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  warm-up at {latencyCps / 4} calls/s: {warmup.Succeeded}/{warmup.Attempted} ok, {warmup.Failed} failed"));
    await EnsureUasAsync();
    if (product is not null)
    {
        // What the product burns with nobody calling (timers, cluster membership, metrics): the per-call figure below
        // is also given without it, so a call's own cost can be told from the process's fixed cost.
        await Task.Delay(1000);
        var idleStart = product.CpuMs();
        await Task.Delay(TimeSpan.FromSeconds(5));
        idleCpuMsPerSecond = (product.CpuMs() - idleStart) / 5.0;
    }

    var before = product?.CpuMs();
    var writtenBefore = product?.WrittenBytes();
    var tracing = product is not null && traceFile is not null ? StartTrace(product.Pid, latencySeconds) : null;
    var latency = await Sipp.CallAsync(scenarios, address, service, port++, new CallPlan(latencyCps, latencySeconds), work, phoneLog);
    if (tracing is not null)
    {
        await tracing.WaitForExitAsync();
        Console.WriteLine($"  CPU profile of the latency step: {traceFile} (read with: dotnet-trace report {traceFile} topN --inclusive)");
    }

    if (product is not null)
    {
        var spent = product.CpuMs() - before!.Value;
        latency.ProductCpuMsPerCall = spent / Math.Max(1, latency.Succeeded);
        latency.ProductIdleCpuMsPerSecond = idleCpuMsPerSecond;
        latency.ProductMarginalCpuMsPerCall = (spent - idleCpuMsPerSecond * latencySeconds) / Math.Max(1, latency.Succeeded);
        latency.ProductWrittenBytesPerCall = (product.WrittenBytes() - writtenBefore!.Value) / (double)Math.Max(1, latency.Succeeded);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  storage: {latency.ProductWrittenBytesPerCall / 1024:0.0} KiB written per call (state, reporting, WAL)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  CPU: {latency.ProductCpuMsPerCall:0.00} ms per call at {latencyCps}/s; idle {idleCpuMsPerSecond:0} ms/s, so {latency.ProductMarginalCpuMsPerCall:0.00} ms per call above idle"));
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  at {latencyCps} calls/s: INVITE->phone INVITE {latency.InviteToPhone.Format()} ms, INVITE->200 {latency.InviteTo200.Format()} ms (p50/p95/p99), {latency.Failed} failed"));
    // The same path with the target idle: what a call costs without queueing behind others.
    var idle = await Sipp.CallAsync(scenarios, address, service, port++, new CallPlan(idleCps, full ? 5 : 3), work, phoneLog);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  at {idleCps} calls/s: INVITE->phone INVITE {idle.InviteToPhone.Format()} ms, INVITE->200 {idle.InviteTo200.Format()} ms, {idle.Failed} failed"));
    foreach (var cps in steps)
    {
        await EnsureUasAsync();
        var cpu = product?.CpuMs();
        var result = await Sipp.CallAsync(scenarios, address, service, port++, new CallPlan(cps, stepSeconds), work, null);
        if (product is not null)
        {
            result.ProductCpuMsPerCall = (product.CpuMs() - cpu!.Value) / Math.Max(1, result.Succeeded);
        }

        runs.Add(result);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {cps,5} calls/s: {result.Succeeded}/{result.Attempted} ok, {result.Failed} failed, {result.AchievedCps:0} achieved, INVITE->200 p99 {result.InviteTo200.P99:0.0} ms{(result.Clean(stepSeconds) ? "" : "  <- not clean")}"));
        if (!result.Clean(stepSeconds))
        {
            break;
        }
    }

    var maxClean = runs.TakeWhile(r => r.Clean(stepSeconds)).Select(r => r.TargetCps).DefaultIfEmpty(0).Max();
    return new Target(name, maxClean, runs, latency, idle);
}

// Other jobs on a shared machine have been seen to end every "sipp" process by name: the phone must be up for a step.
async Task EnsureUasAsync()
{
    if (uas.HasExited)
    {
        Console.WriteLine($"  (the SIPp phone had exited with code {uas.ExitCode}; restarted)");
        uas.Dispose();
        uas = Sipp.StartUas(scenarios, uasPort, work, phoneLog);
        await Task.Delay(500);
    }
}

// Leftovers of an unclean step would hold agents and skew the next measurement.
async Task Settle(Product product)
{
    // An overloaded step leaves calls waiting in the queue: let the product work them off before the next measurement.
    var deadline = DateTime.UtcNow.AddSeconds(90);
    do
    {
        await Task.Delay(1500);
    }
    while (await product.WaitingAsync("bench") > 0 && DateTime.UtcNow < deadline);

    var fixes = await product.ReadyAllAsync();
    if (fixes > 0)
    {
        Console.WriteLine($"  ({fixes} agents were not Ready after the last run; set Ready again)");
        await Task.Delay(1000);
    }
}

System.Diagnostics.Process StartTrace(int pid, int seconds)
{
    var tool = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", "dotnet-trace");
    return Processes.Start(File.Exists(tool) ? tool : "dotnet-trace", work, "collect", "-p", pid.ToString(CultureInfo.InvariantCulture),
        "--profile", "dotnet-sampled-thread-time", "--duration", TimeSpan.FromSeconds(seconds).ToString("dd\\:hh\\:mm\\:ss", CultureInfo.InvariantCulture),
        "-o", Path.GetFullPath(traceFile!));
}

int? IntOption(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : null;
}

string? Option(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? Path.GetFullPath(args[i + 1]) : null;
}

static string FindRepoRoot()
{
    for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Acd.slnx")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("Run from inside the repository (no Acd.slnx above the current folder), or pass --product-src DIR.");
}

public sealed record Target(string Name, int MaxCleanCps, IReadOnlyList<SippResult> Steps, SippResult Latency, SippResult Idle);

public sealed record ProductFigures(int Agents, double ProvisionSeconds, int Registered, int RegisterFailed, int ConcurrentTarget, SippResult Concurrent,
    bool ConcurrentClean, long IdleRss, long RssBeforeConcurrent, long PeakRss, double RssPerConcurrentCallBytes, double CpuMsPerConcurrentCall,
    EventLatency Events);

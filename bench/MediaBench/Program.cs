using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Acd.MediaBench;

// Media relay benchmark: N anchored calls of plain RTP G.711 (50 packets/s each way per leg) through the product's
// media engine and through rtpengine, in the same run, measured the same way. See bench/README.md.
if (args.Length >= 3 && args[0] == "--serve") return await EngineRelay.ServeAsync(int.Parse(args[1]), int.Parse(args[2]));

var steps = Option("--calls")?.Split(',').Select(int.Parse).ToArray() ?? [100, 500, 1000];
var seconds = int.Parse(Option("--seconds") ?? "15", CultureInfo.InvariantCulture);
var productOnly = args.Contains("--product-only");
var inline = !args.Contains("--no-inline-completions");
int? socketThreads = Option("--socket-threads") is { } st ? int.Parse(st, CultureInfo.InvariantCulture) : null;
const int WarmupSeconds = 3;

if (!productOnly && !File.Exists("/usr/bin/rtpengine"))
{
    Console.WriteLine("installing rtpengine-daemon (the baseline) ...");
    using var apt = Process.Start(new ProcessStartInfo("bash", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rtpengine-daemon"]));
    await apt!.WaitForExitAsync();
    if (apt.ExitCode != 0) throw new InvalidOperationException("could not install rtpengine-daemon (run as root, or pass --product-only)");
}

var results = new List<Dictionary<string, object>>();
Console.WriteLine($"MediaBench: {seconds} s measured per step after {WarmupSeconds} s warm-up; {Environment.ProcessorCount} cores; engine inline socket completions: {inline}, socket engine threads: {socketThreads?.ToString() ?? "default"}");
// The machine may be shared: the load average says how much of it the benchmark had.
Console.WriteLine($"load average before: {LoadAverage()}");
Console.WriteLine($"{"relay",-10} {"calls",6} {"streams",8} {"pkt/s",8} {"loss %",8} {"jit p50",8} {"jit p99",8} {"cpu %",7} {"us/pkt",7} {"cpu/stream",11} {"RSS/call",9} {"B/pkt",6} {"sent/s",8} {"gen %",6}");
foreach (var calls in steps)
{
    var relays = new List<Func<Task<IRelay>>> { async () => await EngineRelay.StartAsync(10000, 19999, inline, socketThreads) };
    if (!productOnly) relays.Add(async () => await RtpEngineRelay.StartAsync(24500, 25000, 29999));
    foreach (var start in relays)
    {
        await using var relay = await start();
        await Task.Delay(500);
        var idleRss = ProcessStats.RssBytes(relay.Pid);
        await using var load = new LoadGenerator(calls, 20000);
        await load.AnchorAsync(relay);
        load.Start();
        await Task.Delay(TimeSpan.FromSeconds(WarmupSeconds));
        var engineStats = relay is EngineRelay er ? await er.StatsAsync() : default;
        var cpu0 = ProcessStats.CpuSeconds(relay.Pid);
        var gen0 = Process.GetCurrentProcess().TotalProcessorTime;
        load.BeginWindow();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var cpu1 = ProcessStats.CpuSeconds(relay.Pid);
        var gen1 = Process.GetCurrentProcess().TotalProcessorTime;
        var traffic = await load.EndWindowAsync();
        var rss = ProcessStats.RssBytes(relay.Pid);
        double? bytesPerPacket = null;
        if (relay is EngineRelay er2)
        {
            var after = await er2.StatsAsync();
            bytesPerPacket = (after.AllocatedBytes - engineStats.AllocatedBytes) / (double)Math.Max(1, after.PacketsSent - engineStats.PacketsSent);
        }
        for (var call = 0; call < calls; call++) await relay.DeleteCallAsync(call);

        var streams = calls * 2;
        var cpuPercent = 100 * (cpu1 - cpu0) / traffic.Seconds;
        var packetsPerSecond = traffic.Received / traffic.Seconds;
        var usPerPacket = (cpu1 - cpu0) * 1e6 / Math.Max(1, traffic.Received);
        var cpuPerStream = cpuPercent / streams;
        var rssPerCall = (rss - idleRss) / (double)calls;
        var generatorPercent = 100 * (gen1 - gen0).TotalSeconds / traffic.Seconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{relay.Name,-10} {calls,6} {streams,8} {packetsPerSecond,8:F0} {traffic.LossPercent,8:F3} {traffic.JitterP50Ms,8:F2} {traffic.JitterP99Ms,8:F2} {cpuPercent,7:F1} {usPerPacket,7:F1} {cpuPerStream,10:F3}% {rssPerCall / 1024,7:F1}KB {(bytesPerPacket is { } bpp ? bpp.ToString("F1", CultureInfo.InvariantCulture) : "-"),6} {traffic.Sent / traffic.Seconds,8:F0} {generatorPercent,6:F1}"));
        results.Add(new Dictionary<string, object>
        {
            ["loadAverage"] = LoadAverage(), ["targetPacketsPerSecond"] = streams * 50, ["sentPerSecond"] = traffic.Sent / traffic.Seconds,
            ["relay"] = relay.Name, ["calls"] = calls, ["streams"] = streams, ["packetsPerSecond"] = packetsPerSecond,
            ["sent"] = traffic.Sent, ["received"] = traffic.Received, ["lossPercent"] = traffic.LossPercent,
            ["jitterP50Ms"] = traffic.JitterP50Ms, ["jitterP99Ms"] = traffic.JitterP99Ms, ["meanAddedDelayMs"] = traffic.MeanAddedMs,
            ["cpuPercentOfOneCore"] = cpuPercent, ["cpuMicrosecondsPerPacket"] = usPerPacket, ["cpuPercentPerStream"] = cpuPerStream,
            ["rssBytesPerCall"] = rssPerCall, ["rssBytes"] = rss, ["allocatedBytesPerPacket"] = (object?)bytesPerPacket ?? "n/a", ["generatorCpuPercent"] = generatorPercent,
        });
    }
}

var resultsDir = Path.Combine(FindRepoRoot(), "bench", "results");
Directory.CreateDirectory(resultsDir);
var file = Path.Combine(resultsDir, $"media-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
await File.WriteAllTextAsync(file, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"load average after: {LoadAverage()}");
Console.WriteLine($"results: {file}");
return 0;

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

static string FindRepoRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Acd.slnx"))) dir = dir.Parent;
    return dir?.FullName ?? Environment.CurrentDirectory;
}

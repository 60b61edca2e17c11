using System.Diagnostics;
using System.Globalization;

namespace Acd.LoadBench;

/// <summary>What one SIPp caller run achieved.</summary>
public sealed record SippResult(int TargetCps, int Attempted, int Succeeded, int Failed, double Seconds, int PeakConcurrent,
    Percentiles InviteTo200, Percentiles InviteToPhone)
{
    public double AchievedCps => Seconds > 0 ? Succeeded / Seconds : 0;

    /// <summary>Filled in by the caller for the product (CPU time of the product process during the run).</summary>
    public double? ProductCpuMsPerCall { get; set; }

    /// <summary>The product process's CPU with no calls, measured just before the step.</summary>
    public double? ProductIdleCpuMsPerSecond { get; set; }

    /// <summary>CPU per call above the idle figure: what a call itself costs.</summary>
    public double? ProductMarginalCpuMsPerCall { get; set; }

    /// <summary>Bytes the product wrote to storage per call during the run (/proc/pid/io write_bytes).</summary>
    public double? ProductWrittenBytesPerCall { get; set; }

    /// <summary>A step whose caller INVITE -> 200 p99 exceeds this has let latency climb: calls are queueing.</summary>
    public const double CleanP99Ms = 200;

    /// <summary>
    /// Clean: every call completed, the achieved rate is within 10 % of the target (and the run stretched by at most a
    /// quarter), and latency did not climb (INVITE -> 200 p99 at most <see cref="CleanP99Ms"/>).
    /// </summary>
    public bool Clean(int durationSeconds) => Failed == 0 && Succeeded == Attempted && Seconds <= durationSeconds * 1.25 + 2
        && AchievedCps >= TargetCps * 0.9 && !(InviteTo200.P99 > CleanP99Ms);
}

public sealed record Percentiles(double P50, double P95, double P99, double Max, int Samples)
{
    public static Percentiles From(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return new Percentiles(double.NaN, double.NaN, double.NaN, double.NaN, 0);
        }

        var sorted = values.Order().ToArray();
        double At(double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        return new Percentiles(At(0.50), At(0.95), At(0.99), sorted[^1], sorted.Length);
    }

    public string Format() => Samples == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{P50:0.00} / {P95:0.00} / {P99:0.00}");
}

/// <summary>How to place one SIPp caller run.</summary>
public sealed record CallPlan(int Cps, int Seconds, int HoldMs = 0, int? Limit = null, int? Calls = null)
{
    public int TotalCalls => Calls ?? Cps * Seconds;
}

/// <summary>Runs SIPp processes: auto-answering phones and stepped-rate callers.</summary>
public static class Sipp
{
    private const string BufferSize = "4194304";

    /// <summary>The auto-answering phone; it logs one "A" line per INVITE (see scenarios/uas.xml) into <paramref name="logFile"/>.</summary>
    public static Process StartUas(string scenarioDir, int port, string workDir, string logFile) =>
        Processes.Start("sipp", workDir, "-sf", Path.Combine(scenarioDir, "uas.xml"), "-i", "127.0.0.1", "-mi", "127.0.0.1",
            "-p", port.ToString(CultureInfo.InvariantCulture), "-buff_size", BufferSize, "-nostdin",
            "-trace_logs", "-log_file", logFile);

    /// <summary>
    /// Places <see cref="CallPlan.Cps"/> calls/s at <paramref name="target"/>, each held <see cref="CallPlan.HoldMs"/>.
    /// <paramref name="phoneLog"/> is the UAS log whose "A" lines (phone INVITE times) are matched to this run's callers.
    /// </summary>
    public static async Task<SippResult> CallAsync(string scenarioDir, string target, string service, int localPort, CallPlan plan,
        string workDir, string? phoneLog)
    {
        var run = Path.Combine(workDir, $"uac-{plan.Cps}-{Guid.NewGuid():N}"[..20]);
        Directory.CreateDirectory(run);
        var phoneOffset = phoneLog is not null && File.Exists(phoneLog) ? new FileInfo(phoneLog).Length : 0;
        var stopwatch = Stopwatch.StartNew();
        var calls = plan.TotalCalls;
        using var process = Processes.Start("sipp", run, "-sf", Path.Combine(scenarioDir, "uac.xml"), "-i", "127.0.0.1", "-mi", "127.0.0.1",
            "-p", localPort.ToString(CultureInfo.InvariantCulture), "-s", service, target,
            "-r", plan.Cps.ToString(CultureInfo.InvariantCulture), "-m", calls.ToString(CultureInfo.InvariantCulture),
            "-d", plan.HoldMs.ToString(CultureInfo.InvariantCulture),
            "-l", (plan.Limit ?? Math.Max(plan.Cps * 4, 64)).ToString(CultureInfo.InvariantCulture),
            "-buff_size", BufferSize, "-nostdin", "-trace_stat", "-stf", "stat.csv", "-fd", "1", "-trace_logs", "-log_file", "calls.log",
            "-timeout", (calls / Math.Max(1, plan.Cps) * 2 + plan.HoldMs / 1000 + 15).ToString(CultureInfo.InvariantCulture), "-timeout_error",
            "-recv_timeout", "8000");
        await process.WaitForExitAsync();
        stopwatch.Stop();
        var (succeeded, failed, peak) = ReadStats(Path.Combine(run, "stat.csv"));

        // Wall-clock microseconds from both SIPp processes (same host clock): see the comments in uac.xml and uas.xml.
        var sent = new Dictionary<string, double>(StringComparer.Ordinal);
        var toOk = new List<double>();
        foreach (var parts in Lines(Path.Combine(run, "calls.log"), 0).Where(p => p.Length >= 6 && p[0] == "C"))
        {
            var at = Time(parts[2], parts[3]);
            sent[parts[1]] = at;
            toOk.Add((Time(parts[4], parts[5]) - at) / 1000.0);
        }

        var toPhone = new List<double>();
        if (phoneLog is not null)
        {
            foreach (var parts in Lines(phoneLog, phoneOffset).Where(p => p.Length >= 4 && p[0] == "A"))
            {
                if (sent.Remove(parts[1], out var at))
                {
                    toPhone.Add((Time(parts[2], parts[3]) - at) / 1000.0);
                }
            }
        }

        return new SippResult(plan.Cps, calls, succeeded, failed, stopwatch.Elapsed.TotalSeconds - plan.HoldMs / 1000.0, peak,
            Percentiles.From(toOk), Percentiles.From(toPhone));
    }

    /// <summary>SIPp prints gettimeofday's fields as "1795440783.000000" and "849385.000000": microseconds since the epoch.</summary>
    private static double Time(string seconds, string micros) =>
        Math.Truncate(double.Parse(seconds, CultureInfo.InvariantCulture)) * 1_000_000 + double.Parse(micros, CultureInfo.InvariantCulture);

    private static IEnumerable<string[]> Lines(string file, long offset)
    {
        if (!File.Exists(file))
        {
            yield break;
        }

        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(offset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            yield return line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }
    }

    private static (int Succeeded, int Failed, int PeakConcurrent) ReadStats(string statFile)
    {
        if (!File.Exists(statFile))
        {
            return (0, 0, 0);
        }

        var lines = File.ReadAllLines(statFile).Where(l => l.Length > 0).ToArray();
        if (lines.Length < 2)
        {
            return (0, 0, 0);
        }

        var header = lines[0].Split(';');
        var rows = lines.Skip(1).Select(l => l.Split(';')).ToArray();
        int Column(string[] row, string name) => int.Parse(row[Array.IndexOf(header, name)], CultureInfo.InvariantCulture);
        var last = rows[^1];
        return (Column(last, "SuccessfulCall(C)"), Column(last, "FailedCall(C)"), rows.Max(r => Column(r, "CurrentCall")));
    }
}

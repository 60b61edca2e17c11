using System.Diagnostics;
using System.Globalization;

namespace Acd.LoadBench;

/// <summary>What one SIPp caller run achieved.</summary>
public sealed record SippResult(int TargetCps, int Attempted, int Succeeded, int Failed, double Seconds, Percentiles InviteTo200)
{
    public double AchievedCps => Seconds > 0 ? Succeeded / Seconds : 0;

    /// <summary>Clean: every call completed and the rate held (a run may stretch by a quarter before it counts as falling behind).</summary>
    public bool Clean(int durationSeconds) => Failed == 0 && Succeeded == Attempted && Seconds <= durationSeconds * 1.25 + 2;
}

public sealed record Percentiles(double P50, double P95, double P99, int Samples)
{
    public static Percentiles From(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return new Percentiles(double.NaN, double.NaN, double.NaN, 0);
        }

        var sorted = values.Order().ToArray();
        double At(double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        return new Percentiles(At(0.50), At(0.95), At(0.99), sorted.Length);
    }
}

/// <summary>Runs SIPp processes: auto-answering phones and stepped-rate callers.</summary>
public static class Sipp
{
    private const string BufferSize = "4194304";

    public static Process StartUas(string scenarioDir, int port, string workDir) =>
        Processes.Start("sipp", workDir, "-sf", Path.Combine(scenarioDir, "uas.xml"), "-i", "127.0.0.1", "-mi", "127.0.0.1",
            "-p", port.ToString(CultureInfo.InvariantCulture), "-buff_size", BufferSize, "-nostdin", "-bg");

    /// <summary>Places <paramref name="cps"/> calls/s for <paramref name="seconds"/> s at <paramref name="target"/>, each held <paramref name="holdMs"/>.</summary>
    public static async Task<SippResult> CallAsync(string scenarioDir, string target, string service, int localPort, int cps, int seconds,
        int holdMs, string workDir)
    {
        var run = Path.Combine(workDir, $"uac-{cps}-{Guid.NewGuid():N}"[..20]);
        Directory.CreateDirectory(run);
        var calls = cps * seconds;
        var stopwatch = Stopwatch.StartNew();
        using var process = Processes.Start("sipp", run, "-sf", Path.Combine(scenarioDir, "uac.xml"), "-i", "127.0.0.1", "-mi", "127.0.0.1",
            "-p", localPort.ToString(CultureInfo.InvariantCulture), "-s", service, target,
            "-r", cps.ToString(CultureInfo.InvariantCulture), "-m", calls.ToString(CultureInfo.InvariantCulture),
            "-d", holdMs.ToString(CultureInfo.InvariantCulture), "-l", Math.Max(cps * 4, 64).ToString(CultureInfo.InvariantCulture),
            "-buff_size", BufferSize, "-nostdin", "-trace_stat", "-stf", "stat.csv", "-trace_rtt", "-rtt_freq", "1",
            "-timeout", (seconds * 2 + holdMs / 1000 + 15).ToString(CultureInfo.InvariantCulture), "-timeout_error",
            "-recv_timeout", "8000");
        await process.WaitForExitAsync();
        stopwatch.Stop();
        var (succeeded, failed) = ReadTotals(Path.Combine(run, "stat.csv"));
        var rtts = Directory.EnumerateFiles(run, "*_rtt.csv").SelectMany(ReadRtts).ToList();
        return new SippResult(cps, calls, succeeded, failed, stopwatch.Elapsed.TotalSeconds - holdMs / 1000.0, Percentiles.From(rtts));
    }

    private static (int Succeeded, int Failed) ReadTotals(string statFile)
    {
        if (!File.Exists(statFile))
        {
            return (0, 0);
        }

        var lines = File.ReadAllLines(statFile);
        var header = lines[0].Split(';');
        var last = lines[^1].Split(';');
        int Column(string name) => int.Parse(last[Array.IndexOf(header, name)], CultureInfo.InvariantCulture);
        return (Column("SuccessfulCall(C)"), Column("FailedCall(C)"));
    }

    private static IEnumerable<double> ReadRtts(string file) =>
        File.ReadLines(file).Skip(1).Select(l => l.Split(';')).Where(p => p.Length >= 2)
            .Select(p => double.Parse(p[1], CultureInfo.InvariantCulture));
}

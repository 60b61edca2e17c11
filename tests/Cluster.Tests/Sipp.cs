using System.Globalization;
using Acd.Testing;

namespace Acd.Cluster.Tests;

/// <summary>A SIPp process on loopback (agent phones that register, then answer; callers), with call statistics in a CSV.</summary>
public sealed class Sipp : IAsyncDisposable
{
    private readonly SippProcess _process;

    private Sipp(SippProcess process, string statFile)
    {
        _process = process;
        StatFile = statFile;
    }

    public string Name => _process.Name;

    /// <summary>SIPp's -trace_stat CSV: cumulative successful and failed calls.</summary>
    public string StatFile { get; }

    public bool HasExited => _process.HasExited;

    public static string Executable => SippProcess.Executable;

    public static Sipp Start(string name, string scenario, int edgePort, int localPort, string service, string logDirectory,
        IEnumerable<string> extraArguments)
    {
        var statFile = Path.Combine(logDirectory, name + "-stat.csv");
        var process = SippProcess.Start(name, Path.Combine(AppContext.BaseDirectory, "Scenarios", scenario), edgePort, localPort, service,
            logDirectory, ["-trace_stat", "-stf", statFile, "-fd", "1", .. extraArguments]);
        return new Sipp(process, statFile);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout) =>
        await _process.WaitForExitAsync(timeout)
            ? _process.ExitCode
            : throw new TimeoutException($"SIPp {Name} did not finish within {timeout.TotalSeconds} s:\n{Output()}");

    /// <summary>(successful, failed) calls from the last line of the statistics file.</summary>
    public (int Successful, int Failed) Totals()
    {
        var lines = File.Exists(StatFile) ? File.ReadAllLines(StatFile).Where(l => l.Length > 0).ToArray() : [];
        if (lines.Length < 2)
        {
            return (0, 0);
        }

        var header = lines[0].Split(';');
        var last = lines[^1].Split(';');
        int Column(string name) => int.Parse(last[Array.IndexOf(header, name)], CultureInfo.InvariantCulture);
        return (Column("SuccessfulCall(C)"), Column("FailedCall(C)"));
    }

    public string Output() => _process.Output();

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    public static int FreeUdpPort() => LoopbackPorts.FreeUdp();

    public static int FreeTcpPort() => LoopbackPorts.FreeTcp();

    public static int FreeUdpAndTcpPort() => LoopbackPorts.FreeUdpAndTcp();
}

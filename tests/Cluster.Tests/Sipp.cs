using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Acd.Cluster.Tests;

/// <summary>A SIPp process (Debian package sip-tester) on loopback: agent phones (register, then answer) and callers.</summary>
public sealed class Sipp : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private Sipp(Process process, string name, string statFile)
    {
        _process = process;
        Name = name;
        StatFile = statFile;
    }

    public string Name { get; }

    /// <summary>SIPp's -trace_stat CSV: cumulative successful and failed calls.</summary>
    public string StatFile { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Fails (never skips) when SIPp is missing: the cluster must be proven with real SIP traffic.</summary>
    public static string Executable =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
        .Select(dir => Path.Combine(dir, "sipp"))
        .FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException(
            "SIPp is not installed (no 'sipp' on PATH). Install the Debian package 'sip-tester' (scripts/install-test-deps.sh does this).");

    public static Sipp Start(string name, string scenario, int edgePort, int localPort, string service, string logDirectory,
        IEnumerable<string> extraArguments)
    {
        var statFile = Path.Combine(logDirectory, name + "-stat.csv");
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = logDirectory,
        };
        string[] args =
        [
            $"127.0.0.1:{edgePort.ToString(CultureInfo.InvariantCulture)}",
            "-sf", Path.Combine(AppContext.BaseDirectory, "Scenarios", scenario),
            "-i", "127.0.0.1", "-mi", "127.0.0.1", "-ci", "127.0.0.1",
            "-p", localPort.ToString(CultureInfo.InvariantCulture),
            "-mp", FreeUdpPort().ToString(CultureInfo.InvariantCulture),
            "-cp", FreeUdpPort().ToString(CultureInfo.InvariantCulture),
            "-s", service,
            "-nostdin",
            "-trace_stat", "-stf", statFile, "-fd", "1",
            "-trace_err", "-error_file", Path.Combine(logDirectory, name + "-errors.log"),
        ];
        foreach (var a in args.Concat(extraArguments))
        {
            start.ArgumentList.Add(a);
        }

        var process = new Process { StartInfo = start };
        var sipp = new Sipp(process, name, statFile);
        process.OutputDataReceived += (_, e) => sipp.Append(e.Data);
        process.ErrorDataReceived += (_, e) => sipp.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return sipp;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"SIPp {Name} did not finish within {timeout.TotalSeconds} s:\n{Output()}");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

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

    public string Output()
    {
        lock (_output)
        {
            var text = _output.ToString();
            return text.Length > 3000 ? text[^3000..] : text;
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    public static int FreeUdpPort()
    {
        using var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.Client.LocalEndPoint!).Port;
    }

    /// <summary>A port free for both UDP and TCP (SIP listens on both).</summary>
    public static int FreeUdpAndTcpPort()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var port = FreeTcpPort();
            try
            {
                using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("No port free for both UDP and TCP.");
    }

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

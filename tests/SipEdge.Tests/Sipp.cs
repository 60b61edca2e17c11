using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Acd.SipEdge.Tests;

/// <summary>One SIPp process (Debian package sip-tester) running a scenario of Scenarios/ against the edge on loopback.</summary>
public sealed class Sipp : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string _name;
    private readonly string _logDir;

    private Sipp(Process process, string name, string logDir)
    {
        _process = process;
        _name = name;
        _logDir = logDir;
    }

    public int LocalPort { get; private init; }

    /// <summary>Fails the test (not skips it) when SIPp is missing: the SIP edge must be proven against a real peer.</summary>
    public static string Executable
    {
        get
        {
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
            {
                var candidate = Path.Combine(dir, "sipp");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException(
                "SIPp is not installed (no 'sipp' on PATH). Install the Debian package 'sip-tester' (apt-get install sip-tester); the test script does this in CI.");
        }
    }

    /// <summary>Starts SIPp: <paramref name="service"/> becomes [service] (agent id or dialled number).</summary>
    public static Sipp Start(string scenario, int edgePort, int localPort, string service, int timeoutSeconds = 30,
        IEnumerable<string>? extraArguments = null, int calls = 1)
    {
        var exe = Executable;
        var scenarioPath = Path.Combine(AppContext.BaseDirectory, "Scenarios", scenario);
        var logDir = Path.Combine(Path.GetTempPath(), "acd-sipp-logs");
        Directory.CreateDirectory(logDir);
        var name = $"{Path.GetFileNameWithoutExtension(scenario)}-{localPort.ToString(CultureInfo.InvariantCulture)}";
        var start = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = logDir,
        };
        string[] args =
        [
            $"127.0.0.1:{edgePort.ToString(CultureInfo.InvariantCulture)}",
            "-sf", scenarioPath,
            "-i", "127.0.0.1", "-mi", "127.0.0.1", "-ci", "127.0.0.1",
            "-p", localPort.ToString(CultureInfo.InvariantCulture),
            "-mp", AuxiliaryPort().ToString(CultureInfo.InvariantCulture),
            "-cp", AuxiliaryPort().ToString(CultureInfo.InvariantCulture),
            "-s", service,
            "-m", calls.ToString(CultureInfo.InvariantCulture),
            "-timeout", $"{timeoutSeconds.ToString(CultureInfo.InvariantCulture)}s", "-timeout_error",
            "-nostdin",
            "-trace_msg", "-message_file", Path.Combine(logDir, name + "-messages.log"),
            "-trace_err", "-error_file", Path.Combine(logDir, name + "-errors.log"),
        ];
        foreach (var a in args.Concat(extraArguments ?? []))
        {
            start.ArgumentList.Add(a);
        }

        var process = new Process { StartInfo = start };
        var sipp = new Sipp(process, name, logDir) { LocalPort = localPort };
        process.OutputDataReceived += (_, e) => sipp.Append(e.Data);
        process.ErrorDataReceived += (_, e) => sipp.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return sipp;
    }

    /// <summary>Waits until SIPp has bound its UDP port, so the edge's first INVITE does not hit a closed port.</summary>
    public async Task WaitListeningAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"SIPp {_name} exited early ({_process.ExitCode}):\n{Describe()}");
            }

            try
            {
                using var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, LocalPort));
            }
            catch (SocketException)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"SIPp {_name} did not bind port {LocalPort}.");
    }

    /// <summary>Waits for the scenario to end and asserts that its one call succeeded.</summary>
    public async Task AssertSucceededAsync(int timeoutSeconds = 40)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"SIPp {_name} did not finish within {timeoutSeconds} s:\n{Describe()}");
        }

        _process.WaitForExit();
        Assert.True(_process.ExitCode == 0, $"SIPp {_name} failed with exit code {_process.ExitCode}:\n{Describe()}");
    }

    /// <summary>Every message SIPp sent and received (its -trace_msg log), complete once the process has exited.</summary>
    public string Messages
    {
        get
        {
            var path = Path.Combine(_logDir, _name + "-messages.log");
            return File.Exists(path) ? File.ReadAllText(path) : "";
        }
    }

    /// <summary>Kills SIPp at once, as a phone that crashes or loses its network would vanish.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    private string Describe()
    {
        string Tail(string file)
        {
            var path = Path.Combine(_logDir, file);
            if (!File.Exists(path))
            {
                return "";
            }

            var text = File.ReadAllText(path);
            return text.Length > 6000 ? text[^6000..] : text;
        }

        string output;
        lock (_output)
        {
            output = _output.ToString();
        }

        output = output.Length > 3000 ? output[^3000..] : output;
        return $"--- output ---\n{output}\n--- errors ---\n{Tail(_name + "-errors.log")}\n--- messages ---\n{Tail(_name + "-messages.log")}";
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
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

    private static int _nextAuxiliaryPort = 20000 + (Environment.ProcessId % 400 * 28);

    /// <summary>
    /// Media and control ports of SIPp from below the kernel's ephemeral range: SIPp binds them after its start, so an
    /// ephemeral port picked here could meanwhile become another test's phone port (seen as SIPp exiting with 254).
    /// </summary>
    private static int AuxiliaryPort()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = 20000 + ((Interlocked.Add(ref _nextAuxiliaryPort, 4) - 20000) % 12000);
            try
            {
                // SIPp takes the media port and the next ones (RTCP, video): all four must be free.
                using var a = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                using var b = new UdpClient(new IPEndPoint(IPAddress.Loopback, port + 1));
                using var c = new UdpClient(new IPEndPoint(IPAddress.Loopback, port + 2));
                using var d = new UdpClient(new IPEndPoint(IPAddress.Loopback, port + 3));
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("No auxiliary UDP port free for SIPp.");
    }

    public static int FreeUdpPort()
    {
        using var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.Client.LocalEndPoint!).Port;
    }
}

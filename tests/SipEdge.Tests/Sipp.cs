using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Acd.Testing;

namespace Acd.SipEdge.Tests;

/// <summary>One SIPp process running a scenario of Scenarios/ against the edge on loopback, with its messages traced.</summary>
public sealed class Sipp : IAsyncDisposable
{
    private static readonly string LogDirectory = Path.Combine(Path.GetTempPath(), "acd-sipp-logs");

    private readonly SippProcess _process;

    private Sipp(SippProcess process, int localPort)
    {
        _process = process;
        LocalPort = localPort;
    }

    public int LocalPort { get; }

    public static string Executable => SippProcess.Executable;

    /// <summary>Starts SIPp: <paramref name="service"/> becomes [service] (agent id or dialled number).</summary>
    public static Sipp Start(string scenario, int edgePort, int localPort, string service, int timeoutSeconds = 30,
        IEnumerable<string>? extraArguments = null, int calls = 1)
    {
        var name = $"{Path.GetFileNameWithoutExtension(scenario)}-{localPort.ToString(CultureInfo.InvariantCulture)}";
        string[] args =
        [
            "-m", calls.ToString(CultureInfo.InvariantCulture),
            "-timeout", $"{timeoutSeconds.ToString(CultureInfo.InvariantCulture)}s", "-timeout_error",
            "-trace_msg", "-message_file", Path.Combine(LogDirectory, name + "-messages.log"),
        ];
        var process = SippProcess.Start(name, Path.Combine(AppContext.BaseDirectory, "Scenarios", scenario), edgePort, localPort, service,
            LogDirectory, args.Concat(extraArguments ?? []));
        return new Sipp(process, localPort);
    }

    /// <summary>Waits until SIPp has bound its UDP port, so the edge's first INVITE does not hit a closed port.</summary>
    public async Task WaitListeningAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"SIPp {_process.Name} exited early ({_process.ExitCode}):\n{Describe()}");
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

        throw new TimeoutException($"SIPp {_process.Name} did not bind port {LocalPort}.");
    }

    /// <summary>Waits for the scenario to end and asserts that its calls succeeded.</summary>
    public async Task AssertSucceededAsync(int timeoutSeconds = 40)
    {
        if (!await _process.WaitForExitAsync(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            _process.Kill();
            Assert.Fail($"SIPp {_process.Name} did not finish within {timeoutSeconds} s:\n{Describe()}");
        }

        Assert.True(_process.ExitCode == 0, $"SIPp {_process.Name} failed with exit code {_process.ExitCode}:\n{Describe()}");
    }

    /// <summary>Every message SIPp sent and received (its -trace_msg log), complete once the process has exited.</summary>
    public string Messages => _process.LogTail("-messages.log", int.MaxValue);

    /// <summary>Kills SIPp at once, as a phone that crashes or loses its network would vanish.</summary>
    public void Kill() => _process.Kill();

    private string Describe() =>
        $"--- output ---\n{_process.Output()}\n--- errors ---\n{_process.LogTail("-errors.log")}\n--- messages ---\n{_process.LogTail("-messages.log")}";

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    public static int FreeUdpPort() => LoopbackPorts.FreeUdp();
}

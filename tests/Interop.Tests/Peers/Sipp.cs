using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Acd.Testing;

namespace Acd.Interop.Tests.Peers;

/// <summary>One SIPp process running a scenario of Scenarios/ (with its messages traced), on the shared <see cref="SippProcess"/>.</summary>
public sealed class Sipp : IAsyncDisposable
{
    private static readonly string LogDirectory = Path.Combine(Path.GetTempPath(), "acd-interop-sipp");

    private readonly SippProcess _process;

    private Sipp(SippProcess process, int localPort)
    {
        _process = process;
        LocalPort = localPort;
    }

    public int LocalPort { get; }

    /// <summary>
    /// Starts SIPp with [service] = <paramref name="service"/> against 127.0.0.1:<paramref name="remotePort"/> (the
    /// Request-URI's host), from <paramref name="localPort"/> (0: a free one); extra arguments such as -rsa (send to a proxy
    /// instead), -t t1 (TCP), -au/-ap (digest credentials), -rtp_echo.
    /// </summary>
    public static Sipp Start(string scenario, int remotePort, string service, int localPort = 0, int timeoutSeconds = 30,
        IEnumerable<string>? extraArguments = null)
    {
        if (localPort == 0)
        {
            localPort = LoopbackPorts.FreeUdpAndTcp();
        }

        var name = $"{Path.GetFileNameWithoutExtension(scenario)}-{localPort.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..4]}";
        string[] args =
        [
            "-m", "1",
            "-timeout", $"{timeoutSeconds.ToString(CultureInfo.InvariantCulture)}s", "-timeout_error",
            "-trace_msg", "-message_file", Path.Combine(LogDirectory, name + "-messages.log"),
        ];
        var process = SippProcess.Start(name, Path.Combine(AppContext.BaseDirectory, "Scenarios", scenario), remotePort, localPort, service,
            LogDirectory, args.Concat(extraArguments ?? []));
        return new Sipp(process, localPort);
    }

    /// <summary>Waits until SIPp has bound its UDP port, so a first request to it does not hit a closed port.</summary>
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

    /// <summary>Waits for the scenario to end and asserts that its call succeeded.</summary>
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

    public string Describe() =>
        $"--- SIPp {_process.Name} output ---\n{_process.Output()}\n--- errors ---\n{_process.LogTail("-errors.log")}\n--- messages ---\n{_process.LogTail("-messages.log", 15_000)}";

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}

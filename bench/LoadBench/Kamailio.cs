using System.Diagnostics;
using System.Globalization;

namespace Acd.LoadBench;

/// <summary>A Kamailio stateful proxy (tm + rr) in front of the SIPp UAS: the yardstick for SIP throughput.</summary>
public sealed class Kamailio : IAsyncDisposable
{
    private readonly Process _process;

    private Kamailio(Process process) => _process = process;

    public static async Task<Kamailio> StartAsync(string template, int port, string uas, string workDir)
    {
        var config = Path.Combine(workDir, "kamailio.cfg");
        var text = (await File.ReadAllTextAsync(template))
            .Replace("@LISTEN@", $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", StringComparison.Ordinal)
            .Replace("@UAS@", uas, StringComparison.Ordinal);
        await File.WriteAllTextAsync(config, text);

        // -DD: stay in the foreground (with its worker children), so this process owns and stops it.
        var process = Processes.Start("kamailio", workDir, "-f", config, "-m", "1024", "-DD", "-E");
        await Task.Delay(1500);
        if (process.HasExited)
        {
            throw new InvalidOperationException($"kamailio exited at start (code {process.ExitCode}); check {config}.");
        }

        return new Kamailio(process);
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
}

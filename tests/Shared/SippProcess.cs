using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Acd.Testing;

/// <summary>
/// One SIPp process (Debian package sip-tester) on loopback: the part the SIP edge and cluster tests share (finding
/// SIPp, the arguments every run needs, output capture, exit and clean-up). Compiled into each test project that needs it.
/// </summary>
public sealed class SippProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SippProcess(Process process, string name, string logDirectory)
    {
        _process = process;
        Name = name;
        LogDirectory = logDirectory;
    }

    public string Name { get; }

    /// <summary>Where SIPp writes its logs (&lt;name&gt;-errors.log and whatever else the caller asked for).</summary>
    public string LogDirectory { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Fails (never skips) when SIPp is missing: SIP behaviour must be proven against a real peer.</summary>
    public static string Executable =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
        .Select(dir => Path.Combine(dir, "sipp"))
        .FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException(
            "SIPp is not installed (no 'sipp' on PATH). Install the Debian package 'sip-tester' (scripts/install-test-deps.sh does this).");

    /// <summary>
    /// Starts <paramref name="scenarioPath"/> against 127.0.0.1:<paramref name="remotePort"/> from <paramref name="localPort"/>,
    /// with [service] = <paramref name="service"/>, errors traced to &lt;name&gt;-errors.log, plus <paramref name="extraArguments"/>.
    /// </summary>
    public static SippProcess Start(string name, string scenarioPath, int remotePort, int localPort, string service, string logDirectory,
        IEnumerable<string> extraArguments)
    {
        Directory.CreateDirectory(logDirectory);
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = logDirectory,
        };
        string[] args =
        [
            $"127.0.0.1:{remotePort.ToString(CultureInfo.InvariantCulture)}",
            "-sf", scenarioPath,
            "-i", "127.0.0.1", "-mi", "127.0.0.1", "-ci", "127.0.0.1",
            "-p", localPort.ToString(CultureInfo.InvariantCulture),
            "-mp", LoopbackPorts.FreeUdpBlockOfFour().ToString(CultureInfo.InvariantCulture),
            "-cp", LoopbackPorts.FreeUdpBlockOfFour().ToString(CultureInfo.InvariantCulture),
            "-s", service,
            "-nostdin",
            "-trace_err", "-error_file", Path.Combine(logDirectory, name + "-errors.log"),
        ];
        foreach (var a in args.Concat(extraArguments))
        {
            start.ArgumentList.Add(a);
        }

        var process = new Process { StartInfo = start };
        var sipp = new SippProcess(process, name, logDirectory);
        process.OutputDataReceived += (_, e) => sipp.Append(e.Data);
        process.ErrorDataReceived += (_, e) => sipp.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return sipp;
    }

    /// <summary>True once SIPp has exited (and its output is complete); false if it still runs after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        _process.WaitForExit();
        return true;
    }

    /// <summary>Kills SIPp at once, as a phone that crashes or loses its network would vanish.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>The last <paramref name="maxChars"/> characters SIPp printed.</summary>
    public string Output(int maxChars = 3000)
    {
        lock (_output)
        {
            var text = _output.ToString();
            return text.Length > maxChars ? text[^maxChars..] : text;
        }
    }

    /// <summary>The end of one of SIPp's log files in <see cref="LogDirectory"/>, or "" if it has none.</summary>
    public string LogTail(string suffix, int maxChars = 6000)
    {
        var path = Path.Combine(LogDirectory, Name + suffix);
        if (!File.Exists(path))
        {
            return "";
        }

        var text = File.ReadAllText(path);
        return text.Length > maxChars ? text[^maxChars..] : text;
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
}

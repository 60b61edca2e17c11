using System.Diagnostics;
using System.Text;

namespace Acd.Interop.Tests.Peers;

/// <summary>
/// One peer program (baresip, linphonec, Kamailio) run for a test: its own working folder, output captured in memory and
/// in a log file there, killed with its children on dispose.
/// </summary>
public sealed class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StreamWriter _log;

    private PeerProcess(Process process, string name, string logPath)
    {
        _process = process;
        Name = name;
        LogPath = logPath;
        _log = new StreamWriter(logPath, append: true) { AutoFlush = true };
    }

    /// <summary>ACD_INTEROP_KEEP=1 keeps the peers' folders (configs, logs, recordings) under /tmp/acd-interop-peers.</summary>
    public static bool KeepFolders => Environment.GetEnvironmentVariable("ACD_INTEROP_KEEP") == "1";

    public string Name { get; }

    public string LogPath { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public int Id => _process.Id;

    /// <summary>Fails (never skips) when the program is missing: interop must be proven against the real peer.</summary>
    public static string Find(string program, string package) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
        .Select(dir => Path.Combine(dir, program))
        .FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException(
            $"{program} is not installed. Install the Debian package '{package}' (scripts/install-test-deps.sh does this).");

    public static PeerProcess Start(string name, string executable, IEnumerable<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment = null, bool redirectInput = false)
    {
        Directory.CreateDirectory(workingDirectory);
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        var peer = new PeerProcess(process, name, Path.Combine(workingDirectory, name + ".out.log"));
        process.OutputDataReceived += (_, e) => peer.Append(e.Data);
        process.ErrorDataReceived += (_, e) => peer.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    /// <summary>Writes one line to the program's standard input (started with redirectInput).</summary>
    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Everything printed so far (the last <paramref name="maxChars"/> characters).</summary>
    public string Output(int maxChars = 20_000)
    {
        lock (_output)
        {
            var text = _output.ToString();
            return text.Length > maxChars ? text[^maxChars..] : text;
        }
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; false on timeout or exit.</summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout, int after = 0)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            lock (_output)
            {
                if (_output.Length > after && _output.ToString(after, _output.Length - after).Contains(text, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            if (_process.HasExited)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return false;
    }

    /// <summary>The length of the output so far, to wait for something printed after this point.</summary>
    public int OutputLength
    {
        get
        {
            lock (_output)
            {
                return _output.Length;
            }
        }
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
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
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(cts.Token);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (OperationCanceledException)
        {
        }

        _process.Dispose();
        lock (_output)
        {
            _log.Dispose();
        }
    }
}

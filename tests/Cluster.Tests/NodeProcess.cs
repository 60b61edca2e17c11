using System.Diagnostics;
using System.Reflection;

namespace Acd.Cluster.Tests;

/// <summary>
/// One product process (`dotnet Acd.Silo.dll` or `dotnet Acd.Frontend.dll` from the build outputs of this test's own
/// build), with its environment, output in a log file, SIGKILL or SIGTERM, and a restart on the same ports.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly string _dll;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly string _logPath;
    private Process? _process;
    private StreamWriter? _log;
    private bool _closed;

    public NodeProcess(string name, string dll, IReadOnlyDictionary<string, string> environment, string logDirectory, int httpPort)
    {
        Name = name;
        _dll = dll;
        _environment = environment;
        HttpPort = httpPort;
        _logPath = Path.Combine(logDirectory, name + ".log");
    }

    public string Name { get; }

    public int HttpPort { get; }

    public string BaseUrl => $"http://127.0.0.1:{HttpPort}";

    public bool IsRunning => _process is { HasExited: false };

    public int? ProcessId => IsRunning ? _process!.Id : null;

    public static string SiloDll => Metadata("AcdSiloDll");

    public static string FrontendDll => Metadata("AcdFrontendDll");

    public static string RepositoryRoot => Metadata("AcdRepositoryRoot");

    public void Start() => Start([]);

    /// <summary>Runs the program with <paramref name="arguments"/> (e.g. setup-database) and requires exit code 0.</summary>
    public async Task RunToEndAsync(string[] arguments, TimeSpan timeout)
    {
        Start(arguments);
        using var cts = new CancellationTokenSource(timeout);
        await _process!.WaitForExitAsync(cts.Token);
        _process.WaitForExit();
        if (_process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{Tail()}");
        }
    }

    private void Start(string[] arguments)
    {
        if (!File.Exists(_dll))
        {
            throw new InvalidOperationException($"{_dll} does not exist: build the solution (the test project builds it as a reference).");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(_dll)!,
        };
        start.ArgumentList.Add(_dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        _log ??= new StreamWriter(new FileStream(_logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        WriteLog($"==== start {Name}: dotnet {_dll} {string.Join(' ', arguments)}");
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => WriteLog(e.Data);
        process.ErrorDataReceived += (_, e) => WriteLog(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>SIGKILL: the process dies at once, like a crashed node (no membership update, no flush).</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            WriteLog($"==== SIGKILL {Name}");
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>SIGTERM and wait: what Kubernetes does to a pod (graceful shutdown), SIGKILL after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        WriteLog($"==== SIGTERM {Name}");
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            WriteLog($"==== {Name} did not stop within {grace.TotalSeconds} s: SIGKILL");
            await KillAsync();
        }
    }

    /// <summary>Waits until <paramref name="path"/> answers 200 (polling), failing with the log's tail otherwise.</summary>
    public async Task WaitHealthyAsync(HttpClient http, string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process is { HasExited: true })
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}.\n{Tail()}");
            }

            try
            {
                using var response = await http.GetAsync(BaseUrl + path);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name}: {path} not healthy after {timeout.TotalSeconds} s.\n{Tail()}");
            }

            await Task.Delay(200);
        }
    }

    public string Tail(int chars = 6000)
    {
        try
        {
            using var stream = new FileStream(_logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd();
            return text.Length > chars ? text[^chars..] : text;
        }
        catch (IOException)
        {
            return "";
        }
    }

    private void WriteLog(string? line)
    {
        if (line is null || _log is null)
        {
            return;
        }

        lock (_log)
        {
            if (!_closed)
            {
                _log.WriteLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        if (_log is not null)
        {
            lock (_log)
            {
                _closed = true;
                _log.Dispose();
            }
        }
    }

    private static string Metadata(string key) =>
        typeof(NodeProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"Assembly metadata {key} is missing (set by Cluster.Tests.csproj).");
}

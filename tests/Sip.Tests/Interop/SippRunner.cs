using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Acd.Sip.Tests.Interop;

/// <summary>Runs the real SIPp binary (Debian package sip-tester) as a bounded child process.</summary>
internal static class SippRunner
{
    public static string Locate()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':').Append("/usr/bin").Append("/usr/local/bin"))
        {
            var candidate = Path.Combine(dir, "sipp");
            if (File.Exists(candidate)) return candidate;
        }
        Assert.Fail("sipp is not installed: the interop tests need the Debian package 'sip-tester' (apt-get install -y sip-tester).");
        return null!;
    }

    public static int FreePort(SocketType type)
    {
        using var s = new Socket(AddressFamily.InterNetwork, type, type == SocketType.Dgram ? ProtocolType.Udp : ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    public sealed record Result(int ExitCode, string Output, string WorkDir);

    /// <summary>Starts SIPp; the returned task completes when it exits (killed after <paramref name="timeout"/>).</summary>
    public static async Task<Result> RunAsync(string args, TimeSpan timeout, string? scenarioXml = null)
    {
        var sipp = Locate();
        var work = Directory.CreateTempSubdirectory("sipp-").FullName;
        if (scenarioXml is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(work, "scenario.xml"), scenarioXml);
            args = "-sf scenario.xml " + args;
        }
        var controlPort = FreePort(SocketType.Dgram);
        var psi = new ProcessStartInfo(sipp, $"{args} -nostdin -ci 127.0.0.1 -mi 127.0.0.1 -cp {controlPort} -timeout {(int)timeout.TotalSeconds}s -timeout_error")
        {
            WorkingDirectory = work,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout + TimeSpan.FromSeconds(10));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
        var output = await stdout + await stderr;
        var exit = p.ExitCode;
        try
        {
            Directory.Delete(work, recursive: true);
        }
        catch (IOException)
        {
            // best effort: SIPp may still hold a log file open
        }
        return new Result(exit, Tail(output), work);
    }

    private static string Tail(string s) => s.Length > 4000 ? s[^4000..] : s;

    /// <summary>Reads "Successful call" / "Failed call" totals from SIPp's final statistics screen.</summary>
    public static (int Successful, int Failed) Counts(string output)
    {
        static int Read(string output, string label)
        {
            var idx = output.LastIndexOf(label, StringComparison.Ordinal);
            if (idx < 0) return -1;
            var line = output[idx..].Split('\n')[0];
            var parts = line.Split('|', StringSplitOptions.TrimEntries);
            // "Successful call |  0  |  20" : the cumulative count is the last column
            return parts.Length > 2 && int.TryParse(parts[2].Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(), out var n) ? n : -1;
        }
        return (Read(output, "Successful call"), Read(output, "Failed call"));
    }
}

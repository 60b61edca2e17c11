using System.Diagnostics;

namespace Acd.LoadBench;

public static class Processes
{
    public static Process Start(string file, string workDir, params string[] args)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        // Drain output so a chatty child never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static Task<int> RunAsync(string file, params string[] args) => RunInAsync(Environment.CurrentDirectory, file, args);

    public static async Task<int> RunInAsync(string workDir, string file, params string[] args)
    {
        using var process = Start(file, workDir, args);
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    /// <summary>Stops a child and everything it started; safe to call on one that already ended.</summary>
    public static async Task StopAsync(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // never started or already reaped
        }
    }

    /// <summary>Installs Debian packages the benchmark needs when they are missing (the machine runs as root).</summary>
    public static async Task EnsurePackagesAsync(params string[] packages)
    {
        var missing = new List<string>();
        foreach (var package in packages)
        {
            if (await RunAsync("dpkg-query", "-W", package) != 0)
            {
                missing.Add(package);
            }
        }

        if (missing.Count == 0)
        {
            return;
        }

        Console.WriteLine($"installing {string.Join(' ', missing)} ...");
        if (await RunAsync("apt-get", "update", "-qq") != 0 || await RunAsync("apt-get", ["install", "-y", "-qq", .. missing]) != 0)
        {
            throw new InvalidOperationException($"apt-get could not install {string.Join(' ', missing)}; run as root.");
        }
    }
}

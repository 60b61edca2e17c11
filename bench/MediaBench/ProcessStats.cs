namespace Acd.MediaBench;

/// <summary>CPU time and resident memory of a process from /proc (Linux), the same way for every relay.</summary>
internal static class ProcessStats
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>User + system CPU seconds of the process (all threads).</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After the command: state is field 3; utime and stime are fields 14 and 15 (1-based) of the whole line.
        var utime = long.Parse(fields[11]);
        var stime = long.Parse(fields[12]);
        return (utime + stime) / TicksPerSecond;
    }

    public static long RssBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        return 0;
    }
}

using System.Reflection;

namespace Acd.Sip.Tests;

internal static class TestPaths
{
    /// <summary>
    /// ../shared/sip-torture beside the repo: searched upward from the test assembly and, because
    /// builds may use an artifacts path outside the repo, from the test project's source folder.
    /// </summary>
    public static string TortureDir { get; } = Find(Path.Combine("shared", "sip-torture"));

    private static string Find(string relative)
    {
        var sourceDir = typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "SourceDir")?.Value;
        foreach (var start in new[] { AppContext.BaseDirectory, sourceDir, Directory.GetCurrentDirectory() })
        {
            for (var d = start is null ? null : new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                var candidate = Path.Combine(d.FullName, relative);
                if (Directory.Exists(candidate)) return candidate;
            }
        }
        throw new DirectoryNotFoundException($"could not find {relative} above {AppContext.BaseDirectory} or {sourceDir}");
    }

    public static byte[] Torture(string tag) => File.ReadAllBytes(Path.Combine(TortureDir, tag + ".dat"));

    public static IEnumerable<(string Tag, string Section, string Expected, string Description)> Index()
    {
        foreach (var line in File.ReadAllLines(Path.Combine(TortureDir, "INDEX.tsv")).Skip(1))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            var f = line.Split('\t');
            yield return (f[0], f[1], f[2], f[3]);
        }
    }
}

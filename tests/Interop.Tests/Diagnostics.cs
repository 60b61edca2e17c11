using Xunit.Sdk;

namespace Acd.Interop.Tests;

/// <summary>Runs a test body and, when it fails, appends what the peers and the host logged (xunit shows no console output).</summary>
public static class Diagnostics
{
    public static async Task WithLogsAsync(Func<Task> body, params Func<string>[] logs)
    {
        try
        {
            await body();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var dump = string.Join("\n", logs.Select(SafeLog));
            throw new XunitException($"{ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}\n\n===== logs =====\n{dump}");
        }
    }

    private static string SafeLog(Func<string> log)
    {
        try
        {
            return log();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return $"(log unavailable: {ex.Message})";
        }
    }
}

namespace Acd.Media.Tests.Infrastructure;

/// <summary>Real-network tests wait for a condition with a generous bound, never for a fixed time.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what, int timeoutMs = 10_000)
    {
        var until = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(10);
        }
    }
}

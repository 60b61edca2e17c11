using Orleans.Runtime;

namespace Acd.SipEdge.Calls;

/// <summary>
/// The edge's grain calls, bounded. A call to a grain on a silo that just died waits out Orleans' response timeout (30 s)
/// before it fails, and until the cluster declares the silo dead (a few seconds) calls are rejected; after that they reach
/// a new activation with the state from storage. So each attempt gets <see cref="AttemptTimeout"/>, then the call is
/// tried again with backoff, for about a minute in all: a caller waits no longer than the cluster needs to notice the
/// failure. Only for idempotent calls, or ones whose repeat is detected.
/// </summary>
internal static class GrainCalls
{
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan[] Delays = [.. new[] { 0.1, 0.25, 0.5, 1, 2, 4, 8, 8, 8, 8, 10 }.Select(TimeSpan.FromSeconds)];

    /// <summary>Rejections (target silo dead or unreachable) and timeouts; not the grain's own exceptions.</summary>
    public static bool IsTransient(Exception ex) => ex is OrleansMessageRejectionException or TimeoutException;

    public static async Task<T> RunAsync<T>(Func<Task<T>> call, TimeProvider time, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await call().WaitAsync(AttemptTimeout, time, cancellationToken);
            }
            catch (Exception ex) when (IsTransient(ex) && attempt < Delays.Length && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(Delays[attempt], time, cancellationToken);
            }
        }
    }
}

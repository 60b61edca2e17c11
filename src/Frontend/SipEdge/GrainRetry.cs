using Orleans.Runtime;

namespace Acd.Frontend.SipEdge;

/// <summary>
/// Grain calls of the SIP edge across a silo failure. Until the cluster declares a crashed silo dead (missed probes,
/// about 10 s with Orleans' defaults), calls to grains that lived there are rejected; after that they reach a new
/// activation with the state from storage. A caller or an agent leg must not be dropped for that, so the edge retries
/// such failures with backoff for about a minute. Only for idempotent calls, or ones whose repeat is detected.
/// </summary>
internal static class GrainRetry
{
    private static readonly TimeSpan[] Delays = [.. new[] { 0.25, 0.5, 1, 2, 4, 8, 8, 8, 8, 10, 10 }.Select(TimeSpan.FromSeconds)];

    /// <summary>Rejections (target silo dead or unreachable) and response timeouts; not the grain's own exceptions.</summary>
    public static bool IsTransient(Exception ex) => ex is OrleansMessageRejectionException or TimeoutException;

    public static async Task<T> RunAsync<T>(Func<Task<T>> call, TimeProvider time, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception ex) when (IsTransient(ex) && attempt < Delays.Length && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(Delays[attempt], time, cancellationToken);
            }
        }
    }
}

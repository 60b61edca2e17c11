using System.Collections.Immutable;
using Acd.Catalog;
using Acd.SipEdge.Calls;

namespace Acd.SipEdge.Routing;

/// <summary>
/// The dialled-number routes of the catalog, kept here and refreshed in the background, so a caller to a known queue
/// number hears ringing before the edge makes any grain call (a silo that just died cannot keep it in silence). A number
/// the copy does not know is asked of the catalog grain.
/// </summary>
internal sealed class NumberRoutes(IGrainFactory grains, TimeProvider time)
{
    public static readonly TimeSpan RefreshPeriod = TimeSpan.FromSeconds(10);

    private ImmutableDictionary<string, string> _routes = ImmutableDictionary<string, string>.Empty;

    /// <summary>The queue of <paramref name="number"/> from the local copy, without a grain call.</summary>
    public string? Known(string? number) => number is { Length: > 0 } && _routes.TryGetValue(number.Trim(), out var queueId) ? queueId : null;

    /// <summary>The queue of <paramref name="number"/>: the local copy, else the catalog (bounded, retried across a failover).</summary>
    public async Task<string?> ResolveAsync(string? number, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(number))
        {
            return null;
        }

        if (Known(number) is { } known)
        {
            return known;
        }

        // Kept until the next refresh: the callers after this one (a queue created since the last refresh) ring at once
        // too, even if the silo holding the catalog dies in between.
        var queueId = await GrainCalls.RunAsync(() => Catalog.ResolveNumberAsync(number), time, cancellationToken);
        if (queueId is not null)
        {
            ImmutableInterlocked.TryAdd(ref _routes, number.Trim(), queueId);
        }

        return queueId;
    }

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        _routes = await GrainCalls.RunAsync(() => Catalog.GetRoutesAsync(), time, cancellationToken);
    }

    private ICatalogGrain Catalog => grains.GetGrain<ICatalogGrain>(CatalogKeys.Default);
}

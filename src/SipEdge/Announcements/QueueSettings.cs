using System.Collections.Concurrent;
using Acd.Queues;
using Microsoft.Extensions.Logging;

namespace Acd.SipEdge.Announcements;

/// <summary>
/// The audio settings of the queues this edge's callers wait in (<see cref="QueueConfig.HoldMusic"/>,
/// <see cref="QueueConfig.AnnounceSeconds"/>, <see cref="QueueConfig.Language"/>), kept here so the per-call code reads
/// them without a grain call: a caller's queue is fetched once before its call starts (bounded, <see cref="FetchTimeout"/>),
/// and every queue seen is fetched again in the background (<see cref="RefreshAsync"/>, every
/// <c>NumberRoutes.RefreshPeriod</c>), so a change made through the API is heard within that period. A queue that could
/// not be fetched plays the defaults until a refresh gets it. Thread-safe.
/// </summary>
internal sealed partial class QueueSettings(IGrainFactory grains, TimeProvider time, ILogger logger)
{
    /// <summary>How long a call's start waits for its queue's settings before it goes on with the defaults.</summary>
    public static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(1);

    private readonly ILogger _logger = logger;
    private readonly ConcurrentDictionary<string, Entry> _queues = new(StringComparer.Ordinal);

    /// <summary>The queue's settings as last fetched; null when unknown (never fetched, failed, or no such queue): play the defaults.</summary>
    public QueueConfig? Known(string? queueId) => queueId is { Length: > 0 } && _queues.TryGetValue(queueId, out var entry) ? entry.Config : null;

    /// <summary>Fetches the queue's settings unless they are here already; never throws, never waits longer than <see cref="FetchTimeout"/>.</summary>
    public async Task EnsureAsync(string queueId, CancellationToken cancellationToken = default)
    {
        if (_queues.TryGetValue(queueId, out var entry) && entry.Loaded)
        {
            return;
        }

        await FetchAsync(queueId, cancellationToken);
    }

    /// <summary>Fetches every queue seen so far again (deleted ones read back as unknown).</summary>
    public Task RefreshAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_queues.Keys.Select(id => FetchAsync(id, cancellationToken)));

    private async Task FetchAsync(string queueId, CancellationToken cancellationToken)
    {
        try
        {
            var snapshot = await grains.GetGrain<IQueueGrain>(queueId).GetAsync().WaitAsync(FetchTimeout, time, cancellationToken);
            _queues[queueId] = new Entry(snapshot.Config, Loaded: true);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Kept as wanted: the next refresh tries again; meanwhile what was known (or the defaults) plays.
            _queues.AddOrUpdate(queueId, _ => new Entry(null, Loaded: false), (_, old) => old);
            if (!cancellationToken.IsCancellationRequested)
            {
                LogFetchFailed(queueId, ex.GetType().Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The audio settings of queue {QueueId} could not be fetched ({Error}); its callers hear the last known or the default music and announcements")]
    private partial void LogFetchFailed(string queueId, string error);

    private sealed record Entry(QueueConfig? Config, bool Loaded);
}

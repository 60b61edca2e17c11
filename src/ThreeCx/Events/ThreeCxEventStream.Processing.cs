using System.Net.Http;
using Acd.ThreeCx.Auth;
using Acd.ThreeCx.Rest;
using Microsoft.Extensions.Logging;

namespace Acd.ThreeCx.Events;

// The one loop that changes the model and calls the observer: events, snapshots, removal deadlines and health changes
// queue up here, so the model never sees two of them interleaved and the observer is never called concurrently.
public sealed partial class ThreeCxEventStream
{
    private int _snapshotQueued;
    private long _removalGeneration;

    private abstract record WorkItem;

    private sealed record EventItem(ThreeCxEventMessage Message) : WorkItem;

    private sealed record SnapshotItem : WorkItem;

    private sealed record RemovalDueItem(string Dn, int Id, long Generation) : WorkItem;

    private sealed record HealthItem(bool Healthy, string? Reason) : WorkItem;

    private void Enqueue(WorkItem item) => _work.Writer.TryWrite(item);

    // Snapshots queued while one waits are the same snapshot.
    private void RequestSnapshot()
    {
        if (Interlocked.Exchange(ref _snapshotQueued, 1) == 0)
        {
            Enqueue(new SnapshotItem());
        }
    }

    private async Task ProcessAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            await foreach (var item in _work.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await HandleAsync(item, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is HttpRequestException or ThreeCxApiException or ThreeCxAuthException or System.Text.Json.JsonException ||
                                           (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    // The next snapshot repairs what this item could not learn.
                    _logger.LogWarning("3CX {Pbx}: {Item} failed: {Error}", _pbx.Name, item.GetType().Name, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private Task HandleAsync(WorkItem item, CancellationToken cancellationToken) => item switch
    {
        EventItem e => HandleEventAsync(e.Message, cancellationToken),
        SnapshotItem => SnapshotAsync(cancellationToken),
        RemovalDueItem r => CompleteRemovalAsync(r),
        HealthItem h => SetHealthAsync(h.Healthy, h.Reason),
        _ => Task.CompletedTask,
    };

    private async Task HandleEventAsync(ThreeCxEventMessage message, CancellationToken cancellationToken)
    {
        var isParticipant = ThreeCxClient.TryParseParticipantPath(message.Entity, out var dn, out var id);
        switch (message.Type)
        {
            case ThreeCxEventType.Upsert when isParticipant:
                // The event says only that something changed: what changed, and whether it still exists, comes from a GET.
                var participant = await _client.GetParticipantAsync(dn, id, cancellationToken).ConfigureAwait(false);
                if (participant is null)
                {
                    MarkGone(dn, id, ThreeCxRemovalReason.GoneOnFetch);
                }
                else
                {
                    await UpsertAsync(participant with { Dn = participant.Dn.Length == 0 ? dn : participant.Dn }).ConfigureAwait(false);
                }

                break;
            case ThreeCxEventType.Upsert when ThreeCxClient.TryParseDnPath(message.Entity, out var dnOnly):
                var info = await _client.GetDnAsync(dnOnly, cancellationToken).ConfigureAwait(false);
                await ReconcileAsync(info is null ? [] : [info], onlyDn: dnOnly).ConfigureAwait(false);
                break;
            case ThreeCxEventType.Remove when isParticipant:
                MarkGone(dn, id, ThreeCxRemovalReason.RemoveEvent);
                break;
            case ThreeCxEventType.Dtmf when message.DtmfInput is { Length: > 0 } digits:
                await NotifyAsync(() => _observer.DtmfReceivedAsync(_pbx.Name, isParticipant ? dn : DnOf(message.Entity), isParticipant ? id : 0, digits))
                    .ConfigureAwait(false);
                break;
            default:
                _logger.LogDebug("3CX {Pbx}: event {Type} on {Entity} needs nothing", _pbx.Name, message.Type, message.Entity);
                break;
        }
    }

    private async Task SnapshotAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _snapshotQueued, 0);
        var snapshot = await _client.GetSnapshotAsync(cancellationToken).ConfigureAwait(false);
        await ReconcileAsync(snapshot, onlyDn: null).ConfigureAwait(false);
        Volatile.Write(ref _health, _health with { LastSnapshotAt = _time.GetUtcNow() });
    }

    /// <summary>Makes the model match <paramref name="dns"/>: new and changed participants reported, missing ones start their grace.</summary>
    private async Task ReconcileAsync(IReadOnlyList<ThreeCxDnInfo> dns, string? onlyDn)
    {
        var seen = new HashSet<(string, int)>();
        foreach (var info in dns)
        {
            foreach (var participant in info.Participants)
            {
                var p = participant.Dn.Length == 0 ? participant with { Dn = info.Dn } : participant;
                seen.Add((p.Dn, p.Id));
                await UpsertAsync(p).ConfigureAwait(false);
            }
        }

        foreach (var key in Model.Keys())
        {
            if ((onlyDn is null || key.Dn == onlyDn) && !seen.Contains(key))
            {
                MarkGone(key.Dn, key.Id, ThreeCxRemovalReason.MissingFromSnapshot);
            }
        }
    }

    private async Task UpsertAsync(ThreeCxParticipant participant)
    {
        var (previous, changed) = Model.Upsert(participant);
        if (changed)
        {
            await NotifyAsync(() => _observer.ParticipantChangedAsync(_pbx.Name, participant, previous)).ConfigureAwait(false);
        }
    }

    private void MarkGone(string dn, int id, ThreeCxRemovalReason reason)
    {
        var generation = Interlocked.Increment(ref _removalGeneration);
        var grace = TimeSpan.FromMilliseconds(_pbx.RemovalGraceMilliseconds);
        Model.MarkGone((dn, id), reason, generation,
            () => _time.CreateTimer(_ => Enqueue(new RemovalDueItem(dn, id, generation)), null, grace, Timeout.InfiniteTimeSpan));
    }

    private async Task CompleteRemovalAsync(RemovalDueItem due)
    {
        if (Model.CompleteRemoval((due.Dn, due.Id), due.Generation) is { } removal)
        {
            await NotifyAsync(() => _observer.ParticipantRemovedAsync(_pbx.Name, removal)).ConfigureAwait(false);
        }
    }

    private async Task SetHealthAsync(bool healthy, string? reason)
    {
        var current = _health;
        if (current.Healthy == healthy && current.Reason == reason)
        {
            return;
        }

        var next = current with { Healthy = healthy, Reason = reason, Since = _time.GetUtcNow() };
        Volatile.Write(ref _health, next);
        await NotifyAsync(() => _observer.ConnectionStateChangedAsync(_pbx.Name, next)).ConfigureAwait(false);
    }

    // An observer's failure is its own: the stream goes on with the next notification.
    private async Task NotifyAsync(Func<Task> notify)
    {
        try
        {
            await notify().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "3CX {Pbx}: the observer failed", _pbx.Name);
        }
    }

    private static string DnOf(string entity) => ThreeCxClient.TryParseDnPath(entity, out var dn) ? dn : "";
}

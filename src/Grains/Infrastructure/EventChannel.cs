using Acd.Events;
using Microsoft.Extensions.Logging;
using Orleans.Utilities;

namespace Acd.Grains.Infrastructure;

/// <summary>
/// Fans a grain's events out to its observers, the reporting store and the metrics. Observer delivery is one-way,
/// so a slow or dead frontend never holds up the grain.
/// </summary>
internal sealed class EventChannel(ILogger logger, IReportingSink reporting, RoutingMetrics metrics)
{
    /// <summary>Subscriptions lapse unless renewed, so a crashed frontend's observers do not pile up.</summary>
    public static readonly TimeSpan SubscriptionLifetime = TimeSpan.FromMinutes(5);

    private readonly ObserverManager<IAcdObserver> _observers = new(SubscriptionLifetime, logger);

    public void Subscribe(IAcdObserver observer) => _observers.Subscribe(observer, observer);

    public void Unsubscribe(IAcdObserver observer) => _observers.Unsubscribe(observer);

    public void Publish(AcdEvent @event)
    {
        reporting.Append(@event);
        metrics.Observe(@event);
        if (_observers.Count > 0)
        {
            _observers.Notify(o => o.OnEventAsync(@event));
        }
    }
}

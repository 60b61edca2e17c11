using System.Diagnostics.Metrics;
using Acd.Events;

namespace Acd.Frontend.Observability;

/// <summary>The frontend's own metrics (meter "Acd.Frontend"), exported on /metrics next to ASP.NET Core's and Orleans' meters.</summary>
public sealed class FrontendMetrics : IDisposable
{
    public const string MeterName = "Acd.Frontend";

    private readonly Meter _meter;
    private readonly Counter<long> _events;
    private readonly Histogram<double> _eventDelay;
    private Func<int>? _subscriptions;

    public FrontendMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _events = _meter.CreateCounter<long>("acd.frontend.events.relayed", "{event}", "Grain events pushed to SignalR clients.");
        _eventDelay = _meter.CreateHistogram<double>("acd.frontend.events.delay", "ms", "Time from a grain's change to its push to SignalR.");
        _meter.CreateObservableGauge("acd.frontend.subscriptions", () => _subscriptions?.Invoke() ?? 0, "{grain}",
            "Grains this frontend observes.");
    }

    public void EventRelayed(AcdEvent @event, DateTimeOffset now)
    {
        var type = new KeyValuePair<string, object?>("type", @event.GetType().Name);
        _events.Add(1, type);
        _eventDelay.Record(Math.Max(0, (now - @event.At).TotalMilliseconds), type);
    }

    public void ObserveSubscriptions(Func<int> count) => _subscriptions = count;

    public void Dispose() => _meter.Dispose();
}

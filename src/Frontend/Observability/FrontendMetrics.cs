using System.Diagnostics.Metrics;
using Acd.Calls;
using Acd.Events;

namespace Acd.Frontend.Observability;

/// <summary>The frontend's own metrics (meter "Acd.Frontend"), exported on /metrics next to ASP.NET Core's and Orleans' meters.</summary>
public sealed class FrontendMetrics : IDisposable
{
    public const string MeterName = "Acd.Frontend";

    private readonly Meter _meter;
    private readonly Counter<long> _calls;
    private readonly Counter<long> _lookups;
    private readonly Counter<long> _events;
    private readonly Histogram<double> _eventDelay;
    private Func<int>? _subscriptions;

    public FrontendMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _calls = _meter.CreateCounter<long>("acd.frontend.calls.reported", "{call}", "Calls started through the API (inbound reports, click-to-dial).");
        _lookups = _meter.CreateCounter<long>("acd.frontend.customer.lookups", "{lookup}", "Caller lookups by source (crm, builtin, none, crm-error).");
        _events = _meter.CreateCounter<long>("acd.frontend.events.relayed", "{event}", "Grain events pushed to SignalR clients.");
        _eventDelay = _meter.CreateHistogram<double>("acd.frontend.events.delay", "ms", "Time from a grain's change to its push to SignalR.");
        _meter.CreateObservableGauge("acd.frontend.subscriptions", () => _subscriptions?.Invoke() ?? 0, "{grain}",
            "Grains this frontend observes.");
    }

    public void CallReported(CallDirection direction, bool success) =>
        _calls.Add(1, new KeyValuePair<string, object?>("direction", direction.ToString()), new KeyValuePair<string, object?>("success", success));

    public void CustomerLookup(string source) => _lookups.Add(1, new KeyValuePair<string, object?>("source", source));

    public void EventRelayed(AcdEvent @event, DateTimeOffset now)
    {
        var type = new KeyValuePair<string, object?>("type", @event.GetType().Name);
        _events.Add(1, type);
        _eventDelay.Record(Math.Max(0, (now - @event.At).TotalMilliseconds), type);
    }

    public void ObserveSubscriptions(Func<int> count) => _subscriptions = count;

    public void Dispose() => _meter.Dispose();
}

using System.Diagnostics.Metrics;
using Acd.Calls;

namespace Acd.CallControl;

/// <summary>Metrics of the call use cases (meter "Acd.CallControl"), the same whichever path started the call (API or SIP edge).</summary>
public sealed class CallControlMetrics : IDisposable
{
    public const string MeterName = "Acd.CallControl";

    private readonly Meter _meter;
    private readonly Counter<long> _calls;
    private readonly Counter<long> _lookups;

    public CallControlMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _calls = _meter.CreateCounter<long>("acd.calls.started", "{call}", "Calls started, by direction, origin (api, sip) and success.");
        _lookups = _meter.CreateCounter<long>("acd.calls.customer.lookups", "{lookup}", "Caller lookups by source (crm, builtin, none, crm-error).");
    }

    public void CallStarted(CallDirection direction, string origin, bool success) =>
        _calls.Add(1, new KeyValuePair<string, object?>("direction", direction.ToString()), new KeyValuePair<string, object?>("origin", origin),
            new KeyValuePair<string, object?>("success", success));

    public void CustomerLookup(string source) => _lookups.Add(1, new KeyValuePair<string, object?>("source", source));

    public void Dispose() => _meter.Dispose();
}

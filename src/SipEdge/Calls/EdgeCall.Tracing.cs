using System.Diagnostics;

namespace Acd.SipEdge.Calls;

/// <summary>The SIP edge's activity source: a trace per call (Telemetry:Traces, Telemetry:OtlpEndpoint).</summary>
public static class EdgeTracing
{
    public const string SourceName = "Acd.SipEdge";

    internal static readonly ActivitySource Source = new(SourceName);
}

/// <summary>
/// The call's trace: a root span from the first SIP message to the call's end on this edge, and a child span for each
/// piece of work the call does (starting the grain, each grain command, each leg outcome). The grain calls made inside
/// a child span carry its context, so the grains' and the storage's spans land in the same trace.
/// </summary>
internal sealed partial class EdgeCall
{
    private Activity? _trace;

    private void BeginTrace()
    {
        if (!EdgeTracing.Source.HasListeners())
        {
            return;
        }

        // A call is its own trace, whatever the receive loop or request that created it was doing; and the root span
        // must not stay current for that loop once it has been started.
        var current = Activity.Current;
        Activity.Current = null;
        _trace = EdgeTracing.Source.StartActivity("acd.call", ActivityKind.Server);
        Activity.Current = current;
        _trace?.SetTag("acd.call_id", CallId)
            .SetTag("acd.call.origin", Origin.ToString())
            .SetTag("acd.queue_id", QueueId.Length > 0 ? QueueId : null)
            .SetTag("acd.dialled", Dialled)
            .SetTag("acd.edge_id", _edge.EdgeId);
    }

    /// <summary>A child of the call's span, current until disposed; null when the call is not traced.</summary>
    private Activity? Span(string name)
    {
        if (_trace is null)
        {
            return null;
        }

        var span = EdgeTracing.Source.StartActivity(name, ActivityKind.Internal, _trace.Context);
        span?.SetTag("acd.call_id", CallId);
        return span;
    }

    private void EndTrace()
    {
        _trace?.SetTag("acd.call.state", _state.ToString()).Stop();
        _trace = null;
    }
}

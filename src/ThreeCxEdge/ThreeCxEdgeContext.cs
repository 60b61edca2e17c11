using Acd.CallControl.Calls;
using Acd.Calls;
using Acd.Media;
using Acd.SipEdge.Announcements;
using Acd.ThreeCx;
using Microsoft.Extensions.Logging;

namespace Acd.ThreeCxEdge;

/// <summary>What every 3CX-carried call uses: the cluster, the shared use cases, the queue audio and the clock.</summary>
internal sealed class ThreeCxEdgeContext(
    IGrainFactory grains,
    InboundCalls inbound,
    MediaEngine media,
    QueueAudio audio,
    TimeProvider time,
    ILogger<ThreeCxCall> logger)
{
    public IGrainFactory Grains => grains;

    public InboundCalls Inbound => inbound;

    public MediaEngine Media => media;

    public QueueAudio Audio => audio;

    public TimeProvider Time => time;

    public ILogger Logger => logger;

    /// <summary>The edge id 3CX-carried calls carry (CallInfo.EdgeId), by which the API knows what such a call can do.</summary>
    public static string EdgeIdOf(ThreeCxPbx pbx) => CallCarriers.ThreeCxPrefix + pbx.Name;
}

/// <summary>What a call carried by a 3CX PBX (<see cref="CallCarriers.IsThreeCx"/>) cannot do there.</summary>
public static class ThreeCxCarrier
{
    /// <summary>Why an action is refused on a 3CX-carried call: the Call Control API offers no such action.</summary>
    public static string Unsupported(string action) =>
        $"This call is carried by a 3CX PBX, whose Call Control API has no {action}; use the 3CX phone or app for it.";
}

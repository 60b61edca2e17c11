using Acd.Media;
using Acd.SipEdge.Registration;

namespace Acd.SipEdge.Bridging;

/// <summary>Makes each call's media: anchored in the edge's engine (the default), or direct pass-through (Media:Mode=direct).</summary>
internal sealed class CallMediaFactory(MediaEngine engine, CallAudio audio, TimeProvider time, bool srtpOverTls)
{
    public bool IsAnchoring => engine.IsAnchoring;

    /// <summary>What anchored calls play: the queues' music and announcements, ringback.</summary>
    public CallAudio Audio => audio;

    public ICallMedia Create(string callId, string? queueId, ICallMediaEvents events) =>
        engine.IsAnchoring ? new AnchoredMedia(engine, audio, callId, queueId, events) : new DirectMedia(time);

    /// <summary>How a phone is offered media: WebRTC to a browser, SDES-SRTP on TLS when enabled, plain RTP otherwise.</summary>
    public LegProfile ProfileFor(PhoneRoute route) => route.Device.Transport.ToUpperInvariant() switch
    {
        "WS" or "WSS" => LegProfile.WebRtc,
        "TLS" when srtpOverTls => LegProfile.Srtp,
        _ => LegProfile.Rtp,
    };
}

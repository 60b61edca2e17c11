using Acd.Media;
using Acd.Sip.Transports;
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

    /// <summary>
    /// How a phone is offered media: WebRTC to a browser, SDES-SRTP to a TLS phone when enabled, plain RTP otherwise. SRTP
    /// needs the INVITE itself to go over TLS: a TLS phone reached through another edge (a clear-text hop) or at a
    /// Contact that is not TLS gets plain RTP, since its keys would cross that hop readable.
    /// </summary>
    public LegProfile ProfileFor(PhoneRoute route) => ProfileFor(route, srtpOverTls);

    /// <summary>The rule itself, apart from any edge (<see cref="ProfileFor(PhoneRoute)"/>).</summary>
    public static LegProfile ProfileFor(PhoneRoute route, bool srtpOverTls) => route.Device.Transport.ToUpperInvariant() switch
    {
        "WS" or "WSS" => LegProfile.WebRtc,
        "TLS" when srtpOverTls && route.Target.Transport == SipTransportKind.Tls => LegProfile.Srtp,
        _ => LegProfile.Rtp,
    };
}

using Acd.SipEdge.Legs;

namespace Acd.SipEdge.Bridging;

/// <summary>How an outgoing leg's media is offered: the transport of the phone or trunk decides.</summary>
public enum LegProfile
{
    /// <summary>Plain RTP (RTP/AVP): trunks and desk phones.</summary>
    Rtp,
    /// <summary>SRTP with SDES keys (RTP/SAVP, RFC 4568): phones and trunks on TLS, when enabled.</summary>
    Srtp,
    /// <summary>WebRTC (ICE-lite, DTLS-SRTP, rtcp-mux): browsers over WebSocket.</summary>
    WebRtc,
}

/// <summary>What a media operation came to; a failure carries the SIP status to answer with.</summary>
public readonly record struct MediaOutcome(bool Ok, int Status, string? Reason)
{
    public static readonly MediaOutcome Success = new(true, 0, null);

    public static MediaOutcome Fail(int status, string reason) => new(false, status, reason);

    /// <summary>An RTP/SAVP offer on a leg without TLS (<see cref="Leg.OffersKeysInClear"/>).</summary>
    public static readonly MediaOutcome KeysInClear = Fail(488, "Not Acceptable Here - SDES-SRTP needs TLS signalling");
}

/// <summary>
/// The media of one call: which session descriptions its legs get and who hears whom. Two ways to do it: anchored (every
/// leg talks to the edge's media engine, which bridges, transcodes and plays music, so re-pointing never touches the
/// far ends) and direct (the edge passes descriptions between the legs and re-INVITEs them to re-point). The call uses
/// it from its mailbox only; its events come back through <see cref="ICallMediaEvents"/>.
/// </summary>
internal interface ICallMedia : IDisposable
{
    bool IsAnchored { get; }

    /// <summary>An incoming leg (a caller, an agent's own INVITE): what it will be answered with is decided now.</summary>
    MediaOutcome Open(Leg leg);

    /// <summary>The description to answer <paramref name="leg"/> with, once it talks to <paramref name="source"/>.</summary>
    string? AnswerFor(Leg leg, Leg? source);

    /// <summary>The offer of an INVITE to <paramref name="leg"/>, which will hear <paramref name="source"/> (null: nothing yet).</summary>
    MediaOutcome Offer(Leg leg, Leg? source, LegProfile profile, out string? offer);

    /// <summary>An outgoing leg answered (its description is in <see cref="LegSdp.Remote"/>).</summary>
    MediaOutcome Answered(Leg leg);

    /// <summary>The two hear each other and were set up that way: nothing to re-point.</summary>
    void Pair(Leg a, Leg b);

    /// <summary>The two hear each other from now on, re-pointed where needed.</summary>
    Task ConnectAsync(Leg a, Leg b);

    /// <summary>A call on hold: <paramref name="held"/> (the customer) hears hold music, <paramref name="other"/> nothing of it.</summary>
    Task HoldAsync(Leg held, Leg other);

    /// <summary><paramref name="leg"/> waits alone (parked, or while its agent consults): it hears hold music.</summary>
    Task IsolateAsync(Leg leg);

    /// <summary>A caller waiting in its queue hears the queue's music and announcements (anchored only).</summary>
    void Waiting(Leg leg);

    /// <summary>A caller whose agent's phone rings hears ringback (anchored only).</summary>
    void Ringback(Leg leg);

    /// <summary>A leg's own offer (re-INVITE: the phone's hold, a new address): the answer to give it, or null to refuse.</summary>
    Task<string?> OfferedAsync(Leg from, string offer);

    /// <summary>Sends DTMF to a leg in-band (RFC 4733) when it negotiated telephone-event; false when it must go as SIP INFO.</summary>
    bool SendDigits(Leg leg, string digits);

    /// <summary>Whether digits reach <paramref name="leg"/> in-band (the engine relays RFC 4733 to it by itself).</summary>
    bool TakesDigitsInBand(Leg leg);

    Leg? PeerOf(Leg leg);

    /// <summary>The leg ended or left the call: its media is released.</summary>
    void Remove(Leg leg);

    /// <summary>A leg arriving from another call (a phone's attended transfer joins the calls): its media comes along.</summary>
    void Adopt(Leg leg, ICallMedia from);
}

/// <summary>What the call hears from its media (anchored only): raised on engine threads, so the call posts them to its mailbox.</summary>
internal interface ICallMediaEvents
{
    void OnDigit(Leg leg, char digit);

    void OnMediaTimeout(Leg leg, TimeSpan silence);

    void OnMediaFailed(Leg leg, string reason);
}

using Acd.SipEdge.Legs;

namespace Acd.SipEdge.Bridging;

/// <summary>
/// Media that flows between the far ends (Media:Mode=direct, and every edge-to-edge hop): the edge passes each party's
/// description to the leg that hears it and re-INVITEs legs to re-point them (<see cref="Bridge"/>). Nothing is played:
/// waiting callers hear their own phone's ringback, held ones silence.
/// </summary>
internal sealed class DirectMedia(TimeProvider time) : ICallMedia
{
    private readonly Bridge _bridge = new(time);

    public bool IsAnchored => false;

    /// <summary>Nothing to open, but an SDES offer over clear text is refused here too: relayed, its keys would travel on.</summary>
    public MediaOutcome Open(Leg leg) => leg.OffersKeysInClear(leg.Sdp.Remote) ? MediaOutcome.KeysInClear : MediaOutcome.Success;

    public string? AnswerFor(Leg leg, Leg? source)
    {
        if (source is not null)
        {
            _bridge.Pointed(leg, source, SdpShape.AsIs);
        }

        return source?.Sdp.Remote;
    }

    public MediaOutcome Offer(Leg leg, Leg? source, LegProfile profile, out string? offer)
    {
        offer = source?.Sdp.Remote;
        _bridge.Pointed(leg, source, SdpShape.Active);
        return MediaOutcome.Success;
    }

    public MediaOutcome Answered(Leg leg) => MediaOutcome.Success;

    public void Pair(Leg a, Leg b) => _bridge.Pair(a, b);

    public Task ConnectAsync(Leg a, Leg b) => _bridge.ConnectAsync(a, b);

    public Task HoldAsync(Leg held, Leg other) => _bridge.HoldAsync(held, other);

    public Task IsolateAsync(Leg leg) => _bridge.IsolateAsync(leg);

    public void Waiting(Leg leg)
    {
    }

    public void Ringback(Leg leg)
    {
    }

    public Task<string?> OfferedAsync(Leg from, string offer) => _bridge.RelayOfferAsync(from, offer);

    public bool SendDigits(Leg leg, string digits) => false;

    public bool TakesDigitsInBand(Leg leg) => false;

    public Leg? PeerOf(Leg leg) => _bridge.PeerOf(leg);

    public void Remove(Leg leg) => _bridge.Remove(leg);

    public void Adopt(Leg leg, ICallMedia from)
    {
    }

    public void Dispose()
    {
    }
}

using Acd.SipEdge.Legs;

namespace Acd.SipEdge.Bridging;

/// <summary>
/// Who hears whom in one call. Each leg hears its peer (or nobody: a caller waiting, parked, or held during a
/// consultation), and its media is pointed at the party it hears. The edge passes session descriptions between the
/// legs (direct media): pointing a leg means offering it the other party's description in a re-INVITE, which the
/// bridge skips when the leg already has it. A media engine anchoring the RTP would re-point inside the engine instead.
/// Used from the call's mailbox only.
/// </summary>
internal sealed class Bridge(TimeProvider time)
{
    private readonly Dictionary<Leg, Leg> _peers = [];
    private readonly Dictionary<Leg, Pointing> _pointed = [];

    /// <summary>The party a leg talks to: where its re-INVITEs, INFO and DTMF go.</summary>
    public Leg? PeerOf(Leg leg) => _peers.GetValueOrDefault(leg);

    /// <summary>Records what a leg was given when it was set up (the offer of its INVITE, the answer to its INVITE).</summary>
    public void Pointed(Leg leg, Leg? source, SdpShape shape) => _pointed[leg] = new Pointing(source, shape, source?.Sdp.Remote);

    /// <summary>
    /// <paramref name="a"/> and <paramref name="b"/> hear each other and were set up that way (one's INVITE carried the
    /// other's offer, the answer came back): nothing to re-point.
    /// </summary>
    public void Pair(Leg a, Leg b)
    {
        Unpair(a);
        Unpair(b);
        _peers[a] = b;
        _peers[b] = a;
    }

    /// <summary><paramref name="a"/> and <paramref name="b"/> hear each other; both are re-pointed where needed.</summary>
    public Task ConnectAsync(Leg a, Leg b)
    {
        Unpair(a);
        Unpair(b);
        _peers[a] = b;
        _peers[b] = a;
        return Task.WhenAll(PointAsync(a, b, SdpShape.Active), PointAsync(b, a, SdpShape.Active));
    }

    /// <summary>The pair stays together but both sides are on hold (sendonly towards each, RFC 3264 8.4).</summary>
    public Task HoldAsync(Leg a, Leg b) => Task.WhenAll(PointAsync(a, b, SdpShape.Held), PointAsync(b, a, SdpShape.Held));

    /// <summary>
    /// <paramref name="leg"/> hears nobody (parked, or waiting while its agent consults): it is put on hold with the media
    /// it has now, so it keeps a session but gets no audio.
    /// </summary>
    public async Task IsolateAsync(Leg leg)
    {
        Unpair(leg);
        var now = _pointed.GetValueOrDefault(leg);
        if (now.Media is not { } media || now.Shape == SdpShape.Held)
        {
            return;
        }

        // The party it heard may have left already (a park drops the agent first): hold with the media it was given.
        if (await leg.ReofferAsync(media, SdpShape.Held, time))
        {
            lock (_pointed)
            {
                _pointed[leg] = now with { Shape = SdpShape.Held };
            }
        }
    }

    /// <summary>
    /// A leg made an offer itself (a phone's hold or new media address): it is passed to its peer as it is, and the
    /// peer's answer comes back for the leg's 200. Null when the leg has no peer or the peer refused.
    /// </summary>
    public async Task<string?> RelayOfferAsync(Leg from, string offer)
    {
        from.Sdp.Remote = offer;
        if (PeerOf(from) is not { } peer || !await peer.ReofferAsync(offer, SdpShape.AsIs, time))
        {
            return null;
        }

        _pointed[peer] = new Pointing(from, SdpShape.AsIs, offer);
        return peer.Sdp.Remote;
    }

    /// <summary>The leg ended or left the call.</summary>
    public void Remove(Leg leg)
    {
        Unpair(leg);
        _pointed.Remove(leg);
        foreach (var (other, pointed) in _pointed.ToList())
        {
            if (pointed.Source == leg)
            {
                _pointed[other] = pointed with { Source = null };
            }
        }
    }

    /// <summary>Offers <paramref name="leg"/> the media of <paramref name="source"/>, unless it has exactly that already.</summary>
    private async Task PointAsync(Leg leg, Leg source, SdpShape shape)
    {
        var wanted = new Pointing(source, shape, source.Sdp.Remote);
        if (_pointed.GetValueOrDefault(leg) == wanted)
        {
            return;
        }

        if (await leg.ReofferAsync(source.Sdp.Remote, shape, time))
        {
            // Both legs of a pair are re-pointed at once (ConnectAsync, HoldAsync): their continuations may meet here.
            lock (_pointed)
            {
                _pointed[leg] = wanted;
            }
        }
    }

    private void Unpair(Leg leg)
    {
        if (_peers.Remove(leg, out var peer) && _peers.GetValueOrDefault(peer) == leg)
        {
            _peers.Remove(peer);
        }
    }

    /// <summary>What a leg was last given: whose media, in which shape, and that media's text at the time.</summary>
    private readonly record struct Pointing(Leg? Source, SdpShape Shape, string? Media);
}

using System.Collections.Concurrent;
using Acd.Media;
using Acd.Media.Sessions;
using Acd.Media.Playback;
using Acd.Sip.Sdp;
using Acd.SipEdge.Announcements;
using Acd.SipEdge.Legs;

namespace Acd.SipEdge.Bridging;

/// <summary>
/// Every leg of the call talks to the edge's media engine (Media:Mode=anchor, the default): each leg has its own
/// endpoint and gets the engine's description, so a browser (WebRTC) and a trunk (RTP/AVP) can talk, the engine bridges
/// and transcodes, callers hear music, announcements and ringback (<see cref="CallAudio"/>), and re-pointing (hold,
/// transfer, park, consultation) happens inside the engine without re-INVITEing anyone.
/// <para>
/// The customer waiting in line has one <see cref="QueueAudioHandle"/> for the whole call: paused whenever its endpoint
/// is pointed at anything else (ringback, an agent, hold), resumed when it is back in line, so the music goes on where
/// it stopped and the announcements start over. Hold, park and consultation play the call's own music player, which
/// also goes on where it stopped.
/// </para>
/// </summary>
internal sealed class AnchoredMedia : ICallMedia
{
    private readonly MediaSession _session;
    private readonly CallAudio _audio;
    private readonly ICallMediaEvents _events;
    private readonly string? _queueId;
    private readonly Dictionary<Leg, MediaEndpoint> _endpoints = [];
    private readonly ConcurrentDictionary<MediaEndpoint, Leg> _legs = new();
    private readonly Dictionary<Leg, string> _answers = [];
    private readonly Dictionary<Leg, Leg> _peers = [];
    private QueueAudioHandle? _waiting;
    private MediaPlayer? _music;

    public AnchoredMedia(MediaEngine engine, CallAudio audio, string callId, string? queueId, ICallMediaEvents events)
    {
        _session = engine.CreateSession(callId);
        _audio = audio;
        _events = events;
        _queueId = queueId;
        _session.DtmfReceived += e =>
        {
            if (_legs.TryGetValue(e.Endpoint, out var leg))
            {
                _events.OnDigit(leg, e.Digit);
            }
        };
        _session.MediaTimeout += e =>
        {
            if (_legs.TryGetValue(e.Endpoint, out var leg))
            {
                _events.OnMediaTimeout(leg, e.Silence);
            }
        };
        _session.StateChanged += e =>
        {
            if (e.Current == EndpointState.Failed && _legs.TryGetValue(e.Endpoint, out var leg))
            {
                _events.OnMediaFailed(leg, e.Detail ?? e.Reason.ToString());
            }
        };
    }

    public bool IsAnchored => true;

    /// <summary>The queue's music for this call's held, parked or consultation-waiting legs, made on first use.</summary>
    private MediaPlayer Music => _music ??= _audio.Music(_queueId);

    public MediaOutcome Open(Leg leg)
    {
        if (leg.OffersKeysInClear(leg.Sdp.Remote))
        {
            return MediaOutcome.KeysInClear;
        }

        if (Endpoint(leg, out var failure) is not { } endpoint)
        {
            return failure;
        }

        if (leg.Sdp.Remote is not { Length: > 0 } offer)
        {
            // A late offer (INVITE without SDP): the engine offers in the 200, the ACK brings the answer.
            var late = endpoint.CreateOffer(MediaProfile.RtpAvp);
            return Keep(leg, late.Succeeded, late.Value, late.Detail);
        }

        var answer = endpoint.AcceptOffer(offer);
        return Keep(leg, answer.Succeeded, answer.Value, answer.Detail);
    }

    public string? AnswerFor(Leg leg, Leg? source) => _answers.GetValueOrDefault(leg);

    public MediaOutcome Offer(Leg leg, Leg? source, LegProfile profile, out string? offer)
    {
        offer = null;
        if (Endpoint(leg, out var failure) is not { } endpoint)
        {
            return failure;
        }

        var made = endpoint.CreateOffer(profile switch
        {
            LegProfile.WebRtc => MediaProfile.WebRtc,
            // The caller decided from the leg's transport (TLS) and the settings; the leg's own guard strips keys anyway.
            LegProfile.Srtp => MediaProfile.RtpSavp,
            _ => MediaProfile.RtpAvp,
        });
        if (!made.Succeeded)
        {
            return MediaOutcome.Fail(503, "Service Unavailable - " + made.Detail);
        }

        offer = made.Value;
        return MediaOutcome.Success;
    }

    public MediaOutcome Answered(Leg leg)
    {
        if (!_endpoints.TryGetValue(leg, out var endpoint) || leg.Sdp.Remote is not { Length: > 0 } answer)
        {
            return MediaOutcome.Fail(488, "Not Acceptable Here - no session description in the answer");
        }

        var status = endpoint.AcceptAnswer(answer);
        return status.Succeeded ? MediaOutcome.Success : MediaOutcome.Fail(488, "Not Acceptable Here - " + status.Detail);
    }

    public void Pair(Leg a, Leg b)
    {
        if (_endpoints.TryGetValue(a, out var ea) && _endpoints.TryGetValue(b, out var eb))
        {
            Unpair(a);
            Unpair(b);
            _peers[a] = b;
            _peers[b] = a;
            BridgeEndpoints(ea, eb);
        }
    }

    public Task ConnectAsync(Leg a, Leg b)
    {
        Pair(a, b);
        return Task.CompletedTask;
    }

    public Task HoldAsync(Leg held, Leg other)
    {
        if (_endpoints.TryGetValue(held, out var eh) && _endpoints.TryGetValue(other, out var eo))
        {
            LeaveWaiting(eh);
            LeaveWaiting(eo);
            _session.Hold(eh, eo, Music);
        }

        return Task.CompletedTask;
    }

    public Task IsolateAsync(Leg leg)
    {
        Unpair(leg);
        if (_endpoints.TryGetValue(leg, out var endpoint))
        {
            Hear(endpoint, Music);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// The customer is in line: the queue's music and announcements, resumed where they were if it waited before (a
    /// call without a queue, e.g. an outbound one given back, hears the music alone).
    /// </summary>
    public void Waiting(Leg leg)
    {
        if (!_endpoints.TryGetValue(leg, out var endpoint))
        {
            return;
        }

        if (_queueId is null)
        {
            Hear(endpoint, Music);
        }
        else if (_waiting is { } waiting && waiting.Endpoint == endpoint)
        {
            waiting.Resume();
        }
        else
        {
            _waiting?.Dispose();
            _waiting = _audio.Waiting(endpoint, _queueId, _session.Id);
        }
    }

    public void Ringback(Leg leg)
    {
        if (_endpoints.TryGetValue(leg, out var endpoint) && !_peers.ContainsKey(leg))
        {
            Hear(endpoint, _audio.Ringback);
        }
    }

    /// <summary>
    /// A leg's own re-offer is answered by the engine. A hold from the phone (sendonly/inactive) leaves its peer with hold
    /// music; a resume (sendrecv again) bridges them again. The peer's far end is never re-INVITEd.
    /// </summary>
    public Task<string?> OfferedAsync(Leg from, string offer)
    {
        from.Sdp.Remote = offer;
        if (!_endpoints.TryGetValue(from, out var endpoint) || from.OffersKeysInClear(offer))
        {
            return Task.FromResult<string?>(null);
        }

        var answer = endpoint.AcceptOffer(offer);
        if (!answer.Succeeded)
        {
            return Task.FromResult<string?>(null);
        }

        if (PeerOf(from) is { } peer && _endpoints.TryGetValue(peer, out var other))
        {
            if (LegSdp.IsHold(offer))
            {
                Hear(other, Music);
                LeaveWaiting(endpoint);
                endpoint.ListenToSilence();
            }
            else
            {
                BridgeEndpoints(endpoint, other);
            }
        }

        return Task.FromResult<string?>(answer.Value);
    }

    public bool SendDigits(Leg leg, string digits) => TakesDigitsInBand(leg) && _endpoints[leg].SendDtmf(digits);

    /// <summary>
    /// RFC 4733 when the leg negotiated telephone-event, except browsers: WebRTC offers telephone-event but gives a page no
    /// way to see the events it receives, so a browser phone gets digits as SIP INFO, which its SIP library surfaces.
    /// </summary>
    public bool TakesDigitsInBand(Leg leg) =>
        _endpoints.TryGetValue(leg, out var endpoint) && endpoint.TakesTelephoneEvents && endpoint.Profile != MediaProfile.WebRtc;

    public Leg? PeerOf(Leg leg) => _peers.GetValueOrDefault(leg);

    public void Remove(Leg leg)
    {
        Unpair(leg);
        _answers.Remove(leg);
        if (_endpoints.Remove(leg, out var endpoint))
        {
            _legs.TryRemove(endpoint, out _);
            DoneWaiting(endpoint);
            _session.Remove(endpoint);
        }
    }

    public void Adopt(Leg leg, ICallMedia from)
    {
        if (from is AnchoredMedia other && other.Release(leg) is { } endpoint && _session.Adopt(endpoint))
        {
            _endpoints[leg] = endpoint;
            _legs[endpoint] = leg;
        }
    }

    /// <summary>Gives a leg up to another call: the endpoint is not closed here.</summary>
    private MediaEndpoint? Release(Leg leg)
    {
        Unpair(leg);
        if (_endpoints.Remove(leg, out var endpoint))
        {
            _legs.TryRemove(endpoint, out _);
            DoneWaiting(endpoint);
        }

        return endpoint;
    }

    public void Dispose()
    {
        _waiting?.Dispose();
        _waiting = null;
        _session.Dispose();
    }

    /// <summary>The endpoint hears <paramref name="player"/> instead of whatever it heard (the line's audio waits).</summary>
    private void Hear(MediaEndpoint endpoint, MediaPlayer player)
    {
        LeaveWaiting(endpoint);
        endpoint.ListenTo(player);
    }

    private void BridgeEndpoints(MediaEndpoint a, MediaEndpoint b)
    {
        LeaveWaiting(a);
        LeaveWaiting(b);
        _session.Bridge(a, b);
    }

    /// <summary>The endpoint is pointed elsewhere: its announcements stop and its music waits for its return to the line.</summary>
    private void LeaveWaiting(MediaEndpoint endpoint)
    {
        if (_waiting is { } waiting && waiting.Endpoint == endpoint)
        {
            waiting.Pause();
        }
    }

    /// <summary>The endpoint leaves the call: its line audio ends.</summary>
    private void DoneWaiting(MediaEndpoint endpoint)
    {
        if (_waiting is { } waiting && waiting.Endpoint == endpoint)
        {
            waiting.Dispose();
            _waiting = null;
        }
    }

    /// <summary>The leg's endpoint, made on first use; a dry port pool is 503 for this call and nothing else.</summary>
    private MediaEndpoint? Endpoint(Leg leg, out MediaOutcome failure)
    {
        failure = MediaOutcome.Success;
        if (_endpoints.TryGetValue(leg, out var existing))
        {
            return existing;
        }

        var made = _session.CreateEndpoint(leg.Kind.ToString().ToLowerInvariant());
        if (!made.Succeeded)
        {
            failure = MediaOutcome.Fail(503, "Service Unavailable - " + made.Detail);
            return null;
        }

        _endpoints[leg] = made.Value!;
        _legs[made.Value!] = leg;
        return made.Value;
    }

    private MediaOutcome Keep(Leg leg, bool succeeded, string? sdp, string? detail)
    {
        if (!succeeded || sdp is null)
        {
            Remove(leg);
            return MediaOutcome.Fail(488, "Not Acceptable Here - " + detail);
        }

        _answers[leg] = sdp;
        return MediaOutcome.Success;
    }

    private void Unpair(Leg leg)
    {
        if (_peers.Remove(leg, out var peer) && _peers.GetValueOrDefault(peer) == leg)
        {
            _peers.Remove(peer);
        }
    }
}

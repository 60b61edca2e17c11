using System.Net;
using System.Security.Cryptography;
using Acd.Media.Codecs;
using Acd.Media.Dtls;
using Acd.Media.Sdp;
using Acd.Media.Srtp;
using Acd.Media.Stun;

namespace Acd.Media.Sessions;

/// <summary>Offer/answer (RFC 3264) in SDP terms, with the security each profile needs.</summary>
public sealed partial class MediaEndpoint
{
    private readonly ulong _sdpSessionId;
    private ulong _sdpVersion;
    private MediaProfile? _offeredProfile;
    private LocalDescription? _pendingOffer;
    private RemoteDescription? _remote;
    private byte[]? _remoteSdesKey;
    private string? _remoteFingerprint;

    /// <summary>
    /// Makes the engine's offer for this leg in <paramref name="profile"/>. A re-offer (hold, refresh) keeps the
    /// ports, keys and ICE credentials; changing the profile of a negotiated leg is refused.
    /// </summary>
    public MediaResult<string> CreateOffer(MediaProfile profile, MediaDirection direction = MediaDirection.SendRecv)
    {
        try
        {
            lock (_stateLock) return CreateOfferLocked(profile, direction);
        }
        finally
        {
            RaiseDeferredTransition();
        }
    }

    private MediaResult<string> CreateOfferLocked(MediaProfile profile, MediaDirection direction)
    {
        if (_state is EndpointState.Closed or EndpointState.Failed) return MediaResult<string>.Fail(MediaError.Closed, $"endpoint is {_state}");
        if (_plan is { } plan && plan.Profile != profile)
            return MediaResult<string>.Fail(MediaError.InvalidState, $"the leg was negotiated as {plan.Profile}; a new profile needs a new endpoint");
        _offeredProfile = profile;
        IReadOnlyList<SdesCrypto> crypto = [];
        if (profile == MediaProfile.RtpSavp)
        {
            crypto = _pendingOffer?.Crypto is { Count: > 0 } existing ? existing : _localSdes is { } current ? [current] :
                [NewSdes(1, SrtpProfile.AesCm128HmacSha1_80), NewSdes(2, SrtpProfile.AesCm128HmacSha1_32)];
        }
        if (profile == MediaProfile.WebRtc) _ice ??= new IceLiteAgent(_time);
        var local = Describe(profile, _engine.Codecs.Select(c => (c.StaticPayloadType(), c)).ToList(),
            (byte)_engine.Options.TelephoneEventPayloadType, direction, crypto, setup: "actpass", mid: _remote?.Mid ?? "0", bundle: true, [], []);
        _pendingOffer = local;
        if (_state == EndpointState.Allocated) Promote(EndpointState.Offered);
        var sdp = SdpNegotiator.Write(local);
        _sdpVersion++;
        return MediaResult<string>.Ok(sdp);
    }

    /// <summary>
    /// Answers a remote offer. <paramref name="preferredCodec"/> picks that codec when offered, so the edge can
    /// avoid transcoding against the other leg. Bad or unsupported offers give a failure, never an exception.
    /// </summary>
    public MediaResult<string> AcceptOffer(string remoteSdp, AudioCodec? preferredCodec = null, MediaDirection direction = MediaDirection.SendRecv)
    {
        var read = SdpNegotiator.Read(remoteSdp, _engine.Codecs, preferredCodec);
        if (!read.Succeeded) return MediaResult<string>.Fail(read.Error, read.Detail!);
        var remote = read.Value!;
        string answer;
        lock (_stateLock)
        {
            if (_state is EndpointState.Closed or EndpointState.Failed) return MediaResult<string>.Fail(MediaError.Closed, $"endpoint is {_state}");
            if (_plan is { } plan && plan.Profile != remote.Profile)
                return MediaResult<string>.Fail(MediaError.UnsupportedProfile, $"the leg was negotiated as {plan.Profile}, the offer is {remote.Protocol}");
            IReadOnlyList<SdesCrypto> crypto = [];
            string? setup = null;
            DtlsRole role = DtlsRole.Server;
            switch (remote.Profile)
            {
                case MediaProfile.RtpSavp:
                    var theirs = remote.Crypto[0];
                    if (_localSdes is null || _localSdes.Suite != theirs.Suite || _localSdes.Tag != theirs.Tag) _localSdes = NewSdes(theirs.Tag, theirs.Suite);
                    crypto = [_localSdes];
                    SetSdesKeys(theirs);
                    break;
                case MediaProfile.WebRtc:
                    _ice ??= new IceLiteAgent(_time);
                    _ice.SetRemoteCredentials(remote.IceUfrag!, remote.IcePassword!);
                    // RFC 8842 5.3: the answerer of actpass/active is passive (DTLS server); of passive, active (client).
                    role = remote.Setup == "passive" ? DtlsRole.Client : DtlsRole.Server;
                    setup = role == DtlsRole.Server ? "passive" : "active";
                    break;
            }
            var answerDirection = MediaDirections.Answer(remote.Direction, direction);
            var te = remote.Codecs.TelephoneEventPayloadType;
            var local = Describe(remote.Profile, [(remote.Codecs.AudioPayloadType, remote.Codecs.Audio)], te, answerDirection, crypto, setup,
                remote.Mid, remote.Bundle && remote.Mid is not null, remote.Before, remote.After, remote.RtcpMux || remote.Profile == MediaProfile.WebRtc);
            _pendingOffer = null;
            Apply(remote, local, role);
            _sdpVersion++;
            answer = SdpNegotiator.Write(local);
        }
        RaiseDeferredTransition();
        return MediaResult<string>.Ok(answer);
    }

    /// <summary>Takes the answer to the engine's last offer.</summary>
    public MediaStatus AcceptAnswer(string remoteSdp)
    {
        LocalDescription? offer;
        lock (_stateLock) offer = _pendingOffer;
        if (offer is null) return MediaStatus.Fail(MediaError.InvalidState, "no offer is pending");
        var offeredCodecs = offer.AudioFormats.Select(f => f.Codec).ToList();
        var read = SdpNegotiator.Read(remoteSdp, offeredCodecs, null);
        if (!read.Succeeded) return MediaStatus.Fail(read.Error, read.Detail!);
        var remote = read.Value!;
        if (remote.Profile != offer.Profile) return MediaStatus.Fail(MediaError.UnsupportedProfile, $"offered {SdpNegotiator.ProtocolOf(offer.Profile)}, answered {remote.Protocol}");
        lock (_stateLock)
        {
            if (_state is EndpointState.Closed or EndpointState.Failed) return MediaStatus.Fail(MediaError.Closed, $"endpoint is {_state}");
            if (!ReferenceEquals(_pendingOffer, offer)) return MediaStatus.Fail(MediaError.InvalidState, "another negotiation happened meanwhile");
            var role = DtlsRole.Server;
            var local = offer;
            switch (remote.Profile)
            {
                case MediaProfile.RtpSavp:
                    var answered = remote.Crypto.FirstOrDefault(c => offer.Crypto.Any(o => o.Tag == c.Tag && o.Suite == c.Suite));
                    if (answered is null) return MediaStatus.Fail(MediaError.NoUsableCrypto, "the answer's a=crypto matches none offered");
                    _localSdes = offer.Crypto.First(o => o.Tag == answered.Tag);
                    SetSdesKeys(answered);
                    local = offer with { Crypto = [_localSdes] };
                    break;
                case MediaProfile.WebRtc:
                    _ice!.SetRemoteCredentials(remote.IceUfrag!, remote.IcePassword!);
                    // We offered actpass: an active answerer makes us the server, a passive one the client.
                    role = remote.Setup == "passive" ? DtlsRole.Client : DtlsRole.Server;
                    break;
            }
            _pendingOffer = null;
            Apply(remote, local with { RtcpMux = remote.RtcpMux || remote.Profile == MediaProfile.WebRtc }, role);
            _sdpVersion++;
        }
        RaiseDeferredTransition();
        return MediaStatus.Ok;
    }

    private SdesCrypto? _localSdes;

    private static SdesCrypto NewSdes(int tag, SrtpProfile suite) =>
        new(tag, suite, RandomNumberGenerator.GetBytes(SrtpProfiles.MasterKeyLength + SrtpProfiles.MasterSaltLength));

    /// <summary>Keys change only when the remote's key does (a re-INVITE repeating the key keeps the roll-over counters).</summary>
    private void SetSdesKeys(SdesCrypto remote)
    {
        if (_remoteSdesKey is not null && _remoteSdesKey.AsSpan().SequenceEqual(remote.KeyAndSalt) && _srtpOut?.Profile == remote.Suite) return;
        _remoteSdesKey = remote.KeyAndSalt;
        _srtpIn = new SrtpContext(remote.Suite, remote.Key, remote.Salt);
        _srtpOut = new SrtpContext(remote.Suite, _localSdes!.Key, _localSdes.Salt);
    }

    private LocalDescription Describe(MediaProfile profile, IReadOnlyList<(byte, AudioCodec)> formats, byte? telephoneEvent, MediaDirection direction,
        IReadOnlyList<SdesCrypto> crypto, string? setup, string? mid, bool bundle, IReadOnlyList<RejectedSection> before,
        IReadOnlyList<RejectedSection> after, bool? rtcpMux = null)
    {
        var webRtc = profile == MediaProfile.WebRtc;
        return new LocalDescription
        {
            Profile = profile,
            Address = _engine.PublicAddress,
            RtpPort = _ports.RtpPort,
            RtcpPort = _ports.RtcpPort,
            RtcpMux = rtcpMux ?? webRtc,
            AudioFormats = formats,
            TelephoneEventPayloadType = telephoneEvent,
            Direction = direction,
            SessionId = _sdpSessionId,
            SessionVersion = _sdpVersion,
            Ssrc = _out.Ssrc,
            Cname = System.Text.Encoding.ASCII.GetString(_cname),
            Crypto = crypto,
            IceUfrag = webRtc ? _ice!.LocalUfrag : null,
            IcePassword = webRtc ? _ice!.LocalPassword : null,
            Fingerprint = webRtc ? _engine.Certificate.Fingerprint : null,
            Setup = webRtc ? setup : null,
            Mid = webRtc ? mid : null,
            Bundle = webRtc && bundle,
            Before = before,
            After = after,
        };
    }

    /// <summary>Installs a completed negotiation: what to send, what to accept, where to, and the next state.</summary>
    private void Apply(RemoteDescription remote, LocalDescription local, DtlsRole role)
    {
        var map = new PayloadKind[128];
        foreach (var (pt, codec) in local.AudioFormats.Concat(remote.AudioFormats)) map[pt] = codec == AudioCodec.Pcma ? PayloadKind.Pcma : PayloadKind.Pcmu;
        if (local.TelephoneEventPayloadType is { } lte) map[lte] = PayloadKind.TelephoneEvent;
        if (remote.Codecs.TelephoneEventPayloadType is { } rte) map[rte] = PayloadKind.TelephoneEvent;
        if (map[AudioCodecs.ComfortNoisePayloadType] == PayloadKind.Unknown) map[AudioCodecs.ComfortNoisePayloadType] = PayloadKind.ComfortNoise;
        if (remote.Codecs.ComfortNoisePayloadType is { } cn) map[cn] = PayloadKind.ComfortNoise;

        var webRtc = remote.Profile == MediaProfile.WebRtc;
        var mux = local.RtcpMux;
        if (!mux && _rtcp is null && _ports.BindRtcp(_engine.BindIPAddress) is { } rtcpSocket)
        {
            _rtcp = new Transport.UdpChannel(rtcpSocket, this, _logger);
            _rtcp.Start();
        }
        var canSend = remote.Direction.Receives() && local.Direction.Sends() && (webRtc || remote.HasAddress);
        var remoteSends = remote.Direction.Sends() && local.Direction.Receives();
        if (!webRtc)
        {
            var addressChanged = _remote is null || !Equals(_remote.Address, remote.Address) || _remote.RtpPort != remote.RtpPort;
            if (addressChanged || !_rtpLatched)
            {
                _rtpTarget = ToSocketAddress(remote.Address, remote.RtpPort);
                _rtcpTarget = ToSocketAddress(remote.Address, remote.RtcpPort);
                _rtpLatched = false;
                _rtcpLatched = false;
            }
        }
        _remote = remote;
        _plan = new StreamPlan(remote.Profile, remote.Codecs, map, canSend, remoteSends, mux);
        _lastMediaTimestamp = _time.GetTimestamp();
        _timeoutRaised = false;
        _engine.Register(this);
        if (!webRtc)
        {
            Promote(EndpointState.Negotiated);
            return;
        }
        if (_dtls is null || _remoteFingerprint != remote.Fingerprint || _dtls.Role != role)
        {
            _dtls?.Dispose();
            _remoteFingerprint = remote.Fingerprint;
            _srtpIn = null;
            _srtpOut = null;
            _dtls = new DtlsSrtpTransport(_engine.Certificate, role, remote.FingerprintHash!, remote.Fingerprint!, SendRaw, OnDtlsKeys, OnDtlsFailed, _logger);
            if (role == DtlsRole.Server || _rtpTarget is not null) _dtls.Start();
        }
        Promote(EndpointState.Connecting);
    }

    /// <summary>State changes from inside the state lock are deferred to after it (events run without our locks).</summary>
    private void Promote(EndpointState next)
    {
        var current = _state;
        if (current == next || Array.IndexOf(AllowedTransitions[(int)current], next) < 0) return;
        _state = next;
        _deferredTransition = (_deferredTransition?.From ?? current, next);
    }

    private (EndpointState From, EndpointState To)? _deferredTransition;

    private void RaiseDeferredTransition()
    {
        (EndpointState From, EndpointState To)? transition;
        lock (_stateLock)
        {
            transition = _deferredTransition;
            _deferredTransition = null;
        }
        if (transition is { } t) Session.Raise(new EndpointStateChanged(this, t.From, t.To, MediaError.None, null));
    }

    private void OnDtlsKeys(DtlsSrtpKeys keys)
    {
        _srtpOut = new SrtpContext(SrtpProfile.AesCm128HmacSha1_80, keys.LocalKey, keys.LocalSalt);
        _srtpIn = new SrtpContext(SrtpProfile.AesCm128HmacSha1_80, keys.RemoteKey, keys.RemoteSalt);
        TransitionTo(EndpointState.Active);
    }

    private void OnDtlsFailed(string reason) => TransitionTo(EndpointState.Failed, MediaError.DtlsFailed, reason);

    /// <summary>The ICE-lite credentials of this leg (tests, diagnostics).</summary>
    public (string Ufrag, string Password)? LocalIceCredentials => _ice is { } ice ? (ice.LocalUfrag, ice.LocalPassword) : null;

    internal IPAddress? RemoteSdpAddress => _remote?.Address;
}

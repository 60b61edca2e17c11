namespace Acd.Media.Sessions;

/// <summary>What was wrong, in terms the SIP edge can map to a response (488, 503...).</summary>
public enum MediaError
{
    None,

    /// <summary>The port pool is exhausted: answer 503 (established sessions are unaffected).</summary>
    NoPortAvailable,

    /// <summary>The SDP does not parse.</summary>
    BadSdp,

    /// <summary>No usable audio m= line.</summary>
    NoAudio,

    /// <summary>Neither PCMU nor PCMA offered (or not among the configured codecs): answer 488.</summary>
    NoCommonCodec,

    /// <summary>A transport profile the engine does not speak.</summary>
    UnsupportedProfile,

    /// <summary>RTP/SAVP without an a=crypto line the engine supports.</summary>
    NoUsableCrypto,

    /// <summary>WebRTC SDP without ice-ufrag/ice-pwd.</summary>
    MissingIceCredentials,

    /// <summary>WebRTC SDP without a=fingerprint, or with a hash function the engine does not know.</summary>
    BadFingerprint,

    /// <summary>The remote's certificate did not match its fingerprint, or the DTLS handshake failed.</summary>
    DtlsFailed,

    /// <summary>The call does not fit the endpoint's state (e.g. an answer without an offer).</summary>
    InvalidState,

    /// <summary>The endpoint or engine is closed.</summary>
    Closed,
}

/// <summary>A result that is either a value or a failure naming what was wrong; bad remote input never throws.</summary>
public readonly record struct MediaResult<T>(T? Value, MediaError Error, string? Detail) where T : class
{
    public bool Succeeded => Error == MediaError.None && Value is not null;

    public static MediaResult<T> Ok(T value) => new(value, MediaError.None, null);

    public static MediaResult<T> Fail(MediaError error, string detail) => new(null, error, detail);

    public override string ToString() => Succeeded ? $"ok: {Value}" : $"{Error}: {Detail}";
}

/// <summary>The transport profile of a leg.</summary>
public enum MediaProfile
{
    /// <summary>Plain RTP/AVP (trunks, desk phones): separate RTCP port unless rtcp-mux is offered.</summary>
    RtpAvp,

    /// <summary>RTP/SAVP with SDES keys (RFC 4568 a=crypto), for phones and trunks on SIP over TLS.</summary>
    RtpSavp,

    /// <summary>UDP/TLS/RTP/SAVPF: ICE-lite, DTLS-SRTP, rtcp-mux (browsers).</summary>
    WebRtc,
}

/// <summary>Success, or a failure naming what was wrong (for operations that return nothing else).</summary>
public readonly record struct MediaStatus(MediaError Error, string? Detail)
{
    public bool Succeeded => Error == MediaError.None;

    public static MediaStatus Ok => default;

    public static MediaStatus Fail(MediaError error, string detail) => new(error, detail);

    public override string ToString() => Succeeded ? "ok" : $"{Error}: {Detail}";
}

namespace Acd.Media.Sessions;

/// <summary>
/// The lifecycle of a leg. Transitions only go forward (re-negotiation of an established leg keeps its state);
/// <see cref="MediaEndpoint"/> checks every change against one table.
/// </summary>
public enum EndpointState
{
    /// <summary>Ports bound, nothing negotiated yet.</summary>
    Allocated,

    /// <summary>The engine's offer is out; waiting for the answer.</summary>
    Offered,

    /// <summary>Offer and answer agree; plain RTP can flow, the remote address is not latched yet.</summary>
    Negotiated,

    /// <summary>WebRTC: waiting for ICE and the DTLS handshake.</summary>
    Connecting,

    /// <summary>Media arrived (and, for SRTP, authenticated): latched and flowing.</summary>
    Active,

    /// <summary>DTLS failed or the peer's certificate did not match its fingerprint: hang up the call.</summary>
    Failed,

    /// <summary>Disposed: ports released.</summary>
    Closed,
}

/// <summary>A DTMF digit from a leg (RFC 4733), reported once however many end packets arrived.</summary>
public sealed record DtmfReceived(MediaEndpoint Endpoint, char Digit, TimeSpan Duration);

/// <summary>No RTP from an established leg for the configured time (rtpengine's "timeout"): the call is likely dead.</summary>
public sealed record MediaTimedOut(MediaEndpoint Endpoint, TimeSpan Silence);

/// <summary>A leg changed state; <see cref="Reason"/> says why it failed, if it did.</summary>
public sealed record EndpointStateChanged(MediaEndpoint Endpoint, EndpointState Previous, EndpointState Current, MediaError Reason, string? Detail);

/// <summary>What a leg hears (its outbound media).</summary>
public enum EndpointInput
{
    /// <summary>Nothing is sent.</summary>
    Nothing,

    /// <summary>Encoded silence every 20 ms: keeps NAT bindings and the far end's own timeout alive.</summary>
    Silence,

    /// <summary>The packets of another leg, passed through or transcoded.</summary>
    Endpoint,

    /// <summary>A player (music on hold, prompts, ringback).</summary>
    Player,
}

namespace Acd.Frontend.WebRtc;

/// <summary>
/// The ICE servers the agent desktop's browser phone uses (section "WebRtc"). Empty by default: on a network where the
/// browser reaches the edge's media address directly, host candidates are enough. Collections start empty because
/// configuration binding appends to default items.
/// </summary>
public sealed class WebRtcOptions
{
    public const string Section = "WebRtc";

    /// <summary>STUN (or TURN with fixed credentials) servers, handed to RTCPeerConnection as they are.</summary>
    public List<IceServerOptions> IceServers { get; } = [];

    /// <summary>A TURN server (coturn) whose credentials are minted per agent session from a shared secret.</summary>
    public TurnOptions Turn { get; set; } = new();
}

public sealed class IceServerOptions
{
    /// <summary>stun:host:port, turn:host:port?transport=udp, turns:host:443?transport=tcp.</summary>
    public List<string> Urls { get; } = [];

    public string? Username { get; set; }

    public string? Credential { get; set; }
}

/// <summary>
/// coturn's shared-secret scheme ("REST API" credentials: <c>use-auth-secret</c> and <c>static-auth-secret</c> in
/// turnserver.conf): the username is the expiry time and the agent, the password an HMAC of it, so coturn checks them
/// without asking the ACD and they stop working on their own.
/// </summary>
public sealed class TurnOptions
{
    public List<string> Urls { get; } = [];

    /// <summary>coturn's static-auth-secret. No secret, no TURN server handed out.</summary>
    public string? SharedSecret { get; set; }

    /// <summary>How long minted credentials stay valid: a shift, by default 12 hours.</summary>
    public int CredentialLifetimeSeconds { get; set; } = 12 * 3600;
}

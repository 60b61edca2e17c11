using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Acd.SipEdge.Hosting;

/// <summary>Configuration section "Sip" (environment form <c>Sip__UdpPort</c>): where the SIP edge listens and whom it trusts.</summary>
public sealed class SipEdgeOptions
{
    public const string Section = "Sip";

    /// <summary>Set false to run a frontend without SIP (CTI-only deployments).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Address the UDP, TCP and TLS listeners bind to.</summary>
    public string ListenAddress { get; set; } = "0.0.0.0";

    /// <summary>UDP port; 0 disables the UDP listener.</summary>
    public int UdpPort { get; set; } = 5060;

    /// <summary>TCP port; 0 disables the TCP listener.</summary>
    public int TcpPort { get; set; } = 5060;

    /// <summary>SIP over TLS port (5061 is usual); 0, the default, opens no TLS listener. Needs <see cref="Tls"/>'s certificate.</summary>
    public int TlsPort { get; set; }

    /// <summary>The TLS listener's certificate, and whom the edge trusts when it connects out over TLS (a TLS trunk).</summary>
    public SipEdgeTlsOptions Tls { get; set; } = new();

    /// <summary>
    /// Host written into Via and Contact. Defaults to <see cref="ListenAddress"/> when that is a concrete address,
    /// otherwise to the machine's first non-loopback IPv4 address (a wildcard address is useless to a peer).
    /// </summary>
    public string? PublicHost { get; set; }

    /// <summary>SIP domain of the agents' addresses (sip:&lt;agent id&gt;@domain) and the digest realm. Defaults to the public host.</summary>
    public string? Domain { get; set; }

    /// <summary>Identifies this edge in device bindings, so a call for an agent goes out through the edge holding its flow.</summary>
    public string? EdgeId { get; set; }

    /// <summary>
    /// host:port where the other edges of a cluster reach this one over SIP (UDP), to ring a phone whose WebSocket, TCP
    /// connection or NAT binding this edge holds. Defaults to the public host and the UDP port; in Kubernetes, the pod's
    /// own address (status.podIP), since a load-balanced address would not lead to this pod.
    /// </summary>
    public string? EdgeAddress { get; set; }

    /// <summary>
    /// Key (base64, 32+ bytes) that signs edge-to-edge hops, shared by every frontend of a cluster; defaults to
    /// Auth:SigningKey, which cluster mode already requires to be shared. Without one an edge accepts no hops.
    /// </summary>
    public string? EdgeSecret { get; set; }

    /// <summary>
    /// IP addresses or CIDR ranges (e.g. "10.0.0.0/8", "192.0.2.10") of trunks and PBXs allowed to send calls
    /// without digest authentication. Everybody else authenticates as an agent with its SIP password.
    /// </summary>
    public List<string> TrunkAllowList { get; set; } = [];

    /// <summary>
    /// Lets browsers call without credentials over SIP over WebSocket (a click-to-call web widget), but only to a
    /// queue's number: anything else they dial still needs digest. Off by default, because such callers choose their
    /// own caller id.
    /// </summary>
    public bool AllowWebCallers { get; set; }

    /// <summary>What <see cref="DigestAlgorithms"/> means when it is not configured: MD5 alone, as Kamailio and Asterisk ship.</summary>
    public static readonly IReadOnlyList<string> DefaultDigestAlgorithms = ["MD5"];

    /// <summary>
    /// Digest challenges, one WWW-Authenticate each, in this order; empty means <see cref="DefaultDigestAlgorithms"/>.
    /// Stock JsSIP, SIP.js and baresip give up on a 401 that carries an SHA-256 challenge, so SHA-256 (RFC 8760) is
    /// opt-in. Empty by default because configuration binding appends to a list's initial items: a configured list
    /// must replace the default, not extend it.
    /// </summary>
    public List<string> DigestAlgorithms { get; set; } = [];

    /// <summary>Lifetime of a digest nonce before the phone is told stale=true.</summary>
    public int NonceLifetimeSeconds { get; set; } = 300;

    /// <summary>Registration expiry bounds (RFC 3261 10.3); phones asking for less get 423.</summary>
    public int MinExpiresSeconds { get; set; } = 60;

    public int MaxExpiresSeconds { get; set; } = 3600;

    /// <summary>Path of SIP over WebSocket (RFC 7118) on the frontend's HTTP port.</summary>
    public string WebSocketPath { get; set; } = "/sip";

    /// <summary>
    /// Extra time an agent leg may ring beyond the queue's ring timeout before the edge gives up on its own (CANCEL, then
    /// the offer is rejected); normally the call grain's ring timer cancels it first. Kept below the reservation lease
    /// grace (5 s) so the call is requeued before the agent's lease lapses.
    /// </summary>
    public int RingGraceSeconds { get; set; } = 2;

    /// <summary>
    /// Interval of the OPTIONS probes sent inside every established leg, from the first full interval it has been up; a
    /// leg answering 408/481 or unreachable ends its call (with a call record). 0 turns probing off. UDP legs that stay silent are detected after the 32 s transaction timeout.
    /// </summary>
    public int LegProbeSeconds { get; set; } = 120;

    /// <summary>
    /// RFC 3261 timer T1 (round-trip estimate) in milliseconds; transactions over UDP time out after 64*T1. Lower it only
    /// on networks known to be fast (RFC 3261 17.1.1.1 allows it), to detect vanished UDP peers sooner.
    /// </summary>
    public int TimerT1Ms { get; set; } = 500;

    /// <summary>Dialled on an agent's phone followed by a slot number (e.g. *85), retrieves the call parked in that slot.</summary>
    public string ParkRetrievePrefix { get; set; } = "*8";

    /// <summary>Dialled on an agent's phone followed by an agent id (e.g. **1001), picks up the call ringing at that agent.</summary>
    public string PickupPrefix { get; set; } = "**";

    /// <summary>Where calls leave the ACD: click-to-dial, numbers dialled on agents' phones, transfers to external numbers.</summary>
    public SipTrunkOptions OutboundTrunk { get; set; } = new();

    /// <summary>Duration announced in the application/dtmf-relay INFO sent for each digit from the API.</summary>
    public int DtmfDurationMs { get; set; } = 160;

    /// <summary>
    /// Phones registered over TLS are offered SDES-SRTP (RTP/SAVP, RFC 4568) instead of plain RTP, so no leg of theirs is
    /// clear text. Off by default: a phone that does not do SRTP refuses such an offer. Whatever this says, SDES keys go
    /// only over TLS: a leg on clear-text signalling is never offered them and its RTP/SAVP offers are refused (488).
    /// </summary>
    public bool SrtpOverTls { get; set; }

    /// <summary>
    /// Seconds a stopping edge (SIGTERM, a rolling upgrade) keeps its established calls up, refusing new ones with 503
    /// and Retry-After, before it ends the rest with a call record. Match Kubernetes' terminationGracePeriodSeconds to it.
    /// 0 ends the calls at once.
    /// </summary>
    public int DrainSeconds { get; set; } = 3600;

    /// <summary>The configured digest algorithms, or the default when none are.</summary>
    public IReadOnlyList<string> ResolveDigestAlgorithms() => DigestAlgorithms.Count == 0 ? DefaultDigestAlgorithms : DigestAlgorithms;

    /// <summary>Host written into Via and Contact: <see cref="PublicHost"/>, the listen address, or the first LAN IPv4 address.</summary>
    public string ResolvePublicHost()
    {
        if (!string.IsNullOrWhiteSpace(PublicHost))
        {
            return PublicHost;
        }

        if (IPAddress.TryParse(ListenAddress, out var listen) && !listen.Equals(IPAddress.Any) && !listen.Equals(IPAddress.IPv6Any))
        {
            return listen.ToString();
        }

        // Bound to every interface: advertise the first usable IPv4 address, so Via/Contact are reachable from the LAN.
        var candidate = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(u => u.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        return candidate?.ToString() ?? IPAddress.Loopback.ToString();
    }

    /// <summary>The SIP domain and digest realm: <see cref="Domain"/>, else the public host. Stored HA1 secrets are bound to it.</summary>
    public string ResolveDomain() => string.IsNullOrWhiteSpace(Domain) ? ResolvePublicHost() : Domain;

    /// <summary>The edge-to-edge signing key, or null when none is configured (then no hops are made or accepted).</summary>
    internal byte[]? ResolveEdgeSecret()
    {
        if (string.IsNullOrWhiteSpace(EdgeSecret))
        {
            return null;
        }

        try
        {
            var key = Convert.FromBase64String(EdgeSecret);
            return key.Length >= 32 ? key : throw new InvalidOperationException("Sip:EdgeSecret must be at least 32 bytes (base64).");
        }
        catch (FormatException)
        {
            throw new InvalidOperationException("Sip:EdgeSecret (or Auth:SigningKey) must be base64.");
        }
    }

    internal string ResolveEdgeAddress() =>
        string.IsNullOrWhiteSpace(EdgeAddress)
            ? (ResolvePublicHost().Contains(':', StringComparison.Ordinal) ? $"[{ResolvePublicHost()}]" : ResolvePublicHost()) + ":" +
              (UdpPort > 0 ? UdpPort : TcpPort).ToString(CultureInfo.InvariantCulture)
            : EdgeAddress;

    internal string ResolveEdgeId() =>
        string.IsNullOrWhiteSpace(EdgeId) ? $"{Environment.MachineName}:{UdpPort.ToString(CultureInfo.InvariantCulture)}" : EdgeId;
}

/// <summary>Configuration section "Sip:Tls": the certificate of the TLS listener (Sip:TlsPort) and the roots trusted for TLS trunks.</summary>
public sealed class SipEdgeTlsOptions
{
    /// <summary>The server certificate: a PKCS#12 file (.pfx/.p12) or PEM. Loaded once, at startup.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PFX's password (or an encrypted PEM key's).</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>The PEM private key, when it is not in <see cref="CertificatePath"/> itself.</summary>
    public string? KeyPath { get; set; }

    /// <summary>
    /// PEM file of the CA(s) a TLS trunk's certificate must chain to, instead of the system's roots (a carrier or PBX on a
    /// private PKI). Empty: the system trust store.
    /// </summary>
    public string? CaPath { get; set; }
}

/// <summary>Configuration section "Sip:OutboundTrunk": the carrier or PBX that takes the ACD's outgoing calls.</summary>
public sealed class SipTrunkOptions
{
    /// <summary>host[:port] of the trunk (an IP address or A/AAAA name); empty means no calls leave the ACD.</summary>
    public string? Host { get; set; }

    /// <summary>udp, tcp or tls.</summary>
    public string Transport { get; set; } = "udp";

    /// <summary>Offer the trunk SDES-SRTP (only on TLS: the keys travel in the SDP). Plain RTP is the default for trunks.</summary>
    public bool Srtp { get; set; }

    /// <summary>Digest credentials, when the trunk challenges our INVITEs (401/407).</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>Caller id presented on outbound calls (From user); empty presents the agent's extension.</summary>
    public string? CallerId { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Host);
}

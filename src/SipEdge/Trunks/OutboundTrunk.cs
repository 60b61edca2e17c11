using Acd.Sip.Auth;
using Acd.Sip.Uris;
using Acd.SipEdge.Hosting;

namespace Acd.SipEdge.Trunks;

/// <summary>The carrier or PBX that takes the ACD's outgoing calls (Sip:OutboundTrunk), as the calls use it.</summary>
internal sealed class OutboundTrunk(SipTrunkOptions options)
{
    /// <summary>Whether calls can leave the ACD (transfers to external numbers, click-to-dial).</summary>
    public bool IsConfigured => options.IsConfigured;

    /// <summary>The SIP transport of the trunk ("UDP", "TCP", "TLS").</summary>
    public string Transport => options.Transport.Trim().ToUpperInvariant();

    /// <summary>Whether the trunk's legs are offered SDES-SRTP: asked for and possible (TLS).</summary>
    public bool Srtp => options.Srtp && Transport == "TLS";

    /// <summary>The request-URI for <paramref name="number"/> at the trunk.</summary>
    public SipUri Uri(string number)
    {
        var transport = options.Transport.Trim().ToLowerInvariant();
        var user = System.Uri.EscapeDataString(number).Replace("%2B", "+", StringComparison.Ordinal);
        return SipUri.Parse($"sip:{user}@{options.Host}{(transport == "udp" ? "" : ";transport=" + transport)}");
    }

    /// <summary>Caller id for a call leaving the ACD: the configured one, else the agent's number.</summary>
    public string CallerId(string agentNumber) => string.IsNullOrWhiteSpace(options.CallerId) ? agentNumber : options.CallerId;

    /// <summary>Fresh digest client state per call (nonce counts are per call), or null when the trunk needs no auth.</summary>
    public DigestClient? Credentials() =>
        options is { Username: { Length: > 0 } user, Password: { } password } ? new DigestClient(user, password) : null;
}

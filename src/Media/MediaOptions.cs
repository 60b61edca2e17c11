using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Acd.Media;

public enum MediaMode
{
    /// <summary>Every call's media goes through the engine.</summary>
    Anchor,

    /// <summary>The edge passes SDP through and media flows between the peers; the engine is not used.</summary>
    Direct,
}

/// <summary>
/// The engine's settings, bound from the configuration section <see cref="SectionName"/>. Collections start empty
/// because configuration binding appends to default items; empty means "the built-in default".
/// </summary>
public sealed class MediaOptions
{
    public const string SectionName = "Media";

    /// <summary>
    /// The address written into SDP (c= and the ICE candidate): what peers send to. Empty: the bind address when it is
    /// a specific one, else the host's first non-loopback IPv4 address (the SIP edge passes its own public host).
    /// </summary>
    public string PublicAddress { get; set; } = "";

    /// <summary>The address the sockets bind to.</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    public int PortMin { get; set; } = 40000;
    public int PortMax { get; set; } = 49999;

    /// <summary>Seconds without RTP from an established leg before <c>MediaTimeout</c> is raised; 0 turns it off.</summary>
    public int TimeoutSeconds { get; set; } = 60;

    public MediaMode Mode { get; set; } = MediaMode.Anchor;

    /// <summary>Codecs offered and accepted, in order of preference ("PCMU", "PCMA"); empty means PCMU then PCMA.</summary>
    public List<string> Codecs { get; } = [];

    /// <summary>Seconds between the RTCP reports the engine sends on each leg (RFC 3550 suggests 5).</summary>
    public int RtcpIntervalSeconds { get; set; } = 5;

    /// <summary>The RFC 4733 payload type the engine offers.</summary>
    public int TelephoneEventPayloadType { get; set; } = 101;

    /// <summary>The address peers are told to send to (see <see cref="PublicAddress"/>).</summary>
    public string ResolvePublicAddress()
    {
        if (!string.IsNullOrWhiteSpace(PublicAddress))
        {
            return PublicAddress.Trim();
        }

        if (IPAddress.TryParse(BindAddress, out var bind) && !bind.Equals(IPAddress.Any) && !bind.Equals(IPAddress.IPv6Any))
        {
            return bind.ToString();
        }

        var candidate = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(u => u.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        return candidate?.ToString() ?? IPAddress.Loopback.ToString();
    }
}

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

    /// <summary>The address written into SDP (c= and the ICE candidate): what peers send to.</summary>
    public string PublicAddress { get; set; } = "127.0.0.1";

    /// <summary>The address the sockets bind to.</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    public int PortMin { get; set; } = 30000;
    public int PortMax { get; set; } = 39999;

    /// <summary>Seconds without RTP from an established leg before <c>MediaTimeout</c> is raised; 0 turns it off.</summary>
    public int TimeoutSeconds { get; set; } = 60;

    public MediaMode Mode { get; set; } = MediaMode.Anchor;

    /// <summary>Codecs offered and accepted, in order of preference ("PCMU", "PCMA"); empty means PCMU then PCMA.</summary>
    public List<string> Codecs { get; } = [];

    /// <summary>Seconds between the RTCP reports the engine sends on each leg (RFC 3550 suggests 5).</summary>
    public int RtcpIntervalSeconds { get; set; } = 5;

    /// <summary>The RFC 4733 payload type the engine offers.</summary>
    public int TelephoneEventPayloadType { get; set; } = 101;
}

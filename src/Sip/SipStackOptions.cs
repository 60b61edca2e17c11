using Acd.Sip.Parsing;
using Acd.Sip.Transactions;
using Acd.Sip.Transports;

namespace Acd.Sip;

/// <summary>A listener declared in configuration (e.g. appsettings "Sip:Listeners").</summary>
public sealed class SipListenerOptions
{
    /// <summary>"udp", "tcp" or "tls" (WebSocket is mounted with MapSipWebSocket).</summary>
    public string Transport { get; set; } = "udp";

    public string Address { get; set; } = "0.0.0.0";

    public int Port { get; set; } = 5060;

    /// <summary>The server certificate for "tls": PKCS#12 (with its password) or PEM (key in the file or at <see cref="KeyPath"/>).</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }

    /// <summary>The PEM private key of <see cref="CertificatePath"/>, when it is not in the same file.</summary>
    public string? KeyPath { get; set; }
}

public sealed class SipStackOptions
{
    /// <summary>Listeners opened by <see cref="SipStack.StartAsync"/> in addition to those added in code.</summary>
    public IList<SipListenerOptions> Listeners { get; init; } = [];

    /// <summary>Host written in Via/Contact; defaults to the listening address.</summary>
    public string? PublicHost { get; init; }

    public SipParserOptions Parser { get; init; } = SipParserOptions.Default;

    public SipValidationOptions Validation { get; init; } = SipValidationOptions.UserAgent;

    public SipTimerSettings Timers { get; init; } = new();

    public int UdpReceiveBufferBytes { get; init; } = 4 * 1024 * 1024;

    public int MaxWebSocketMessageBytes { get; init; } = 64 * 1024;
}

/// <summary>Diagnostics of a <see cref="SipStack"/> (<see cref="SipStack.AddObserver"/>); both members default to doing nothing.</summary>
public interface ISipStackObserver
{
    /// <summary>A message was dropped or answered statelessly before any transaction saw it.</summary>
    void OnRejected(SipInboundDecision decision, SipInboundContext source)
    {
    }

    /// <summary>An outbound send failed (connection refused, flow gone); a request's transaction then ends with 503.</summary>
    void OnSendFailed(SipTarget target, Exception error)
    {
    }
}

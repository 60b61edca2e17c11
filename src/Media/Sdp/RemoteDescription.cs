using System.Net;
using Acd.Media.Codecs;
using Acd.Media.Sessions;
using Acd.Media.Srtp;

namespace Acd.Media.Sdp;

/// <summary>An SDES key offered or answered in a=crypto (RFC 4568 9.1).</summary>
internal sealed record SdesCrypto(int Tag, SrtpProfile Suite, byte[] KeyAndSalt)
{
    public byte[] Key => KeyAndSalt[..SrtpProfiles.MasterKeyLength];
    public byte[] Salt => KeyAndSalt[SrtpProfiles.MasterKeyLength..];

    public string ToAttributeValue() => $"{Tag} {Suite.SdesName()} inline:{Convert.ToBase64String(KeyAndSalt)}";

    public static SdesCrypto? TryParse(string value)
    {
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3 || !int.TryParse(parts[0], out var tag)) return null;
        var suite = SrtpProfiles.FromSdesName(parts[1]);
        if (suite is null || !parts[2].StartsWith("inline:", StringComparison.Ordinal)) return null;
        var keyParams = parts[2]["inline:".Length..].Split('|');
        if (keyParams.Length > 2) return null; // an MKI changes the packet format; not supported
        if (keyParams.Length == 2 && keyParams[1].Contains(':')) return null;
        try
        {
            var bytes = Convert.FromBase64String(keyParams[0]);
            return bytes.Length == SrtpProfiles.MasterKeyLength + SrtpProfiles.MasterSaltLength ? new SdesCrypto(tag, suite.Value, bytes) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

/// <summary>An m= section the engine does not take (video, data channel, a second audio): answered with port 0.</summary>
internal sealed record RejectedSection(string Media, string Protocol, IReadOnlyList<string> Formats, string? Mid);

/// <summary>What a remote SDP says about the one audio stream the engine carries, already checked.</summary>
internal sealed record RemoteDescription
{
    public required MediaProfile Profile { get; init; }
    public required string Protocol { get; init; }
    public required IPAddress? Address { get; init; }
    public required int RtpPort { get; init; }
    public required int RtcpPort { get; init; }
    public required bool RtcpMux { get; init; }
    public required MediaDirection Direction { get; init; }

    /// <summary>The chosen audio codec and payload numbers as the remote declared them (we send with these).</summary>
    public required NegotiatedCodecs Codecs { get; init; }

    /// <summary>Every audio format of the remote's list we understand, by payload type (for an offer: what may be chosen).</summary>
    public required IReadOnlyList<(byte PayloadType, AudioCodec Codec)> AudioFormats { get; init; }

    public IReadOnlyList<SdesCrypto> Crypto { get; init; } = [];
    public string? IceUfrag { get; init; }
    public string? IcePassword { get; init; }
    public string? FingerprintHash { get; init; }
    public string? Fingerprint { get; init; }
    public string? Setup { get; init; }
    public string? Mid { get; init; }
    public bool Bundle { get; init; }
    public IReadOnlyList<RejectedSection> Before { get; init; } = [];
    public IReadOnlyList<RejectedSection> After { get; init; } = [];

    /// <summary>c=0.0.0.0 or port 0 in a remote description: nothing to send to (RFC 3264 8.4 old-style hold).</summary>
    public bool HasAddress => Address is not null && !Address.Equals(IPAddress.Any) && RtpPort != 0;
}

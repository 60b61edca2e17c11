using System.Globalization;
using System.Net;
using System.Text;
using Acd.Media.Codecs;
using Acd.Media.Dtls;
using Acd.Media.Sessions;

namespace Acd.Media.Sdp;

/// <summary>What this side puts in its SDP for a leg.</summary>
internal sealed record LocalDescription
{
    public required MediaProfile Profile { get; init; }
    public required string Address { get; init; }
    public required int RtpPort { get; init; }
    public required int RtcpPort { get; init; }
    public required bool RtcpMux { get; init; }
    public required IReadOnlyList<(byte PayloadType, AudioCodec Codec)> AudioFormats { get; init; }
    public required byte? TelephoneEventPayloadType { get; init; }
    public byte? ComfortNoisePayloadType { get; init; }
    public required MediaDirection Direction { get; init; }
    public required ulong SessionId { get; init; }
    public required ulong SessionVersion { get; init; }
    public required uint Ssrc { get; init; }
    public required string Cname { get; init; }
    public IReadOnlyList<SdesCrypto> Crypto { get; init; } = [];
    public string? IceUfrag { get; init; }
    public string? IcePassword { get; init; }
    public string? Fingerprint { get; init; }
    public string? Setup { get; init; }
    public string? Mid { get; init; }
    public bool Bundle { get; init; }
    public IReadOnlyList<RejectedSection> Before { get; init; } = [];
    public IReadOnlyList<RejectedSection> After { get; init; } = [];
}

/// <summary>Reads remote SDP into a <see cref="RemoteDescription"/> and writes the engine's own offers and answers.</summary>
internal static class SdpNegotiator
{
    public static MediaProfile? ProfileOf(string protocol) => protocol.ToUpperInvariant() switch
    {
        "RTP/AVP" or "RTP/AVPF" => MediaProfile.RtpAvp,
        "RTP/SAVP" or "RTP/SAVPF" => MediaProfile.RtpSavp,
        "UDP/TLS/RTP/SAVPF" or "UDP/TLS/RTP/SAVP" => MediaProfile.WebRtc,
        _ => null,
    };

    public static string ProtocolOf(MediaProfile profile) => profile switch
    {
        MediaProfile.RtpSavp => "RTP/SAVP",
        MediaProfile.WebRtc => "UDP/TLS/RTP/SAVPF",
        _ => "RTP/AVP",
    };

    /// <summary>
    /// Picks the first audio m= line whose profile the engine speaks, checks what that profile needs, and chooses a
    /// codec: the remote's order, limited to <paramref name="allowed"/>, with <paramref name="preferred"/> first if
    /// offered (to avoid transcoding against the other leg).
    /// </summary>
    public static MediaResult<RemoteDescription> Read(string sdp, IReadOnlyList<AudioCodec> allowed, AudioCodec? preferred)
    {
        if (!SdpDocument.TryParse(sdp, out var doc, out var error)) return Fail(MediaError.BadSdp, error!);
        var index = doc.Media.FindIndex(m => m.Media == "audio" && m.Port != 0 && ProfileOf(m.Protocol) is not null);
        if (index < 0)
        {
            return doc.Media.Any(m => m.Media == "audio" && m.Port != 0)
                ? Fail(MediaError.UnsupportedProfile, $"audio profile {doc.Media.First(m => m.Media == "audio").Protocol} is not supported")
                : Fail(MediaError.NoAudio, "no audio m= line");
        }
        var media = doc.Media[index];
        var profile = ProfileOf(media.Protocol)!.Value;

        var formats = new List<(byte, AudioCodec)>();
        byte? telephoneEvent = null, comfortNoise = null;
        foreach (var format in media.Formats)
        {
            if (!byte.TryParse(format, NumberStyles.None, CultureInfo.InvariantCulture, out var pt) || pt > 127) continue;
            var rtpmap = media.AttributeValues("rtpmap").FirstOrDefault(v => v.StartsWith(format + " ", StringComparison.Ordinal));
            var (name, rate) = rtpmap is null ? StaticFormat(pt) : ParseRtpmap(rtpmap[(format.Length + 1)..]);
            if (rate != 8000) continue;
            if (AudioCodecs.FromEncodingName(name) is { } codec)
            {
                if (allowed.Contains(codec)) formats.Add((pt, codec));
            }
            else if (name.Equals("telephone-event", StringComparison.OrdinalIgnoreCase)) telephoneEvent ??= pt;
            else if (name.Equals("CN", StringComparison.OrdinalIgnoreCase)) comfortNoise ??= pt;
        }
        if (formats.Count == 0) return Fail(MediaError.NoCommonCodec, $"no common codec in '{string.Join(' ', media.Formats)}' (the engine speaks {string.Join(", ", allowed.Select(c => c.EncodingName()))})");
        var chosen = preferred is { } p && formats.Any(f => f.Item2 == p) ? formats.First(f => f.Item2 == p) : formats[0];
        var ptime = int.TryParse(media.Attribute("ptime"), NumberStyles.None, CultureInfo.InvariantCulture, out var pt2) && pt2 is >= 10 and <= 60 ? pt2 : 20;
        var codecs = new NegotiatedCodecs(chosen.Item2, chosen.Item1, telephoneEvent, comfortNoise, ptime);

        var address = media.ConnectionAddress ?? doc.ConnectionAddress;
        IPAddress? ip = address is null ? null : IPAddress.TryParse(address, out var parsed) ? parsed : null;
        if (address is not null && ip is null) return Fail(MediaError.BadSdp, $"connection address '{address}' is not an IP address");
        var mux = media.HasAttribute("rtcp-mux");
        var rtcpPort = media.Port + 1;
        if (media.Attribute("rtcp") is { } rtcp && int.TryParse(rtcp.Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var rp) && rp is > 0 and <= 65535) rtcpPort = rp;
        if (mux) rtcpPort = media.Port;

        var before = doc.Media.Take(index).Select(Reject).ToList();
        var after = doc.Media.Skip(index + 1).Select(Reject).ToList();
        var result = new RemoteDescription
        {
            Profile = profile,
            Protocol = media.Protocol,
            Address = ip,
            RtpPort = media.Port,
            RtcpPort = rtcpPort,
            RtcpMux = mux,
            Direction = doc.DirectionOf(media),
            Codecs = codecs,
            AudioFormats = formats,
            Mid = media.Attribute("mid"),
            Bundle = doc.Attribute("group")?.StartsWith("BUNDLE", StringComparison.Ordinal) == true,
            Before = before,
            After = after,
        };
        switch (profile)
        {
            case MediaProfile.RtpSavp:
                var crypto = media.AttributeValues("crypto").Select(SdesCrypto.TryParse).OfType<SdesCrypto>().ToList();
                if (crypto.Count == 0) return Fail(MediaError.NoUsableCrypto, "RTP/SAVP without a supported a=crypto (AES_CM_128_HMAC_SHA1_80/32, inline key, no MKI)");
                return MediaResult<RemoteDescription>.Ok(result with { Crypto = crypto });
            case MediaProfile.WebRtc:
                var ufrag = media.Attribute("ice-ufrag") ?? doc.Attribute("ice-ufrag");
                var pwd = media.Attribute("ice-pwd") ?? doc.Attribute("ice-pwd");
                if (string.IsNullOrEmpty(ufrag) || string.IsNullOrEmpty(pwd)) return Fail(MediaError.MissingIceCredentials, "a=ice-ufrag and a=ice-pwd are required");
                var fingerprint = media.Attribute("fingerprint") ?? doc.Attribute("fingerprint");
                var fp = fingerprint?.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
                if (fp is not { Length: 2 }) return Fail(MediaError.BadFingerprint, "a=fingerprint is required");
                if (!DtlsFingerprint.IsSupported(fp[0])) return Fail(MediaError.BadFingerprint, $"fingerprint hash '{fp[0]}' is not supported");
                return MediaResult<RemoteDescription>.Ok(result with
                {
                    IceUfrag = ufrag,
                    IcePassword = pwd,
                    FingerprintHash = fp[0].ToLowerInvariant(),
                    Fingerprint = fp[1],
                    Setup = media.Attribute("setup") ?? doc.Attribute("setup") ?? "actpass",
                });
            default:
                return MediaResult<RemoteDescription>.Ok(result);
        }
    }

    private static RejectedSection Reject(SdpMediaSection m) => new(m.Media, m.Protocol, m.Formats, m.Attribute("mid"));

    private static (string Name, int Rate) StaticFormat(byte pt) => pt switch
    {
        0 => ("PCMU", 8000),
        8 => ("PCMA", 8000),
        13 => ("CN", 8000),
        _ => ("", 0),
    };

    private static (string Name, int Rate) ParseRtpmap(string encoding)
    {
        var parts = encoding.Split('/');
        var rate = parts.Length > 1 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : 0;
        return (parts[0].Trim(), rate);
    }

    private static MediaResult<RemoteDescription> Fail(MediaError error, string detail) => MediaResult<RemoteDescription>.Fail(error, detail);

    public static string Write(LocalDescription local)
    {
        var sb = new StringBuilder(768);
        var ipVersion = local.Address.Contains(':') ? "IP6" : "IP4";
        Line(sb, $"v=0");
        Line(sb, $"o=- {local.SessionId} {local.SessionVersion} IN {ipVersion} {local.Address}");
        Line(sb, "s=-");
        Line(sb, $"c=IN {ipVersion} {local.Address}");
        Line(sb, "t=0 0");
        if (local.Profile == MediaProfile.WebRtc)
        {
            Line(sb, "a=ice-lite");
            if (local.Bundle && local.Mid is not null) Line(sb, $"a=group:BUNDLE {local.Mid}");
            Line(sb, "a=msid-semantic: WMS acd");
        }
        foreach (var r in local.Before) WriteRejected(sb, r);
        var formats = local.AudioFormats.Select(f => f.PayloadType.ToString(CultureInfo.InvariantCulture)).ToList();
        if (local.TelephoneEventPayloadType is { } te) formats.Add(te.ToString(CultureInfo.InvariantCulture));
        if (local.ComfortNoisePayloadType is { } cn) formats.Add(cn.ToString(CultureInfo.InvariantCulture));
        Line(sb, $"m=audio {local.RtpPort} {ProtocolOf(local.Profile)} {string.Join(' ', formats)}");
        if (local.Mid is not null) Line(sb, $"a=mid:{local.Mid}");
        foreach (var (pt, codec) in local.AudioFormats) Line(sb, $"a=rtpmap:{pt} {codec.EncodingName()}/8000");
        if (local.TelephoneEventPayloadType is { } te2)
        {
            Line(sb, $"a=rtpmap:{te2} telephone-event/8000");
            Line(sb, $"a=fmtp:{te2} 0-16");
        }
        if (local.ComfortNoisePayloadType is { } cn2) Line(sb, $"a=rtpmap:{cn2} CN/8000");
        Line(sb, "a=ptime:20");
        Line(sb, $"a={local.Direction.ToSdp()}");
        if (local.RtcpMux) Line(sb, "a=rtcp-mux");
        else Line(sb, $"a=rtcp:{local.RtcpPort}");
        foreach (var crypto in local.Crypto) Line(sb, $"a=crypto:{crypto.ToAttributeValue()}");
        if (local.Profile == MediaProfile.WebRtc)
        {
            Line(sb, $"a=ice-ufrag:{local.IceUfrag}");
            Line(sb, $"a=ice-pwd:{local.IcePassword}");
            Line(sb, $"a=fingerprint:sha-256 {local.Fingerprint}");
            Line(sb, $"a=setup:{local.Setup}");
            Line(sb, $"a=candidate:1 1 udp 2130706431 {local.Address} {local.RtpPort} typ host");
            Line(sb, "a=end-of-candidates");
            Line(sb, $"a=msid:acd {local.Cname}");
        }
        Line(sb, $"a=ssrc:{local.Ssrc} cname:{local.Cname}");
        foreach (var r in local.After) WriteRejected(sb, r);
        return sb.ToString();
    }

    private static void WriteRejected(StringBuilder sb, RejectedSection r)
    {
        Line(sb, $"m={r.Media} 0 {r.Protocol} {(r.Formats.Count == 0 ? "0" : string.Join(' ', r.Formats))}");
        if (r.Mid is not null) Line(sb, $"a=mid:{r.Mid}");
        Line(sb, "a=inactive");
    }

    private static void Line(StringBuilder sb, string line) => sb.Append(line).Append("\r\n");
}

using System.Globalization;
using System.Text;

namespace Acd.Sip.Sdp;

/// <summary>Media direction attributes (RFC 4566 6, RFC 3264 5.1/8.4 for hold).</summary>
public enum SdpDirection
{
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

/// <summary>One "x=value" line kept verbatim (b=, i=, k=, r=, z=, e=, p=, u=...).</summary>
public sealed record SdpLine(char Type, string Value);

/// <summary>An m= section with its own connection and attributes.</summary>
public sealed class SdpMedia
{
    public string Media { get; set; } = "audio";
    public int Port { get; set; }
    public int? PortCount { get; set; }
    public string Protocol { get; set; } = "RTP/AVP";
    public List<string> Formats { get; } = [];
    public string? Connection { get; set; }
    public List<SdpLine> OtherLines { get; } = [];
    /// <summary>Attributes as "name" or "name:value", in order.</summary>
    public List<string> Attributes { get; } = [];

    /// <summary>Direction of this stream, falling back to the session level and then sendrecv.</summary>
    public SdpDirection? Direction
    {
        get => SdpSession.FindDirection(Attributes);
        set => SdpSession.SetDirection(Attributes, value);
    }
}

/// <summary>An SDP session description (RFC 4566) with offer/answer helpers for hold (RFC 3264).</summary>
public sealed class SdpSession
{
    public int Version { get; set; }
    public string Origin { get; set; } = "- 0 0 IN IP4 0.0.0.0";
    public string SessionName { get; set; } = "-";
    public string? Connection { get; set; }
    public List<string> Timing { get; } = [];
    public List<SdpLine> OtherLines { get; } = [];
    public List<string> Attributes { get; } = [];
    public List<SdpMedia> Media { get; } = [];

    public SdpDirection? Direction
    {
        get => FindDirection(Attributes);
        set => SetDirection(Attributes, value);
    }

    /// <summary>Effective direction of a stream (media level overrides session level).</summary>
    public SdpDirection EffectiveDirection(SdpMedia media) => media.Direction ?? Direction ?? SdpDirection.SendRecv;

    public static bool TryParse(string text, out SdpSession? session, out string? error)
    {
        session = new SdpSession();
        error = null;
        SdpMedia? current = null;
        var sawVersion = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) continue;
            if (line.Length < 2 || line[1] != '=' || !char.IsAsciiLetterLower(line[0]))
            {
                error = $"invalid SDP line '{Truncate(line)}'";
                session = null;
                return false;
            }
            var v = line[2..];
            switch (line[0])
            {
                case 'v':
                    if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var ver))
                    {
                        error = "invalid v= line";
                        session = null;
                        return false;
                    }
                    session.Version = ver;
                    sawVersion = true;
                    break;
                case 'o' when current is null: session.Origin = v; break;
                case 's' when current is null: session.SessionName = v; break;
                case 't' when current is null: session.Timing.Add(v); break;
                case 'c':
                    if (current is null) session.Connection = v;
                    else current.Connection = v;
                    break;
                case 'a':
                    (current?.Attributes ?? session.Attributes).Add(v);
                    break;
                case 'm':
                    var parts = v.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length < 3)
                    {
                        error = "invalid m= line";
                        session = null;
                        return false;
                    }
                    current = new SdpMedia { Media = parts[0], Protocol = parts[2] };
                    var portText = parts[1];
                    var slash = portText.IndexOf('/');
                    if (slash >= 0)
                    {
                        if (int.TryParse(portText.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count)) current.PortCount = count;
                        portText = portText[..slash];
                    }
                    if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
                    {
                        error = "invalid media port";
                        session = null;
                        return false;
                    }
                    current.Port = port;
                    current.Formats.AddRange(parts.Skip(3));
                    session.Media.Add(current);
                    break;
                default:
                    (current?.OtherLines ?? session.OtherLines).Add(new SdpLine(line[0], v));
                    break;
            }
        }
        if (!sawVersion)
        {
            error = "missing v= line";
            session = null;
            return false;
        }
        return true;
    }

    public static SdpSession Parse(string text) => TryParse(text, out var s, out var e) ? s! : throw new FormatException(e);

    private static string Truncate(string s) => s.Length > 40 ? s[..40] : s;

    public override string ToString()
    {
        var sb = new StringBuilder(256);
        sb.Append("v=").Append(Version).Append("\r\n");
        sb.Append("o=").Append(Origin).Append("\r\n");
        sb.Append("s=").Append(SessionName).Append("\r\n");
        foreach (var l in OtherLines.Where(l => l.Type is 'i' or 'u' or 'e' or 'p')) sb.Append(l.Type).Append('=').Append(l.Value).Append("\r\n");
        if (Connection is not null) sb.Append("c=").Append(Connection).Append("\r\n");
        foreach (var l in OtherLines.Where(l => l.Type == 'b')) sb.Append("b=").Append(l.Value).Append("\r\n");
        foreach (var t in Timing.DefaultIfEmpty("0 0")) sb.Append("t=").Append(t).Append("\r\n");
        foreach (var l in OtherLines.Where(l => l.Type is not ('i' or 'u' or 'e' or 'p' or 'b'))) sb.Append(l.Type).Append('=').Append(l.Value).Append("\r\n");
        foreach (var a in Attributes) sb.Append("a=").Append(a).Append("\r\n");
        foreach (var m in Media)
        {
            sb.Append("m=").Append(m.Media).Append(' ').Append(m.Port);
            if (m.PortCount is { } pc) sb.Append('/').Append(pc);
            sb.Append(' ').Append(m.Protocol);
            foreach (var f in m.Formats) sb.Append(' ').Append(f);
            sb.Append("\r\n");
            foreach (var l in m.OtherLines.Where(l => l.Type == 'i')) sb.Append("i=").Append(l.Value).Append("\r\n");
            if (m.Connection is not null) sb.Append("c=").Append(m.Connection).Append("\r\n");
            foreach (var l in m.OtherLines.Where(l => l.Type != 'i')) sb.Append(l.Type).Append('=').Append(l.Value).Append("\r\n");
            foreach (var a in m.Attributes) sb.Append("a=").Append(a).Append("\r\n");
        }
        return sb.ToString();
    }

    /// <summary>Increments the o= session version, required whenever a changed offer is sent (RFC 3264 8).</summary>
    public void IncrementVersion()
    {
        var parts = Origin.Split(' ');
        if (parts.Length == 6 && ulong.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var v))
        {
            parts[2] = (v + 1).ToString(CultureInfo.InvariantCulture);
            Origin = string.Join(' ', parts);
        }
    }

    /// <summary>Puts every stream on hold (RFC 3264 8.4): sendrecv becomes sendonly, recvonly becomes inactive.</summary>
    public void Hold()
    {
        foreach (var m in Media)
        {
            m.Direction = EffectiveDirection(m) switch
            {
                SdpDirection.SendRecv or SdpDirection.SendOnly => SdpDirection.SendOnly,
                _ => SdpDirection.Inactive,
            };
        }
        Direction = null;
        IncrementVersion();
    }

    /// <summary>Takes every stream off hold: sendonly becomes sendrecv, inactive becomes recvonly.</summary>
    public void Resume()
    {
        foreach (var m in Media)
        {
            m.Direction = EffectiveDirection(m) switch
            {
                SdpDirection.SendOnly or SdpDirection.SendRecv => SdpDirection.SendRecv,
                _ => SdpDirection.RecvOnly,
            };
        }
        Direction = null;
        IncrementVersion();
    }

    public bool IsOnHold => Media.Count > 0 && Media.All(m => EffectiveDirection(m) is SdpDirection.SendOnly or SdpDirection.Inactive);

    /// <summary>
    /// Direction to answer with (RFC 3264 6.1): the mirror of the offer, restricted by what the
    /// answerer wants to do itself.
    /// </summary>
    public static SdpDirection AnswerDirection(SdpDirection offered, SdpDirection local = SdpDirection.SendRecv)
    {
        var mirror = offered switch
        {
            SdpDirection.SendOnly => SdpDirection.RecvOnly,
            SdpDirection.RecvOnly => SdpDirection.SendOnly,
            SdpDirection.Inactive => SdpDirection.Inactive,
            _ => SdpDirection.SendRecv,
        };
        var send = CanSend(mirror) && CanSend(local);
        var recv = CanReceive(mirror) && CanReceive(local);
        return (send, recv) switch
        {
            (true, true) => SdpDirection.SendRecv,
            (true, false) => SdpDirection.SendOnly,
            (false, true) => SdpDirection.RecvOnly,
            _ => SdpDirection.Inactive,
        };
    }

    private static bool CanSend(SdpDirection d) => d is SdpDirection.SendRecv or SdpDirection.SendOnly;

    private static bool CanReceive(SdpDirection d) => d is SdpDirection.SendRecv or SdpDirection.RecvOnly;

    internal static SdpDirection? FindDirection(List<string> attributes)
    {
        foreach (var a in attributes)
        {
            switch (a)
            {
                case "sendrecv": return SdpDirection.SendRecv;
                case "sendonly": return SdpDirection.SendOnly;
                case "recvonly": return SdpDirection.RecvOnly;
                case "inactive": return SdpDirection.Inactive;
            }
        }
        return null;
    }

    internal static void SetDirection(List<string> attributes, SdpDirection? value)
    {
        attributes.RemoveAll(a => a is "sendrecv" or "sendonly" or "recvonly" or "inactive");
        if (value is { } v) attributes.Add(v.ToString().ToLowerInvariant());
    }
}

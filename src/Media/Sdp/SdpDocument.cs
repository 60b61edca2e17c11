using System.Globalization;

namespace Acd.Media.Sdp;

/// <summary>Media direction (RFC 3264 5.1, 8.4 for hold).</summary>
public enum MediaDirection
{
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

/// <summary>One a= line: a name, and the value after the first colon if any.</summary>
internal readonly record struct SdpAttribute(string Name, string? Value);

/// <summary>One m= section of a remote description.</summary>
internal sealed class SdpMediaSection
{
    public required string Media { get; init; }
    public required int Port { get; init; }
    public required string Protocol { get; init; }
    public required IReadOnlyList<string> Formats { get; init; }
    public string? ConnectionAddress { get; set; }
    public List<SdpAttribute> Attributes { get; } = [];

    public string? Attribute(string name) => Attributes.FirstOrDefault(a => a.Name == name).Value;

    public bool HasAttribute(string name) => Attributes.Any(a => a.Name == name);

    public IEnumerable<string> AttributeValues(string name) => Attributes.Where(a => a.Name == name && a.Value is not null).Select(a => a.Value!);
}

/// <summary>
/// The parts of a remote SDP (RFC 8866) the engine negotiates with: connection addresses, m= sections and their
/// attributes, session-level attributes. Tolerant of what it does not use; a line that is not "x=..." is an error.
/// </summary>
internal sealed class SdpDocument
{
    public string? ConnectionAddress { get; private set; }
    public string? Origin { get; private set; }
    public List<SdpAttribute> Attributes { get; } = [];
    public List<SdpMediaSection> Media { get; } = [];

    public string? Attribute(string name) => Attributes.FirstOrDefault(a => a.Name == name).Value;

    public static bool TryParse(string text, out SdpDocument document, out string? error)
    {
        document = new SdpDocument();
        error = null;
        SdpMediaSection? current = null;
        var sawVersion = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) continue;
            if (line.Length < 2 || line[1] != '=')
            {
                error = $"invalid SDP line '{(line.Length > 40 ? line[..40] : line)}'";
                return false;
            }
            var value = line[2..];
            switch (line[0])
            {
                case 'v':
                    sawVersion = value.Trim() == "0";
                    if (!sawVersion)
                    {
                        error = "unsupported SDP version";
                        return false;
                    }
                    break;
                case 'o' when current is null:
                    document.Origin = value;
                    break;
                case 'c':
                    var address = ParseConnection(value);
                    if (address is null)
                    {
                        error = $"invalid c= line '{value}'";
                        return false;
                    }
                    if (current is null) document.ConnectionAddress = address;
                    else current.ConnectionAddress = address;
                    break;
                case 'a':
                    var colon = value.IndexOf(':');
                    var attribute = colon < 0 ? new SdpAttribute(value.Trim(), null) : new SdpAttribute(value[..colon].Trim(), value[(colon + 1)..].Trim());
                    (current?.Attributes ?? document.Attributes).Add(attribute);
                    break;
                case 'm':
                    var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    var portText = parts.Length > 1 ? parts[1].Split('/')[0] : "";
                    if (parts.Length < 3 || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
                    {
                        error = $"invalid m= line '{value}'";
                        return false;
                    }
                    current = new SdpMediaSection { Media = parts[0], Port = port, Protocol = parts[2], Formats = parts[3..] };
                    document.Media.Add(current);
                    break;
            }
        }
        if (!sawVersion)
        {
            error = "missing v= line";
            return false;
        }
        return true;
    }

    /// <summary>"IN IP4 192.0.2.1" or "IN IP6 ::1" (a TTL or count suffix is dropped).</summary>
    private static string? ParseConnection(string value)
    {
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3 || parts[0] != "IN" || parts[1] is not ("IP4" or "IP6")) return null;
        return parts[2].Split('/')[0];
    }

    /// <summary>The direction of a section, falling back to the session level, then sendrecv.</summary>
    public MediaDirection DirectionOf(SdpMediaSection media) =>
        FindDirection(media.Attributes) ?? FindDirection(Attributes) ?? MediaDirection.SendRecv;

    private static MediaDirection? FindDirection(List<SdpAttribute> attributes)
    {
        foreach (var a in attributes)
        {
            switch (a.Name)
            {
                case "sendrecv": return MediaDirection.SendRecv;
                case "sendonly": return MediaDirection.SendOnly;
                case "recvonly": return MediaDirection.RecvOnly;
                case "inactive": return MediaDirection.Inactive;
            }
        }
        return null;
    }
}

public static class MediaDirections
{
    public static string ToSdp(this MediaDirection direction) => direction switch
    {
        MediaDirection.SendOnly => "sendonly",
        MediaDirection.RecvOnly => "recvonly",
        MediaDirection.Inactive => "inactive",
        _ => "sendrecv",
    };

    public static bool Sends(this MediaDirection direction) => direction is MediaDirection.SendRecv or MediaDirection.SendOnly;

    public static bool Receives(this MediaDirection direction) => direction is MediaDirection.SendRecv or MediaDirection.RecvOnly;

    /// <summary>The answer's direction (RFC 3264 6.1): the mirror of the offer, limited by what this side wants.</summary>
    public static MediaDirection Answer(MediaDirection offered, MediaDirection local)
    {
        var send = offered.Receives() && local.Sends();
        var receive = offered.Sends() && local.Receives();
        return (send, receive) switch
        {
            (true, true) => MediaDirection.SendRecv,
            (true, false) => MediaDirection.SendOnly,
            (false, true) => MediaDirection.RecvOnly,
            _ => MediaDirection.Inactive,
        };
    }
}

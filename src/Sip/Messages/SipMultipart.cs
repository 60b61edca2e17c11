using System.Text;
using Acd.Sip.Headers;

namespace Acd.Sip.Messages;

/// <summary>One body part of a multipart/* body (RFC 2046 5.1), e.g. SDP plus ISUP from a gateway.</summary>
public sealed record SipBodyPart(IReadOnlyList<SipHeader> Headers, ReadOnlyMemory<byte> Body)
{
    public string? ContentType => Headers.FirstOrDefault(h => h.Name.Equals(SipHeaderNames.ContentType, StringComparison.OrdinalIgnoreCase)).Value;
}

public static class SipMultipart
{
    /// <summary>Splits a multipart body; returns an empty list when the message is not multipart or malformed.</summary>
    public static IReadOnlyList<SipBodyPart> Parse(SipMessage message)
    {
        var ct = message.ContentType;
        if (ct is null || !ct.TrimStart().StartsWith("multipart/", StringComparison.OrdinalIgnoreCase)) return [];
        var bi = ct.IndexOf("boundary=", StringComparison.OrdinalIgnoreCase);
        if (bi < 0) return [];
        var boundary = ct[(bi + 9)..].Split(';')[0].Trim().Trim('"');
        if (boundary.Length == 0) return [];
        var body = message.Body.Span;
        var delim = Encoding.ASCII.GetBytes("--" + boundary);
        var parts = new List<SipBodyPart>();
        var pos = body.IndexOf(delim);
        if (pos < 0) return [];
        var offset = pos + delim.Length;
        while (offset + 2 <= body.Length)
        {
            if (body[offset] == '-' && body[offset + 1] == '-') break; // close-delimiter
            var lineEnd = body[offset..].IndexOf("\r\n"u8);
            if (lineEnd < 0) break;
            var start = offset + lineEnd + 2;
            var next = body[start..].IndexOf(delim);
            if (next < 0) break;
            var end = start + next;
            var partEnd = end >= 2 && body[end - 2] == '\r' && body[end - 1] == '\n' ? end - 2 : end;
            var part = message.Body.Slice(start, partEnd - start);
            var span = part.Span;
            var sep = span.IndexOf("\r\n\r\n"u8);
            var headers = new List<SipHeader>();
            ReadOnlyMemory<byte> content;
            if (span.StartsWith("\r\n"u8))
            {
                content = part[2..];
            }
            else if (sep >= 0)
            {
                foreach (var line in Encoding.UTF8.GetString(span[..sep]).Split("\r\n"))
                {
                    var colon = line.IndexOf(':');
                    if (colon > 0) headers.Add(new SipHeader(SipHeaderNames.Canonicalize(line[..colon].Trim()), line[(colon + 1)..].Trim()));
                }
                content = part[(sep + 4)..];
            }
            else
            {
                content = part;
            }
            parts.Add(new SipBodyPart(headers, content));
            offset = end + delim.Length;
        }
        return parts;
    }

    /// <summary>Writes the parts as a multipart/mixed body with the given boundary.</summary>
    public static void SetBody(SipMessage message, IEnumerable<SipBodyPart> parts, string boundary)
    {
        using var ms = new MemoryStream();
        foreach (var p in parts)
        {
            ms.Write(Encoding.ASCII.GetBytes($"--{boundary}\r\n"));
            foreach (var h in p.Headers) ms.Write(Encoding.UTF8.GetBytes($"{h.Name}: {h.Value}\r\n"));
            ms.Write("\r\n"u8);
            ms.Write(p.Body.Span);
            ms.Write("\r\n"u8);
        }
        ms.Write(Encoding.ASCII.GetBytes($"--{boundary}--\r\n"));
        message.Body = ms.ToArray();
        message.ContentType = $"multipart/mixed;boundary={boundary}";
    }
}

using System.Text;

namespace Acd.Sip.Sdp;

/// <summary>
/// The key material a session description can carry: SDES a=crypto inline keys (RFC 4568) and the old k= line
/// (RFC 4566 5.12). Whoever reads them can decrypt the call, so they must not reach a log and must not cross a
/// clear-text hop.
/// </summary>
public static class SdpKeys
{
    private const string Redacted = "[redacted]";

    /// <summary>Whether <paramref name="text"/> holds key material (an a=crypto or k= line).</summary>
    public static bool HasKeys(string? text) =>
        text is not null && (text.Contains("a=crypto:", StringComparison.OrdinalIgnoreCase) || HasLine(text, "k="));

    /// <summary>
    /// Whether the first audio stream asks for SDES-SRTP (RTP/SAVP or RTP/SAVPF): answering it means sending our keys
    /// back. RTP/AVP with a=crypto (best-effort SRTP, RFC 5939 style) does not count: it is answered plain.
    /// </summary>
    public static bool OffersSdes(string? sdp)
    {
        if (sdp is null)
        {
            return false;
        }

        foreach (var raw in sdp.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("m=audio ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return parts.Length > 2 && parts[2].ToUpperInvariant() is "RTP/SAVP" or "RTP/SAVPF";
            }
        }

        return false;
    }

    /// <summary>
    /// <paramref name="text"/> (an SDP, a SIP message, a multipart body) with every key replaced by "[redacted]": the
    /// a=crypto lines keep their tag and suite, so a log still tells what was negotiated.
    /// </summary>
    public static string Redact(string text)
    {
        if (!HasKeys(text))
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        var start = 0;
        while (start < text.Length)
        {
            var end = text.IndexOf('\n', start);
            var next = end < 0 ? text.Length : end + 1;
            var line = text.AsSpan(start, next - start);
            if (line.StartsWith("a=crypto:", StringComparison.OrdinalIgnoreCase))
            {
                RedactCrypto(sb, line);
            }
            else if (line.StartsWith("k=", StringComparison.Ordinal))
            {
                sb.Append("k=").Append(Redacted).Append(LineEnd(line));
            }
            else
            {
                sb.Append(line);
            }

            start = next;
        }

        return sb.ToString();
    }

    /// <summary><paramref name="sdp"/> without its key lines: what a leg on clear-text signalling may be sent.</summary>
    public static string Strip(string sdp)
    {
        if (!HasKeys(sdp))
        {
            return sdp;
        }

        var kept = sdp.Split('\n').Where(l => !l.StartsWith("a=crypto:", StringComparison.OrdinalIgnoreCase) && !l.StartsWith("k=", StringComparison.Ordinal));
        return string.Join('\n', kept);
    }

    /// <summary>"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:KEY|2^20 ..." keeps everything but what follows each "inline:".</summary>
    private static void RedactCrypto(StringBuilder sb, ReadOnlySpan<char> line)
    {
        var rest = line;
        while (true)
        {
            var at = rest.IndexOf("inline:", StringComparison.OrdinalIgnoreCase);
            if (at < 0)
            {
                sb.Append(rest);
                return;
            }

            sb.Append(rest[..(at + "inline:".Length)]).Append(Redacted);
            rest = rest[(at + "inline:".Length)..];
            var keyEnd = rest.IndexOfAny(" ;\r\n");
            rest = keyEnd < 0 ? [] : rest[keyEnd..];
        }
    }

    private static ReadOnlySpan<char> LineEnd(ReadOnlySpan<char> line) =>
        line.EndsWith("\r\n") ? "\r\n" : line.EndsWith("\n") ? "\n" : [];

    private static bool HasLine(string text, string prefix) =>
        text.StartsWith(prefix, StringComparison.Ordinal) || text.Contains("\n" + prefix, StringComparison.Ordinal);
}

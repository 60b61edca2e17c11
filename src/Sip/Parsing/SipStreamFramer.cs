using System.Buffers;

namespace Acd.Sip.Parsing;

public enum SipFrameStatus
{
    /// <summary>A complete message of <c>length</c> bytes is at the start of the buffer.</summary>
    Message,
    /// <summary>Only CRLF keep-alives (RFC 5626 3.5.1) were found; consume <c>length</c> bytes.</summary>
    KeepAlive,
    NeedMoreData,
    /// <summary>The stream cannot be framed (bad or oversized Content-Length): close the connection.</summary>
    Invalid,
}

/// <summary>Finds message boundaries on stream transports using Content-Length (RFC 3261 18.3).</summary>
public static class SipStreamFramer
{
    public static SipFrameStatus TryFrame(in ReadOnlySequence<byte> buffer, out long length, SipParserOptions? options = null)
    {
        options ??= SipParserOptions.Default;
        length = 0;
        var reader = new SequenceReader<byte>(buffer);
        long skipped = 0;
        while (reader.TryPeek(out var b) && (b == '\r' || b == '\n'))
        {
            reader.Advance(1);
            skipped++;
        }
        if (skipped > 0 && (skipped >= 4 || reader.End))
        {
            // Keep-alive: hand back the CRLFs only when followed by nothing or after a full double CRLF.
            length = skipped;
            return SipFrameStatus.KeepAlive;
        }
        if (reader.End) return SipFrameStatus.NeedMoreData;
        if (!reader.TryReadTo(out ReadOnlySequence<byte> head, "\r\n\r\n"u8, advancePastDelimiter: true))
        {
            return buffer.Length - skipped > options.MaxHeaderSectionBytes ? SipFrameStatus.Invalid : SipFrameStatus.NeedMoreData;
        }
        if (head.Length > options.MaxHeaderSectionBytes) return SipFrameStatus.Invalid;
        var headerBytes = skipped + head.Length + 4;
        var contentLength = head.IsSingleSegment ? FindContentLength(head.FirstSpan) : FindContentLength(head.ToArray());
        if (contentLength < -1 || contentLength > options.MaxBodyBytes) return SipFrameStatus.Invalid;
        var total = headerBytes + Math.Max(0, contentLength);
        if (buffer.Length < total) return SipFrameStatus.NeedMoreData;
        length = total;
        return SipFrameStatus.Message;
    }

    /// <summary>-1 when absent, -2 when malformed or conflicting.</summary>
    private static long FindContentLength(ReadOnlySpan<byte> head)
    {
        long found = -1;
        var rest = head;
        while (!rest.IsEmpty)
        {
            var e = rest.IndexOf("\r\n"u8);
            var line = e < 0 ? rest : rest[..e];
            rest = e < 0 ? default : rest[(e + 2)..];
            // Only lines starting with 'C'/'c' or 'L'/'l' can be Content-Length.
            if (line.IsEmpty || (line[0] | 0x20) is not ((byte)'c' or (byte)'l')) continue;
            var colon = line.IndexOf((byte)':');
            if (colon <= 0) continue;
            var name = line[..colon].TrimEnd(" \t"u8);
            if (!System.Text.Ascii.EqualsIgnoreCase(name, "content-length"u8) && !System.Text.Ascii.EqualsIgnoreCase(name, "l"u8)) continue;
            var v = line[(colon + 1)..].Trim(" \t"u8);
            if (v.IsEmpty || v.Length > 9) return -2;
            long n = 0;
            foreach (var d in v)
            {
                if (d < '0' || d > '9') return -2;
                n = n * 10 + (d - '0');
            }
            if (found >= 0 && found != n) return -2;
            found = n;
        }
        return found;
    }
}

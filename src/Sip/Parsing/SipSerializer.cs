using System.Buffers;
using System.Buffers.Text;
using System.Text;
using Acd.Sip.Headers;
using Acd.Sip.Messages;

namespace Acd.Sip.Parsing;

/// <summary>
/// Writes messages to bytes. Content-Length is always emitted from the actual body, so stream
/// framing can never disagree with the payload. Exact size is computed first: one allocation.
/// </summary>
public static class SipSerializer
{
    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;
    private static ReadOnlySpan<byte> Version => "SIP/2.0"u8;
    private static ReadOnlySpan<byte> ContentLengthPrefix => "Content-Length: "u8;

    public static byte[] ToBytes(SipMessage message)
    {
        var buffer = new byte[Measure(message)];
        Write(message, buffer);
        return buffer;
    }

    public static void Write(SipMessage message, IBufferWriter<byte> writer)
    {
        var length = Measure(message);
        var span = writer.GetSpan(length);
        Write(message, span);
        writer.Advance(length);
    }

    /// <summary>Exact number of bytes <see cref="Write(SipMessage, Span{byte})"/> produces.</summary>
    public static int Measure(SipMessage message)
    {
        var utf8 = Encoding.UTF8;
        int n;
        if (message is SipRequest req)
        {
            var uriLength = req.TryGetRawRequestUri(out var rawUri) ? rawUri.Length : utf8.GetByteCount(req.RequestUri.ToString());
            n = utf8.GetByteCount(req.Method) + 1 + uriLength + 1 + Version.Length + 2;
        }
        else
        {
            var res = (SipResponse)message;
            n = Version.Length + 1 + 3 + 1 + utf8.GetByteCount(res.ReasonPhrase) + 2;
        }
        var headers = message.Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            var name = headers.NameAt(i);
            if (ReferenceEquals(name, SipHeaderNames.ContentLength)) continue;
            var valueLength = headers.TryGetRaw(i, out var raw) ? raw.Length : utf8.GetByteCount(headers.ValueAt(i));
            n += utf8.GetByteCount(name) + 2 + valueLength + 2;
        }
        n += ContentLengthPrefix.Length + DigitCount(message.Body.Length) + 2 + 2 + message.Body.Length;
        return n;
    }

    public static int Write(SipMessage message, Span<byte> dest)
    {
        var utf8 = Encoding.UTF8;
        var p = 0;
        if (message is SipRequest req)
        {
            p += utf8.GetBytes(req.Method, dest[p..]);
            dest[p++] = (byte)' ';
            if (req.TryGetRawRequestUri(out var rawUri))
            {
                rawUri.CopyTo(dest[p..]);
                p += rawUri.Length;
            }
            else
            {
                p += utf8.GetBytes(req.RequestUri.ToString(), dest[p..]);
            }
            dest[p++] = (byte)' ';
            Version.CopyTo(dest[p..]);
            p += Version.Length;
        }
        else
        {
            var res = (SipResponse)message;
            Version.CopyTo(dest[p..]);
            p += Version.Length;
            dest[p++] = (byte)' ';
            Utf8Formatter.TryFormat(res.StatusCode, dest[p..], out var w);
            p += w;
            dest[p++] = (byte)' ';
            p += utf8.GetBytes(res.ReasonPhrase, dest[p..]);
        }
        Crlf.CopyTo(dest[p..]);
        p += 2;
        var headers = message.Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            var name = headers.NameAt(i);
            if (ReferenceEquals(name, SipHeaderNames.ContentLength)) continue;
            p += utf8.GetBytes(name, dest[p..]);
            dest[p++] = (byte)':';
            dest[p++] = (byte)' ';
            // A value still in the received bytes is copied as it came (ASCII, trimmed, unfolded): no string.
            if (headers.TryGetRaw(i, out var raw))
            {
                raw.CopyTo(dest[p..]);
                p += raw.Length;
            }
            else
            {
                p += utf8.GetBytes(headers.ValueAt(i), dest[p..]);
            }
            Crlf.CopyTo(dest[p..]);
            p += 2;
        }
        ContentLengthPrefix.CopyTo(dest[p..]);
        p += ContentLengthPrefix.Length;
        Utf8Formatter.TryFormat(message.Body.Length, dest[p..], out var cw);
        p += cw;
        Crlf.CopyTo(dest[p..]);
        p += 2;
        Crlf.CopyTo(dest[p..]);
        p += 2;
        message.Body.Span.CopyTo(dest[p..]);
        return p + message.Body.Length;
    }

    private static int DigitCount(int v)
    {
        var n = 1;
        while (v >= 10)
        {
            v /= 10;
            n++;
        }
        return n;
    }
}

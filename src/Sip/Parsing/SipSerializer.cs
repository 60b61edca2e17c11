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
            n = utf8.GetByteCount(req.Method) + 1 + utf8.GetByteCount(req.RequestUri.ToString()) + 1 + Version.Length + 2;
        }
        else
        {
            var res = (SipResponse)message;
            n = Version.Length + 1 + 3 + 1 + utf8.GetByteCount(res.ReasonPhrase) + 2;
        }
        foreach (var h in message.Headers)
        {
            if (ReferenceEquals(h.Name, SipHeaderNames.ContentLength)) continue;
            n += utf8.GetByteCount(h.Name) + 2 + utf8.GetByteCount(h.Value) + 2;
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
            p += utf8.GetBytes(req.RequestUri.ToString(), dest[p..]);
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
        foreach (var h in message.Headers)
        {
            if (ReferenceEquals(h.Name, SipHeaderNames.ContentLength)) continue;
            p += utf8.GetBytes(h.Name, dest[p..]);
            dest[p++] = (byte)':';
            dest[p++] = (byte)' ';
            p += utf8.GetBytes(h.Value, dest[p..]);
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

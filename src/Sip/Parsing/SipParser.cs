using System.Text;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Uris;

namespace Acd.Sip.Parsing;

/// <summary>
/// Parses SIP messages from bytes (RFC 3261 7, 20, 25). Never throws on malformed input: the
/// result names the problem and, where a response can still be built, carries the partial message.
/// </summary>
public static class SipParser
{
    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;
    private static ReadOnlySpan<byte> CrlfCrlf => "\r\n\r\n"u8;

    public static SipParseResult Parse(ReadOnlySpan<byte> data, SipParseMode mode = SipParseMode.Datagram, SipParserOptions? options = null)
    {
        options ??= SipParserOptions.Default;
        var pos = 0;
        // RFC 3261 7.5: ignore CRLFs preceding the start line (also the RFC 5626 keep-alive).
        while (pos < data.Length && (data[pos] == '\r' || data[pos] == '\n' || (mode == SipParseMode.Datagram && data[pos] == 0))) pos++;
        if (pos >= data.Length) return new SipParseResult(SipParseError.Empty, "no message", null, data.Length);

        var rest = data[pos..];
        var headerEnd = rest.IndexOf(CrlfCrlf);
        int headersStop, bodyStart;
        var missingEmptyLine = false;
        if (headerEnd < 0)
        {
            if (rest.Length > options.MaxHeaderSectionBytes)
                return new SipParseResult(SipParseError.HeaderSectionTooLarge, "header section too large", null, 0);
            if (mode == SipParseMode.Stream) return new SipParseResult(SipParseError.Incomplete, "incomplete header section", null, 0);
            missingEmptyLine = true;
            var trimmed = rest.Length;
            while (trimmed > 0 && (rest[trimmed - 1] == '\n' || rest[trimmed - 1] == '\r')) trimmed--;
            headersStop = trimmed;
            bodyStart = rest.Length;
        }
        else
        {
            headersStop = headerEnd;
            bodyStart = headerEnd + 4;
        }
        if (headersStop > options.MaxHeaderSectionBytes)
            return new SipParseResult(SipParseError.HeaderSectionTooLarge, "header section too large", null, 0);

        var head = rest[..headersStop];
        var lineEnd = head.IndexOf(Crlf);
        if (lineEnd < 0) lineEnd = head.Length;
        var startLine = head[..lineEnd];

        var error = SipParseError.None;
        string? detail = null;
        var message = ParseStartLine(startLine, ref error, ref detail);
        if (message is null) return new SipParseResult(error, detail, null, 0);

        // Header lines, unfolding continuation lines (RFC 3261 7.3.1).
        var headers = message.Headers;
        var i = lineEnd + 2;
        long contentLength = -1;
        var conflictingLength = false;
        while (i < head.Length)
        {
            var e = head[i..].IndexOf(Crlf);
            var lineStop = e < 0 ? head.Length : i + e;
            var line = head[i..lineStop];
            var next = lineStop + 2;
            var folded = false;
            while (next < head.Length && (head[next] == ' ' || head[next] == '\t'))
            {
                folded = true;
                var e2 = head[next..].IndexOf(Crlf);
                next = e2 < 0 ? head.Length + 2 : next + e2 + 2;
            }
            var whole = head[i..Math.Min(next - 2, head.Length)];
            i = next;
            if (line.IsEmpty) continue;
            if (line[0] == ' ' || line[0] == '\t')
            {
                SetError(ref error, ref detail, SipParseError.InvalidHeaderLine, "continuation line without a header");
                continue;
            }
            if (headers.Count >= options.MaxHeaderCount)
            {
                SetError(ref error, ref detail, SipParseError.TooManyHeaders, "too many header fields");
                break;
            }
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                SetError(ref error, ref detail, SipParseError.InvalidHeaderLine, "header line without ':'");
                continue;
            }
            var nameSpan = line[..colon].TrimEnd(" \t"u8);
            if (!IsToken(nameSpan))
            {
                SetError(ref error, ref detail, SipParseError.InvalidHeaderLine, "invalid header name");
                continue;
            }
            var name = SipHeaderNames.Canonicalize(nameSpan);
            var valueSpan = whole[(colon + 1)..];
            var value = folded ? Unfold(valueSpan) : Encoding.UTF8.GetString(valueSpan.Trim(" \t"u8));
            headers.AddCanonical(name, value);
            if (ReferenceEquals(name, SipHeaderNames.ContentLength))
            {
                if (!SipHeaderParsing.TryParseUInt(value, int.MaxValue, out var cl))
                {
                    SetError(ref error, ref detail, SipParseError.InvalidContentLength, "invalid Content-Length");
                }
                else if (contentLength >= 0 && contentLength != cl)
                {
                    conflictingLength = true;
                }
                else
                {
                    contentLength = cl;
                }
            }
        }

        if (missingEmptyLine) SetError(ref error, ref detail, SipParseError.MissingEmptyLine, "missing empty line after headers");

        // Body framing (RFC 3261 18.3).
        var available = rest.Length - bodyStart;
        int bodyLength;
        if (conflictingLength)
        {
            if (mode == SipParseMode.Stream)
                return new SipParseResult(SipParseError.ConflictingContentLength, "conflicting Content-Length headers", message, 0);
            bodyLength = available;
        }
        else if (contentLength >= 0 && error != SipParseError.InvalidContentLength)
        {
            if (contentLength > options.MaxBodyBytes)
                return new SipParseResult(SipParseError.BodyTooLarge, "body too large", message, 0);
            if (contentLength > available)
            {
                if (mode == SipParseMode.Stream) return new SipParseResult(SipParseError.Incomplete, "incomplete body", null, 0);
                SetError(ref error, ref detail, SipParseError.BodyTruncated, "body shorter than Content-Length");
                bodyLength = available;
            }
            else
            {
                bodyLength = (int)contentLength;
            }
        }
        else
        {
            bodyLength = mode == SipParseMode.Datagram ? available : 0;
        }
        if (bodyLength > options.MaxBodyBytes)
            return new SipParseResult(SipParseError.BodyTooLarge, "body too large", message, 0);
        if (bodyLength > 0) message.Body = rest.Slice(bodyStart, bodyLength).ToArray();
        var consumed = pos + Math.Min(rest.Length, bodyStart + bodyLength);

        if (error == SipParseError.None)
        {
            var headerError = message.ValidateCoreHeaders();
            if (headerError is not null)
            {
                error = headerError.Value.Error;
                detail = headerError.Value.Detail;
            }
        }
        return new SipParseResult(error, detail, message, consumed);
    }

    private static void SetError(ref SipParseError error, ref string? detail, SipParseError e, string d)
    {
        if (error != SipParseError.None) return;
        error = e;
        detail = d;
    }

    private static SipMessage? ParseStartLine(ReadOnlySpan<byte> line, ref SipParseError error, ref string? detail)
    {
        if (line.StartsWith("SIP/"u8))
        {
            // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
            var sp = line.IndexOf((byte)' ');
            if (sp < 0 || !Ascii.EqualsIgnoreCase(line[..sp], "SIP/2.0"u8))
            {
                SetError(ref error, ref detail, sp < 0 ? SipParseError.InvalidStartLine : SipParseError.UnsupportedVersion, "invalid status line");
                return null;
            }
            var rest = line[(sp + 1)..];
            if (rest.Length < 3 || !IsDigit(rest[0]) || !IsDigit(rest[1]) || !IsDigit(rest[2]) || (rest.Length > 3 && rest[3] != ' ') || rest[0] == '0')
            {
                SetError(ref error, ref detail, SipParseError.InvalidStatusCode, "invalid status code");
                return null;
            }
            var code = (rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0');
            if (code < 100 || code > 699)
            {
                SetError(ref error, ref detail, SipParseError.InvalidStatusCode, "invalid status code");
                return null;
            }
            var reason = rest.Length > 4 ? Encoding.UTF8.GetString(rest[4..]) : string.Empty;
            return new SipResponse(code, reason, new SipHeaders(16));
        }

        // Request-Line = Method SP Request-URI SP SIP-Version
        var s1 = line.IndexOf((byte)' ');
        if (s1 <= 0 || !IsToken(line[..s1]))
        {
            SetError(ref error, ref detail, SipParseError.InvalidStartLine, "invalid request line");
            return null;
        }
        var method = SipMethods.Intern(line[..s1]);
        var after = line[(s1 + 1)..];
        var s2 = after.IndexOf((byte)' ');
        if (after.IsEmpty || after[0] == ' ' || s2 < 0 || after[(s2 + 1)..].Contains((byte)' '))
        {
            SetError(ref error, ref detail, SipParseError.InvalidStartLine, "request line elements must be separated by single spaces");
            return new SipRequest(method, SipUri.CreateInvalid(Encoding.UTF8.GetString(after.Trim(" "u8))), new SipHeaders(16));
        }
        var uriText = Encoding.UTF8.GetString(after[..s2]);
        var version = after[(s2 + 1)..];
        if (!Ascii.EqualsIgnoreCase(version, "SIP/2.0"u8))
        {
            SetError(ref error, ref detail, SipParseError.UnsupportedVersion, "unsupported SIP version");
            return new SipRequest(method, SipUri.CreateInvalid(uriText), new SipHeaders(16));
        }
        if (!SipUri.TryParse(uriText, out var uri, out var uriError))
        {
            SetError(ref error, ref detail, SipParseError.InvalidRequestUri, "invalid Request-URI: " + uriError);
            return new SipRequest(method, SipUri.CreateInvalid(uriText), new SipHeaders(16));
        }
        if (uri!.Headers.Count > 0)
        {
            // RFC 4475 3.1.2.11: escaped headers belong in a Contact/Refer-To, never in a Request-URI.
            SetError(ref error, ref detail, SipParseError.InvalidRequestUri, "Request-URI must not contain headers");
        }
        return new SipRequest(method, uri, new SipHeaders(16));
    }

    private static string Unfold(ReadOnlySpan<byte> value)
    {
        // Each CRLF followed by whitespace collapses, with the surrounding whitespace, to one SP.
        var sb = new StringBuilder(value.Length);
        var rest = value;
        while (true)
        {
            var e = rest.IndexOf(Crlf);
            var part = (e < 0 ? rest : rest[..e]).Trim(" \t"u8);
            if (!part.IsEmpty)
            {
                if (sb.Length > 0) sb.Append(' ');
                sb.Append(Encoding.UTF8.GetString(part));
            }
            if (e < 0) break;
            rest = rest[(e + 2)..];
        }
        return sb.ToString();
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    private static bool IsToken(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty) return false;
        foreach (var b in s)
        {
            if (!SipGrammar.IsTokenChar(b)) return false;
        }
        return true;
    }
}

using System.Buffers;
using System.Runtime.InteropServices;
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
        if (!ParseStartLine(startLine, ref error, ref detail, out var startInfo)) return new SipParseResult(error, detail, null, 0);

        // Header lines, unfolding continuation lines (RFC 3261 7.3.1). Each becomes an entry pointing into the
        // bytes (offsets from the start line); only folded or non-ASCII values are made strings here.
        var table = new EntryTable(stackalloc SipHeaders.Entry[32]);
        string?[]? values = null;
        List<string>? names = null;
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
            var lineStart = i;
            var whole = head[i..Math.Min(next - 2, head.Length)];
            i = next;
            if (line.IsEmpty) continue;
            if (line[0] == ' ' || line[0] == '\t')
            {
                SetError(ref error, ref detail, SipParseError.InvalidHeaderLine, "continuation line without a header");
                continue;
            }
            if (table.Count >= options.MaxHeaderCount)
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
            var nameId = SipHeaderNames.IdOf(nameSpan);
            if (nameId < 0)
            {
                names ??= new List<string>(2);
                nameId = SipHeaderNames.KnownCount + names.Count;
                names.Add(Encoding.ASCII.GetString(nameSpan));
            }
            var valueSpan = whole[(colon + 1)..];
            var trimmed = valueSpan.TrimStart(" \t"u8);
            var valueOffset = lineStart + colon + 1 + (valueSpan.Length - trimmed.Length);
            trimmed = trimmed.TrimEnd(" \t"u8);
            string? value = null;
            if (folded) value = Unfold(valueSpan);
            else if (trimmed.Length > ushort.MaxValue || !Ascii.IsValid(trimmed)) value = Encoding.UTF8.GetString(trimmed);
            if (value is not null)
            {
                values ??= new string?[head.Count(Crlf) + 1];
                values[table.Count] = value;
            }
            var isContentLength = nameId == ContentLengthId;
            table.Add(new SipHeaders.Entry
            {
                Offset = value is null ? valueOffset : -1,
                Length = value is null ? (ushort)trimmed.Length : (ushort)0,
                Name = (ushort)nameId,
            });
            if (isContentLength)
            {
                if (!TryParseContentLength(value, trimmed, out var cl))
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
                return Done(SipParseError.ConflictingContentLength, "conflicting Content-Length headers", rest, headersStop, 0, 0, ref table, values, names, startInfo, 0);
            bodyLength = available;
        }
        else if (contentLength >= 0 && error != SipParseError.InvalidContentLength)
        {
            if (contentLength > options.MaxBodyBytes)
                return Done(SipParseError.BodyTooLarge, "body too large", rest, headersStop, 0, 0, ref table, values, names, startInfo, 0);
            if (contentLength > available)
            {
                if (mode == SipParseMode.Stream)
                {
                    table.Dispose();
                    return new SipParseResult(SipParseError.Incomplete, "incomplete body", null, 0);
                }
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
            return Done(SipParseError.BodyTooLarge, "body too large", rest, headersStop, 0, 0, ref table, values, names, startInfo, 0);
        var copyLength = Math.Min(rest.Length, bodyStart + bodyLength);
        return Done(error, detail, rest, copyLength, bodyStart, bodyLength, ref table, values, names, startInfo, pos + copyLength);
    }

    private static readonly int ContentLengthId = SipHeaderNames.IdOf(SipHeaderNames.ContentLength);

    /// <summary>
    /// Copies the message once into the buffer it will own, with the header table after the bytes, builds the
    /// message, and (for a message that parsed cleanly) validates its core headers.
    /// </summary>
    private static SipParseResult Done(SipParseError error, string? detail, ReadOnlySpan<byte> rest, int copyLength, int bodyStart, int bodyLength,
        ref EntryTable table, string?[]? values, List<string>? names, in StartLine startInfo, int consumed)
    {
        var tableStart = (copyLength + 7) & ~7;
        var count = table.Count;
        var buffer = GC.AllocateUninitializedArray<byte>(tableStart + count * SipHeaders.Entry.Size);
        rest[..copyLength].CopyTo(buffer);
        buffer.AsSpan(copyLength, tableStart - copyLength).Clear();
        table.Entries.CopyTo(MemoryMarshal.Cast<byte, SipHeaders.Entry>(buffer.AsSpan(tableStart)));
        table.Dispose();
        if (values is not null && values.Length != count) Array.Resize(ref values, count);
        var headers = new SipHeaders(buffer, count, values, names);
        SipMessage message = startInfo.IsRequest
            ? new SipRequest(startInfo.Method!, startInfo.Uri, headers)
            : new SipResponse(startInfo.StatusCode, startInfo.Reason!, headers);
        if (bodyLength > 0) message.Body = new ReadOnlyMemory<byte>(buffer, bodyStart, bodyLength);
        if (error == SipParseError.None && SipCoreHeaderValidation.Validate(message) is { } headerError)
        {
            error = headerError.Error;
            detail = headerError.Detail;
        }
        return new SipParseResult(error, detail, message, consumed);
    }

    private static bool TryParseContentLength(string? value, ReadOnlySpan<byte> raw, out uint length)
    {
        if (value is not null) return SipHeaderParsing.TryParseUInt(value, int.MaxValue, out length);
        // The same check as on the string: widen the ASCII bytes (a longer value is no number anyway).
        Span<char> chars = stackalloc char[64];
        if (raw.Length > chars.Length) return SipHeaderParsing.TryParseUInt(Encoding.ASCII.GetString(raw), int.MaxValue, out length);
        Ascii.ToUtf16(raw, chars, out var n);
        return SipHeaderParsing.TryParseUInt(chars[..n], int.MaxValue, out length);
    }

    private static void SetError(ref SipParseError error, ref string? detail, SipParseError e, string d)
    {
        if (error != SipParseError.None) return;
        error = e;
        detail = d;
    }

    /// <summary>What the start line said: a request's method and (unless it is left to parse lazily) its URI, or a status.</summary>
    private readonly record struct StartLine(bool IsRequest, string? Method, SipUri? Uri, int StatusCode, string? Reason);

    private static bool ParseStartLine(ReadOnlySpan<byte> line, ref SipParseError error, ref string? detail, out StartLine start)
    {
        start = default;
        if (line.StartsWith("SIP/"u8))
        {
            // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
            var sp = line.IndexOf((byte)' ');
            if (sp < 0 || !Ascii.EqualsIgnoreCase(line[..sp], "SIP/2.0"u8))
            {
                SetError(ref error, ref detail, sp < 0 ? SipParseError.InvalidStartLine : SipParseError.UnsupportedVersion, "invalid status line");
                return false;
            }
            var rest = line[(sp + 1)..];
            if (rest.Length < 3 || !IsDigit(rest[0]) || !IsDigit(rest[1]) || !IsDigit(rest[2]) || (rest.Length > 3 && rest[3] != ' ') || rest[0] == '0')
            {
                SetError(ref error, ref detail, SipParseError.InvalidStatusCode, "invalid status code");
                return false;
            }
            var code = (rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0');
            if (code < 100 || code > 699)
            {
                SetError(ref error, ref detail, SipParseError.InvalidStatusCode, "invalid status code");
                return false;
            }
            var reason = string.Empty;
            if (rest.Length > 4)
            {
                // The usual phrase for the code is a constant: no string per response.
                var usual = SipReasonPhrases.For(code);
                reason = rest.Length - 4 == usual.Length && Ascii.Equals(rest[4..], usual) ? usual : Encoding.UTF8.GetString(rest[4..]);
            }
            start = new StartLine(false, null, null, code, reason);
            return true;
        }

        // Request-Line = Method SP Request-URI SP SIP-Version
        var s1 = line.IndexOf((byte)' ');
        if (s1 <= 0 || !IsToken(line[..s1]))
        {
            SetError(ref error, ref detail, SipParseError.InvalidStartLine, "invalid request line");
            return false;
        }
        var method = SipMethods.Intern(line[..s1]);
        var after = line[(s1 + 1)..];
        var s2 = after.IndexOf((byte)' ');
        if (after.IsEmpty || after[0] == ' ' || s2 < 0 || after[(s2 + 1)..].Contains((byte)' '))
        {
            SetError(ref error, ref detail, SipParseError.InvalidStartLine, "request line elements must be separated by single spaces");
            start = new StartLine(true, method, SipUri.CreateInvalid(Encoding.UTF8.GetString(after.Trim(" "u8))), 0, null);
            return true;
        }
        var uriBytes = after[..s2];
        var version = after[(s2 + 1)..];
        if (!Ascii.EqualsIgnoreCase(version, "SIP/2.0"u8))
        {
            SetError(ref error, ref detail, SipParseError.UnsupportedVersion, "unsupported SIP version");
            start = new StartLine(true, method, SipUri.CreateInvalid(Encoding.UTF8.GetString(uriBytes)), 0, null);
            return true;
        }
        // Validated here with SipUri's own grammar, built only when someone asks (SipRequest.RequestUri). A URI
        // with non-ASCII bytes cannot be valid: it takes the string path, which names the error.
        string? uriError;
        bool hasHeaders;
        bool valid;
        SipUri? eagerUri = null;
        if (Ascii.IsValid(uriBytes))
        {
            Span<char> chars = uriBytes.Length <= 512 ? stackalloc char[uriBytes.Length] : new char[uriBytes.Length];
            Ascii.ToUtf16(uriBytes, chars, out _);
            valid = SipUri.TryValidate(chars, out uriError, out hasHeaders);
        }
        else
        {
            // Kept as built: the lazy path reads the bytes as ASCII.
            valid = SipUri.TryParse(Encoding.UTF8.GetString(uriBytes), out eagerUri, out uriError);
            hasHeaders = eagerUri?.Headers.Count > 0;
        }
        if (!valid)
        {
            SetError(ref error, ref detail, SipParseError.InvalidRequestUri, "invalid Request-URI: " + uriError);
            start = new StartLine(true, method, SipUri.CreateInvalid(Encoding.UTF8.GetString(uriBytes)), 0, null);
            return true;
        }
        if (hasHeaders)
        {
            // RFC 4475 3.1.2.11: escaped headers belong in a Contact/Refer-To, never in a Request-URI.
            SetError(ref error, ref detail, SipParseError.InvalidRequestUri, "Request-URI must not contain headers");
        }
        start = new StartLine(true, method, eagerUri, 0, null);
        return true;
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

    /// <summary>The header entries while parsing: on the stack, spilling to a pooled array for long header sections.</summary>
    private ref struct EntryTable
    {
        private Span<SipHeaders.Entry> _span;
        private SipHeaders.Entry[]? _rented;

        public EntryTable(Span<SipHeaders.Entry> initial)
        {
            _span = initial;
            _rented = null;
            Count = 0;
        }

        public int Count { get; private set; }

        public readonly ReadOnlySpan<SipHeaders.Entry> Entries => _span[..Count];

        public void Add(SipHeaders.Entry entry)
        {
            if (Count == _span.Length)
            {
                var bigger = ArrayPool<SipHeaders.Entry>.Shared.Rent(_span.Length * 2);
                _span.CopyTo(bigger);
                if (_rented is not null) ArrayPool<SipHeaders.Entry>.Shared.Return(_rented);
                _rented = bigger;
                _span = bigger;
            }
            _span[Count++] = entry;
        }

        public void Dispose()
        {
            if (_rented is null) return;
            ArrayPool<SipHeaders.Entry>.Shared.Return(_rented);
            _rented = null;
        }
    }
}

namespace Acd.Sip.Parsing;

/// <summary>Character classes of the RFC 3261 section 25 grammar, shared by every header parser.</summary>
internal static class SipGrammar
{
    private static readonly bool[] TokenChars = BuildTokenTable();

    private static bool[] BuildTokenTable()
    {
        var t = new bool[128];
        for (var c = 'a'; c <= 'z'; c++) t[c] = true;
        for (var c = 'A'; c <= 'Z'; c++) t[c] = true;
        for (var c = '0'; c <= '9'; c++) t[c] = true;
        foreach (var c in "-.!%*_+`'~") t[c] = true;
        return t;
    }

    public static bool IsTokenChar(char c) => c < 128 && TokenChars[c];

    public static bool IsTokenChar(byte c) => c < 128 && TokenChars[c];

    public static bool IsToken(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty) return false;
        foreach (var c in s)
        {
            if (!IsTokenChar(c)) return false;
        }
        return true;
    }

    public static bool IsWs(char c) => c is ' ' or '\t';

    public static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    /// <summary>RFC 3261 25.1 unreserved: alphanumerics and the marks - _ . ! ~ * ' ( ).</summary>
    public static bool IsUnreserved(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '!' or '~' or '*' or '\'' or '(' or ')';

    /// <summary>Characters that may appear unescaped in a URI component we accept; '%' must start a valid escape.</summary>
    public static bool IsUriChar(char c) =>
        c > ' ' && c < 127 && c is not '<' and not '>' and not '"' and not '{' and not '}' and not '|' and not '\\' and not '^' and not '`';

    public static bool HasValidEscapes(ReadOnlySpan<char> s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '%')
            {
                if (i + 2 >= s.Length || !IsHex(s[i + 1]) || !IsHex(s[i + 2])) return false;
                i += 2;
            }
            else if (!IsUriChar(s[i]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Decodes %HH escapes. Escaped NULs are kept as U+0000 so strings are never truncated (RFC 4475 3.1.1.4).</summary>
    public static string Unescape(string s)
    {
        if (s.IndexOf('%') < 0) return s;
        var bytes = new List<byte>(s.Length);
        Span<byte> tmp = stackalloc byte[4];
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '%' && i + 2 < s.Length && IsHex(s[i + 1]) && IsHex(s[i + 2]))
            {
                bytes.Add((byte)((HexVal(s[i + 1]) << 4) | HexVal(s[i + 2])));
                i += 2;
            }
            else
            {
                var n = System.Text.Encoding.UTF8.GetBytes(s.AsSpan(i, char.IsHighSurrogate(c) && i + 1 < s.Length ? 2 : 1), tmp);
                if (n == 0) continue;
                for (var k = 0; k < n; k++) bytes.Add(tmp[k]);
                if (char.IsHighSurrogate(c) && i + 1 < s.Length) i++;
            }
        }
        return System.Text.Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static int HexVal(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    public static bool IsValidHost(ReadOnlySpan<char> host)
    {
        if (host.IsEmpty) return false;
        if (host[0] == '[')
        {
            if (host.Length < 3 || host[^1] != ']') return false;
            foreach (var c in host[1..^1])
            {
                if (!(char.IsAsciiHexDigit(c) || c == ':' || c == '.')) return false;
            }
            return true;
        }
        foreach (var c in host)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '.' || c == '_')) return false;
        }
        return true;
    }

    public static bool TryParsePort(ReadOnlySpan<char> s, out int port)
    {
        port = 0;
        if (s.IsEmpty || s.Length > 5) return false;
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c)) return false;
            port = port * 10 + (c - '0');
        }
        return port is > 0 and <= 65535;
    }

    public static string Quote(string s)
    {
        var sb = new System.Text.StringBuilder(s.Length + 2);
        sb.Append('"');
        foreach (var c in s)
        {
            if (c is '"' or '\\') sb.Append('\\');
            sb.Append(c);
        }
        sb.Append('"');
        return sb.ToString();
    }
}

/// <summary>
/// Cursor over a header value (already unfolded). Methods return false instead of throwing so
/// the header parsers can report a precise error without exceptions on the hot path.
/// </summary>
internal ref struct SipLexer
{
    private readonly ReadOnlySpan<char> _s;
    public int Pos;

    public SipLexer(ReadOnlySpan<char> s)
    {
        _s = s;
        Pos = 0;
    }

    public readonly bool End => Pos >= _s.Length;
    public readonly char Peek => Pos < _s.Length ? _s[Pos] : '\0';
    public readonly ReadOnlySpan<char> Rest => _s[Pos..];
    public readonly ReadOnlySpan<char> Source => _s;

    public void SkipWs()
    {
        while (Pos < _s.Length && SipGrammar.IsWs(_s[Pos])) Pos++;
    }

    public bool TryConsume(char c)
    {
        SkipWs();
        if (Pos < _s.Length && _s[Pos] == c)
        {
            Pos++;
            SkipWs();
            return true;
        }
        return false;
    }

    public ReadOnlySpan<char> Token()
    {
        var start = Pos;
        while (Pos < _s.Length && SipGrammar.IsTokenChar(_s[Pos])) Pos++;
        return _s[start..Pos];
    }

    /// <summary>Reads a quoted-string (cursor on the opening quote) and returns it unquoted.</summary>
    public bool TryQuoted(out string value)
    {
        value = string.Empty;
        if (Peek != '"') return false;
        var body = _s[(Pos + 1)..];
        var end = body.IndexOfAny('"', '\\');
        if (end >= 0 && body[end] == '"')
        {
            // Fast path: no escapes, the content is a plain slice.
            value = body[..end].ToString();
            Pos += end + 2;
            return true;
        }
        var sb = new System.Text.StringBuilder();
        Pos++;
        while (Pos < _s.Length)
        {
            var c = _s[Pos++];
            if (c == '"')
            {
                value = sb.ToString();
                return true;
            }
            if (c == '\\')
            {
                if (Pos >= _s.Length) return false;
                c = _s[Pos++];
            }
            sb.Append(c);
        }
        return false;
    }

    /// <summary>Steps over a quoted-string (cursor on the opening quote), accepting exactly what <see cref="TryQuoted"/> accepts.</summary>
    public bool SkipQuoted()
    {
        if (Peek != '"') return false;
        var p = Pos + 1;
        while (p < _s.Length)
        {
            var c = _s[p++];
            if (c == '"')
            {
                Pos = p;
                return true;
            }
            if (c == '\\')
            {
                if (p >= _s.Length) return false;
                p++;
            }
        }
        return false;
    }

    /// <summary>Reads a generic-param value: token, host (incl. IPv6 reference) or quoted-string; quotes are kept.</summary>
    public bool TryParamValue(out string value)
    {
        var ok = TryParamValue(out ReadOnlySpan<char> span);
        value = ok ? span.ToString() : string.Empty;
        return ok;
    }

    /// <summary>The span form of <see cref="TryParamValue(out string)"/>, for validation without building strings.</summary>
    public bool TryParamValue(out ReadOnlySpan<char> value)
    {
        value = default;
        if (Peek == '"')
        {
            var start = Pos;
            if (!SkipQuoted()) return false;
            value = _s[start..Pos];
            return true;
        }
        var s = Pos;
        while (Pos < _s.Length)
        {
            var c = _s[Pos];
            if (SipGrammar.IsTokenChar(c) || c is '[' or ']' or ':' or '/' or '@') Pos++;
            else break;
        }
        if (Pos == s) return false;
        value = _s[s..Pos];
        return true;
    }
}

using Acd.Sip.Parsing;
using Acd.Sip.Uris;

namespace Acd.Sip.Headers;

/// <summary>Grammar shared by the typed headers: generic-param lists and comma lists.</summary>
internal static class SipHeaderParsing
{
    /// <summary>Parses *( SEMI generic-param ) starting at the cursor; stops before ',' or end. A null target only validates.</summary>
    public static bool TryParseParams(ref SipLexer lx, SipParameters? target, out string? error)
    {
        error = null;
        lx.SkipWs();
        while (lx.Peek == ';')
        {
            lx.Pos++;
            lx.SkipWs();
            var name = lx.Token();
            if (name.IsEmpty)
            {
                error = "empty parameter";
                return false;
            }
            lx.SkipWs();
            ReadOnlySpan<char> value = default;
            var hasValue = false;
            if (lx.Peek == '=')
            {
                lx.Pos++;
                lx.SkipWs();
                if (!lx.TryParamValue(out value))
                {
                    error = $"parameter '{name}' has no value";
                    return false;
                }
                hasValue = true;
            }
            target?.Add(name, hasValue ? value.ToString() : null);
            lx.SkipWs();
        }
        return true;
    }

    /// <summary>Comma-separated tokens (Require, Supported, Allow...), empty items ignored.</summary>
    public static List<string> SplitTokens(IEnumerable<string> values)
    {
        var list = new List<string>();
        foreach (var v in values)
        {
            foreach (var r in v.AsSpan().Split(','))
            {
                var t = v.AsSpan()[r].Trim();
                if (!t.IsEmpty) list.Add(t.ToString());
            }
        }
        return list;
    }

    public static bool TryParseUInt(ReadOnlySpan<char> s, uint max, out uint value)
    {
        value = 0;
        s = s.Trim();
        if (s.IsEmpty) return false;
        ulong acc = 0;
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c)) return false;
            acc = acc * 10 + (uint)(c - '0');
            if (acc > max) return false;
        }
        value = (uint)acc;
        return true;
    }
}

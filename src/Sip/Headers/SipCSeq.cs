using Acd.Sip.Messages;
using Acd.Sip.Parsing;

namespace Acd.Sip.Headers;

/// <summary>CSeq: sequence number (below 2^31, RFC 3261 8.1.1.5) and method.</summary>
public sealed record SipCSeq(uint Number, string Method)
{
    public override string ToString() => $"{Number} {Method}";

    public static bool TryParse(string? value, out SipCSeq? cseq)
    {
        cseq = null;
        if (value is null || !TryValidate(value, out var n, out var m)) return false;
        cseq = new SipCSeq(n, SipMethods.Intern(m));
        return true;
    }

    /// <summary>The grammar of <see cref="TryParse"/> on a span: number and method, building nothing.</summary>
    internal static bool TryValidate(ReadOnlySpan<char> value, out uint number, out ReadOnlySpan<char> method)
    {
        number = 0;
        method = default;
        var s = value.Trim();
        var i = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        if (i == 0 || i == s.Length || !SipGrammar.IsWs(s[i])) return false;
        if (!SipHeaderParsing.TryParseUInt(s[..i], int.MaxValue, out number)) return false;
        method = s[i..].Trim();
        return SipGrammar.IsToken(method);
    }
}

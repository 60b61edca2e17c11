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
        if (value is null) return false;
        var s = value.AsSpan().Trim();
        var i = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        if (i == 0 || i == s.Length || !SipGrammar.IsWs(s[i])) return false;
        if (!SipHeaderParsing.TryParseUInt(s[..i], int.MaxValue, out var n)) return false;
        var m = s[i..].Trim();
        if (!SipGrammar.IsToken(m)) return false;
        cseq = new SipCSeq(n, SipMethods.Intern(m));
        return true;
    }
}

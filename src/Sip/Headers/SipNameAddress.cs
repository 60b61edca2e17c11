using System.Text;
using Acd.Sip.Parsing;
using Acd.Sip.Uris;

namespace Acd.Sip.Headers;

/// <summary>
/// name-addr / addr-spec with header parameters, as used by From, To, Contact, Route, Record-Route,
/// Refer-To, Referred-By, Reply-To and Path. Contact "*" is represented by <see cref="IsWildcard"/>.
/// </summary>
public sealed class SipNameAddress
{
    private string? _text;

    public SipNameAddress(SipUri uri, string? displayName = null, IEnumerable<KeyValuePair<string, string?>>? parameters = null)
    {
        Uri = uri;
        DisplayName = displayName;
        Parameters = parameters is null ? new SipParameters() : new SipParameters(parameters);
    }

    private SipNameAddress(SipUri uri, string? displayName, SipParameters parameters, bool wildcard, string? text)
    {
        Uri = uri;
        DisplayName = displayName;
        Parameters = parameters;
        IsWildcard = wildcard;
        _text = text;
    }

    public static SipNameAddress Wildcard { get; } = new(new SipUri("sip", null, "invalid"), null, new SipParameters(), true, "*");

    /// <summary>Display name without quotes or escapes.</summary>
    public string? DisplayName { get; }

    public SipUri Uri { get; }

    /// <summary>Header parameters (tag, q, expires, +sip.instance...). Do not mutate parsed instances.</summary>
    public SipParameters Parameters { get; }

    public bool IsWildcard { get; }

    public string? Tag => Parameters["tag"];

    public SipNameAddress WithTag(string tag) => WithParameter("tag", tag);

    public SipNameAddress WithParameter(string name, string? value)
    {
        var p = Parameters.Clone();
        p.Set(name, value);
        return new SipNameAddress(Uri, DisplayName, p, IsWildcard, null);
    }

    public SipNameAddress WithUri(SipUri uri) => new(uri, DisplayName, Parameters.Clone(), false, null);

    public SipNameAddress WithoutParameters() => new(Uri, DisplayName, new SipParameters(), IsWildcard, null);

    public override string ToString() => _text ??= Format();

    private string Format()
    {
        if (IsWildcard) return "*";
        var sb = new StringBuilder(64);
        if (!string.IsNullOrEmpty(DisplayName)) sb.Append(SipGrammar.Quote(DisplayName)).Append(' ');
        sb.Append('<').Append(Uri.ToString()).Append('>');
        Parameters.AppendTo(sb, ';', ';');
        return sb.ToString();
    }

    public static bool TryParse(string? value, out SipNameAddress? result) => TryParse(value, out result, out _);

    public static SipNameAddress Parse(string value) =>
        TryParse(value, out var r, out var e) ? r! : throw new FormatException(e);

    public static bool TryParse(string? value, out SipNameAddress? result, out string? error)
    {
        result = null;
        if (value is null)
        {
            error = "missing value";
            return false;
        }
        if (!TryParse(value, build: true, out result, out error)) return false;
        result!._text = value.Trim();
        return true;
    }

    /// <summary>Checks a From/To value with the grammar of <see cref="TryParse(string?, out SipNameAddress?, out string?)"/>, building nothing.</summary>
    internal static bool TryValidate(ReadOnlySpan<char> value, out string? error) => TryParse(value, build: false, out _, out error);

    private static bool TryParse(ReadOnlySpan<char> value, bool build, out SipNameAddress? result, out string? error)
    {
        var lx = new SipLexer(value);
        if (!TryParseOne(ref lx, allowWildcard: false, build, out result, out error)) return false;
        lx.SkipWs();
        if (!lx.End)
        {
            result = null;
            error = "unexpected characters after address";
            return false;
        }
        return true;
    }

    /// <summary>Parses a comma-separated list (Contact, Route, Record-Route) appending to <paramref name="target"/>.</summary>
    public static bool TryParseList(string value, List<SipNameAddress> target, bool allowWildcard, out string? error) =>
        TryParseList(value, value, target, allowWildcard, out error);

    /// <summary>Checks a list value with the grammar of <see cref="TryParseList(string, List{SipNameAddress}, bool, out string?)"/>, building nothing.</summary>
    internal static bool TryValidateList(ReadOnlySpan<char> value, bool allowWildcard, out string? error) =>
        TryParseList(value, null, null, allowWildcard, out error);

    // A null target only validates: same grammar, no objects.
    private static bool TryParseList(ReadOnlySpan<char> value, string? text, List<SipNameAddress>? target, bool allowWildcard, out string? error)
    {
        var lx = new SipLexer(value);
        error = null;
        while (true)
        {
            var start = lx.Pos;
            if (!TryParseOne(ref lx, allowWildcard, target is not null, out var item, out error)) return false;
            if (target is not null)
            {
                var slice = value[start..lx.Pos].Trim();
                item!._text = slice.Length == value.Length ? text : slice.ToString();
                target.Add(item);
            }
            lx.SkipWs();
            if (lx.End) return true;
            if (lx.Peek != ',')
            {
                error = "expected ',' between addresses";
                return false;
            }
            lx.Pos++;
            lx.SkipWs();
        }
    }

    private static string CollapseWs(ReadOnlySpan<char> s)
    {
        if (s.IndexOfAny(' ', '\t') < 0) return s.ToString();
        var sb = new StringBuilder(s.Length);
        var ws = false;
        foreach (var c in s)
        {
            if (c is ' ' or '\t')
            {
                ws = true;
                continue;
            }
            if (ws && sb.Length > 0) sb.Append(' ');
            ws = false;
            sb.Append(c);
        }
        return sb.ToString();
    }

    private static bool TryParseOne(ref SipLexer lx, bool allowWildcard, bool build, out SipNameAddress? result, out string? error)
    {
        result = null;
        lx.SkipWs();
        if (lx.End)
        {
            error = "empty address";
            return false;
        }
        if (allowWildcard && lx.Peek == '*')
        {
            lx.Pos++;
            var wp = build ? new SipParameters() : null;
            if (!SipHeaderParsing.TryParseParams(ref lx, wp, out error)) return false;
            if (build) result = new SipNameAddress(Wildcard.Uri, null, wp!, true, null);
            return true;
        }
        string? display = null;
        SipUri? uri = null;
        var start = lx.Pos;
        if (lx.Peek == '"')
        {
            string? d = null;
            if (build ? !lx.TryQuoted(out d) : !lx.SkipQuoted())
            {
                error = "unterminated quoted display name";
                return false;
            }
            display = d;
            lx.SkipWs();
            if (lx.Peek != '<')
            {
                error = "quoted display name must be followed by <URI>";
                return false;
            }
        }
        else
        {
            // *(token LWS) followed by '<' is a display name; anything else is an addr-spec.
            var tokensEnd = start;
            while (true)
            {
                var t = lx.Token();
                if (t.IsEmpty) break;
                tokensEnd = lx.Pos;
                lx.SkipWs();
            }
            if (lx.Peek == '<')
            {
                // Collapse the LWS between tokens to single spaces.
                display = build && tokensEnd > start ? CollapseWs(lx.Source[start..tokensEnd]) : null;
            }
            else
            {
                lx.Pos = start;
            }
        }
        if (lx.Peek == '<')
        {
            lx.Pos++;
            var rest = lx.Rest;
            var close = rest.IndexOf('>');
            if (close < 0)
            {
                error = "missing '>'";
                return false;
            }
            var inner = rest[..close];
            if (inner.Length > 0 && (SipGrammar.IsWs(inner[0]) || SipGrammar.IsWs(inner[^1])))
            {
                // RFC 3261 25.1: LAQUOT/RAQUOT take no whitespace inside the brackets (RFC 4475 3.1.2.14).
                error = "whitespace inside <> around the URI";
                return false;
            }
            if (!(build ? SipUri.TryParse(inner.ToString(), out uri, out error) : SipUri.TryValidate(inner, out error, out _)))
            {
                error = "invalid URI: " + error;
                return false;
            }
            lx.Pos += close + 1;
        }
        else
        {
            // addr-spec: the URI ends at the first ';', ',' or whitespace, so it may carry no
            // parameters or headers of its own (RFC 3261 20: such URIs must be in angle brackets).
            var rest = lx.Rest;
            var end = rest.IndexOfAny(" \t;,");
            if (end < 0) end = rest.Length;
            var uriText = rest[..end];
            if (uriText.Contains('?'))
            {
                error = "URI with headers must be enclosed in <>";
                return false;
            }
            if (!(build ? SipUri.TryParse(uriText.ToString(), out uri, out error) : SipUri.TryValidate(uriText, out error, out _)))
            {
                error = "invalid address: " + error;
                return false;
            }
            lx.Pos += end;
        }
        var parameters = build ? new SipParameters() : null;
        if (!SipHeaderParsing.TryParseParams(ref lx, parameters, out error)) return false;
        if (build) result = new SipNameAddress(uri!, display, parameters!, false, null);
        error = null;
        return true;
    }
}

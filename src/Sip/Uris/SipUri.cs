using System.Text;
using Acd.Sip.Parsing;

namespace Acd.Sip.Uris;

/// <summary>
/// A SIP, SIPS or tel URI (RFC 3261 19.1, RFC 3966), or any other absolute URI kept opaque so that
/// a request for an unknown scheme still parses and can be answered 416. Immutable: parsed instances
/// serialize exactly as received; the With* methods build modified copies.
/// </summary>
public sealed class SipUri : IEquatable<SipUri>
{
    private string? _text;

    private SipUri(string scheme, string? user, string? password, string host, int? port, SipParameters parameters, SipParameters headers, string? text)
    {
        Scheme = scheme;
        User = user;
        Password = password;
        Host = host;
        Port = port;
        Parameters = parameters;
        Headers = headers;
        _text = text;
    }

    /// <summary>Builds a sip: (or sips:) URI.</summary>
    public SipUri(string scheme, string? user, string host, int? port = null, IEnumerable<KeyValuePair<string, string?>>? parameters = null)
        : this(scheme.ToLowerInvariant(), user, null, host, port, parameters is null ? new SipParameters() : new SipParameters(parameters), new SipParameters(), null)
    {
    }

    /// <summary>Lower-case scheme: "sip", "sips", "tel" or any other registered scheme.</summary>
    public string Scheme { get; }

    /// <summary>User part as written (still %-escaped); for tel: null.</summary>
    public string? User { get; }

    public string? Password { get; }

    /// <summary>Host for sip/sips, the number for tel, the scheme-specific part for other schemes.</summary>
    public string Host { get; }

    public int? Port { get; }

    /// <summary>URI parameters (";transport=tcp;lr"). Do not mutate parsed instances; use <see cref="WithParameter"/>.</summary>
    public SipParameters Parameters { get; }

    /// <summary>URI headers ("?Replaces=..."), escaped as written.</summary>
    public SipParameters Headers { get; }

    public bool IsSip => Scheme is "sip" or "sips";
    public bool IsSecure => Scheme == "sips";
    public bool IsTel => Scheme == "tel";

    /// <summary>User part with %-escapes decoded (escaped NULs preserved).</summary>
    public string? UserUnescaped => User is null ? null : SipGrammar.Unescape(User);

    public string? Transport => Parameters["transport"];
    public bool LooseRouting => Parameters.Contains("lr");

    public static bool TryParse(string? text, out SipUri? uri) => TryParse(text, out uri, out _);

    /// <summary>Placeholder for an unparsable Request-URI so a 400 can still be built; never equal to a real URI.</summary>
    internal static SipUri CreateInvalid(string raw) => new(string.Empty, null, null, raw, null, new SipParameters(), new SipParameters(), raw);

    public bool IsValid => Scheme.Length > 0;

    public static SipUri Parse(string text) =>
        TryParse(text, out var uri, out var error) ? uri! : throw new FormatException(error);

    /// <summary>Parses an absolute URI; <paramref name="error"/> names the problem on failure.</summary>
    public static bool TryParse(string? text, out SipUri? uri, out string? error)
    {
        if (string.IsNullOrEmpty(text))
        {
            uri = null;
            error = "empty URI";
            return false;
        }
        return TryParse(text, text, out uri, out error, out _);
    }

    /// <summary>
    /// Checks <paramref name="text"/> with exactly the grammar of <see cref="TryParse(string?, out SipUri?, out string?)"/>
    /// without building anything: how the parser validates a Request-URI it only materializes when asked.
    /// </summary>
    internal static bool TryValidate(ReadOnlySpan<char> text, out string? error, out bool hasHeaders)
    {
        if (text.IsEmpty)
        {
            error = "empty URI";
            hasHeaders = false;
            return false;
        }
        return TryParse(text, null, out _, out error, out hasHeaders);
    }

    // One grammar for both uses: a null textString only validates (no strings, no parameter lists).
    private static bool TryParse(ReadOnlySpan<char> text, string? textString, out SipUri? uri, out string? error, out bool hasHeaders)
    {
        uri = null;
        error = null;
        hasHeaders = false;
        var colon = text.IndexOf(':');
        if (colon <= 0 || !char.IsAsciiLetter(text[0]))
        {
            error = "URI has no scheme";
            return false;
        }
        for (var i = 1; i < colon; i++)
        {
            var c = text[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
            {
                error = "invalid URI scheme";
                return false;
            }
        }
        var schemeSpan = text[..colon];
        var scheme = schemeSpan.Equals("sip", StringComparison.OrdinalIgnoreCase) ? "sip"
            : schemeSpan.Equals("sips", StringComparison.OrdinalIgnoreCase) ? "sips"
            : schemeSpan.Equals("tel", StringComparison.OrdinalIgnoreCase) ? "tel"
            : textString is null ? "" : schemeSpan.ToString().ToLowerInvariant();
        var rest = text[(colon + 1)..];
        if (scheme is "sip" or "sips") return TryParseSip(scheme, rest, textString, out uri, out error, out hasHeaders);
        if (rest.IsEmpty || !SipGrammar.HasValidEscapes(rest))
        {
            error = "invalid characters in URI";
            return false;
        }
        var isTel = scheme == "tel";
        var parameters = textString is null ? null : new SipParameters();
        var semi = rest.IndexOf(';');
        var main = semi < 0 ? rest : rest[..semi];
        if (isTel && semi >= 0 && !TryParseParams(rest[semi..], parameters, out error)) return false;
        if (textString is not null)
            uri = new SipUri(scheme, null, null, isTel ? main.ToString() : rest.ToString(), null, parameters!, new SipParameters(), textString);
        return true;
    }

    private static bool TryParseSip(string scheme, ReadOnlySpan<char> rest, string? text, out SipUri? uri, out string? error, out bool hasHeaders)
    {
        // A '@' before the first '?' ends the userinfo; URI headers often carry one unescaped (?To=sip:bob@host).
        var q0 = rest.IndexOf('?');
        if (TryParseSip(scheme, rest, (q0 < 0 ? rest : rest[..q0]).IndexOf('@'), text, out uri, out error, out hasHeaders)) return true;

        // But a user part may hold '?', ';', '/' and ',' (RFC 3261 25.1 user-unreserved, RFC 4475 3.1.1.2): when the
        // first reading fails, the userinfo runs up to the first character a userinfo cannot hold, if that is a '@'.
        var userinfoEnd = UserinfoLength(rest);
        return q0 >= 0 && q0 < userinfoEnd && userinfoEnd < rest.Length && rest[userinfoEnd] == '@'
            && TryParseSip(scheme, rest, userinfoEnd, text, out uri, out _, out hasHeaders);
    }

    private static int UserinfoLength(ReadOnlySpan<char> s)
    {
        var i = 0;
        while (i < s.Length && (SipGrammar.IsUnreserved(s[i]) || s[i] is '%' or '&' or '=' or '+' or '$' or ',' or ';' or '?' or '/' or ':'))
        {
            i++;
        }

        return i;
    }

    private static bool TryParseSip(string scheme, ReadOnlySpan<char> rest, int at, string? text, out SipUri? uri, out string? error, out bool hasHeaders)
    {
        uri = null;
        hasHeaders = false;
        var build = text is not null;
        string? user = null, password = null;
        if (at >= 0)
        {
            var userinfo = rest[..at];
            if (userinfo.IsEmpty || !SipGrammar.HasValidEscapes(userinfo))
            {
                error = "invalid user part in URI";
                return false;
            }
            if (build)
            {
                var pc = userinfo.IndexOf(':');
                if (pc >= 0)
                {
                    user = userinfo[..pc].ToString();
                    password = userinfo[(pc + 1)..].ToString();
                }
                else
                {
                    user = userinfo.ToString();
                }
            }
            rest = rest[(at + 1)..];
        }
        int hostEnd;
        if (!rest.IsEmpty && rest[0] == '[')
        {
            hostEnd = rest.IndexOf(']') + 1;
            if (hostEnd <= 0)
            {
                error = "unterminated IPv6 reference";
                return false;
            }
        }
        else
        {
            hostEnd = rest.IndexOfAny(":;?");
            if (hostEnd < 0) hostEnd = rest.Length;
        }
        var host = rest[..hostEnd];
        if (!SipGrammar.IsValidHost(host))
        {
            error = "invalid host in URI";
            return false;
        }
        rest = rest[hostEnd..];
        int? port = null;
        if (!rest.IsEmpty && rest[0] == ':')
        {
            var pe = rest.IndexOfAny(";?");
            if (pe < 0) pe = rest.Length;
            if (!SipGrammar.TryParsePort(rest[1..pe], out var p))
            {
                error = "invalid port in URI";
                return false;
            }
            port = p;
            rest = rest[pe..];
        }
        var parameters = build ? new SipParameters() : null;
        var headers = build ? new SipParameters() : null;
        var q = rest.IndexOf('?');
        var paramPart = q < 0 ? rest : rest[..q];
        if (!paramPart.IsEmpty && !TryParseParams(paramPart, parameters, out error)) return false;
        if (q >= 0)
        {
            var hp = rest[(q + 1)..];
            if (hp.IsEmpty || !SipGrammar.HasValidEscapes(hp))
            {
                error = "invalid URI headers";
                return false;
            }
            foreach (var range in hp.Split('&'))
            {
                var h = hp[range];
                var eq = h.IndexOf('=');
                if (eq <= 0)
                {
                    error = "invalid URI header";
                    return false;
                }
                hasHeaders = true;
                headers?.Add(h[..eq].ToString(), h[(eq + 1)..].ToString());
            }
        }
        error = null;
        if (build) uri = new SipUri(scheme, user, password, host.ToString(), port, parameters!, headers!, text);
        return true;
    }

    private static bool TryParseParams(ReadOnlySpan<char> s, SipParameters? target, out string? error)
    {
        error = null;
        // s starts with ';'
        if (!SipGrammar.HasValidEscapes(s))
        {
            error = "invalid characters in URI parameters";
            return false;
        }
        foreach (var range in s[1..].Split(';'))
        {
            var p = s[1..][range];
            if (p.IsEmpty)
            {
                error = "empty URI parameter";
                return false;
            }
            var eq = p.IndexOf('=');
            if (eq == 0)
            {
                error = "URI parameter without name";
                return false;
            }
            if (target is null) continue;
            if (eq < 0) target.Add(p, null);
            else target.Add(p[..eq], p[(eq + 1)..].ToString());
        }
        return true;
    }

    public SipUri WithParameter(string name, string? value)
    {
        var p = Parameters.Clone();
        p.Set(name, value);
        return new SipUri(Scheme, User, Password, Host, Port, p, Headers.Clone(), null);
    }

    public SipUri WithoutParameter(string name)
    {
        var p = Parameters.Clone();
        p.Remove(name);
        return new SipUri(Scheme, User, Password, Host, Port, p, Headers.Clone(), null);
    }

    public SipUri WithHeaders(IEnumerable<KeyValuePair<string, string?>> headers) =>
        new(Scheme, User, Password, Host, Port, Parameters.Clone(), new SipParameters(headers), null);

    public SipUri WithoutHeaders() => Headers.Count == 0 ? this : new(Scheme, User, Password, Host, Port, Parameters.Clone(), new SipParameters(), null);

    public SipUri WithHostPort(string host, int? port) => new(Scheme, User, Password, host, port, Parameters.Clone(), Headers.Clone(), null);

    public SipUri WithUser(string? user) => new(Scheme, user, Password, Host, Port, Parameters.Clone(), Headers.Clone(), null);

    public override string ToString() => _text ??= Format();

    private string Format()
    {
        var sb = new StringBuilder(64);
        sb.Append(Scheme).Append(':');
        if (!IsSip)
        {
            sb.Append(Host);
            if (IsTel) Parameters.AppendTo(sb, ';', ';');
            return sb.ToString();
        }
        if (User is not null)
        {
            sb.Append(User);
            if (Password is not null) sb.Append(':').Append(Password);
            sb.Append('@');
        }
        sb.Append(Host);
        if (Port is { } port) sb.Append(':').Append(port);
        Parameters.AppendTo(sb, ';', ';');
        Headers.AppendTo(sb, '?', '&');
        return sb.ToString();
    }

    /// <summary>URI equivalence per RFC 3261 19.1.4 (escapes decoded, host case-insensitive, selected parameters must match).</summary>
    public bool Equals(SipUri? other)
    {
        if (other is null) return false;
        if (ReferenceEquals(this, other)) return true;
        if (Scheme != other.Scheme) return false;
        if (!IsSip)
        {
            return IsTel
                ? string.Equals(Host.Replace("-", "").Replace(".", ""), other.Host.Replace("-", "").Replace(".", ""), StringComparison.OrdinalIgnoreCase) && ParamsCompatible(other, [])
                : string.Equals(Host, other.Host, StringComparison.OrdinalIgnoreCase);
        }
        if (!string.Equals(UserUnescaped, other.UserUnescaped, StringComparison.Ordinal)) return false;
        if (!string.Equals(Password is null ? null : SipGrammar.Unescape(Password), other.Password is null ? null : SipGrammar.Unescape(other.Password), StringComparison.Ordinal)) return false;
        if (!string.Equals(Host, other.Host, StringComparison.OrdinalIgnoreCase)) return false;
        if (Port != other.Port) return false;
        if (!ParamsCompatible(other, ["user", "ttl", "method", "maddr", "transport"])) return false;
        if (Headers.Count != other.Headers.Count) return false;
        foreach (var h in Headers)
        {
            if (!other.Headers.TryGet(h.Key, out var v) || !string.Equals(SipGrammar.Unescape(h.Value ?? ""), SipGrammar.Unescape(v ?? ""), StringComparison.OrdinalIgnoreCase)) return false;
        }
        return true;
    }

    private bool ParamsCompatible(SipUri other, string[] mustMatch)
    {
        foreach (var name in mustMatch)
        {
            if (Parameters.Contains(name) != other.Parameters.Contains(name)) return false;
        }
        foreach (var p in Parameters)
        {
            if (other.Parameters.TryGet(p.Key, out var v) &&
                !string.Equals(SipGrammar.Unescape(p.Value ?? ""), SipGrammar.Unescape(v ?? ""), StringComparison.OrdinalIgnoreCase)) return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as SipUri);

    public override int GetHashCode() => HashCode.Combine(Scheme, UserUnescaped, Host.ToLowerInvariant(), Port);
}

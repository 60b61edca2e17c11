using System.Text;
using Acd.Sip.Parsing;
using Acd.Sip.Uris;

namespace Acd.Sip.Headers;

/// <summary>One Via entry (RFC 3261 20.42) with branch, received and rport (RFC 3581).</summary>
public sealed class SipVia
{
    /// <summary>Branch prefix marking RFC 3261 compliant transaction ids.</summary>
    public const string MagicCookie = "z9hG4bK";

    private string? _text;

    public SipVia(string transport, string host, int? port, string? branch = null, bool rport = true)
    {
        Transport = transport.ToUpperInvariant();
        Host = host;
        Port = port;
        Parameters = new SipParameters();
        if (branch is not null) Parameters.Set("branch", branch);
        if (rport) Parameters.Set("rport", null);
    }

    private SipVia(string protocol, string transport, string host, int? port, SipParameters parameters)
    {
        Protocol = protocol;
        Transport = transport;
        Host = host;
        Port = port;
        Parameters = parameters;
    }

    /// <summary>"SIP/2.0".</summary>
    public string Protocol { get; } = "SIP/2.0";

    /// <summary>Upper-case transport token: UDP, TCP, TLS, SCTP, WS, WSS or any extension.</summary>
    public string Transport { get; }

    public string Host { get; }

    public int? Port { get; }

    public SipParameters Parameters { get; }

    public string? Branch => Parameters["branch"];

    public string? Received => Parameters["received"];

    public bool HasRport => Parameters.Contains("rport");

    /// <summary>Port filled in by the server per RFC 3581, or null when absent or empty.</summary>
    public int? RportValue => Parameters["rport"] is { } v && SipGrammar.TryParsePort(v, out var p) ? p : null;

    public string? Maddr => Parameters["maddr"];

    /// <summary>A branch of RFC 3261 17.2.3: the magic cookie and an id after it; a bare cookie (RFC 4475 3.2.1) is matched as RFC 2543's.</summary>
    public bool IsRfc3261Branch => Branch is { } b && b.Length > MagicCookie.Length && b.StartsWith(MagicCookie, StringComparison.Ordinal);

    /// <summary>"host:port" as written, the sent-by used for transaction matching.</summary>
    public string SentBy => Port is { } p ? $"{Host}:{p}" : Host;

    public SipVia Clone() => new(Protocol, Transport, Host, Port, Parameters.Clone()) { _text = _text };

    /// <summary>Sets received/rport in place; only used on an owned copy of the top Via.</summary>
    internal void MarkReceived(string? receivedIp, int? rport)
    {
        if (receivedIp is not null) Parameters.Set("received", receivedIp);
        if (rport is not null) Parameters.Set("rport", rport.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _text = null;
    }

    public override string ToString() => _text ??= Format();

    private string Format()
    {
        var sb = new StringBuilder(80);
        sb.Append(Protocol).Append('/').Append(Transport).Append(' ').Append(Host);
        if (Port is { } p) sb.Append(':').Append(p);
        Parameters.AppendTo(sb, ';', ';');
        return sb.ToString();
    }

    public static bool TryParseList(string value, List<SipVia> target, out string? error) => TryParseList(value, value, target, out error);

    /// <summary>Checks a Via header value with the grammar of <see cref="TryParseList(string, List{SipVia}, out string?)"/>, building nothing.</summary>
    internal static bool TryValidateList(ReadOnlySpan<char> value, out string? error) => TryParseList(value, null, null, out error);

    // A null target only validates: same grammar, no objects.
    private static bool TryParseList(ReadOnlySpan<char> value, string? text, List<SipVia>? target, out string? error)
    {
        var lx = new SipLexer(value);
        while (true)
        {
            var start = lx.Pos;
            if (!TryParseOne(ref lx, target is not null, out var via, out error)) return false;
            if (target is not null)
            {
                var slice = value[start..lx.Pos].Trim();
                via!._text = slice.Length == value.Length ? text : slice.ToString();
                target.Add(via);
            }
            lx.SkipWs();
            if (lx.End) return true;
            if (lx.Peek != ',')
            {
                error = "expected ',' between Via entries";
                return false;
            }
            lx.Pos++;
        }
    }

    private static string InternTransport(ReadOnlySpan<char> t)
    {
        foreach (var known in (ReadOnlySpan<string>)["UDP", "TCP", "TLS", "WS", "WSS", "SCTP"])
        {
            if (t.Equals(known, StringComparison.OrdinalIgnoreCase)) return known;
        }
        return t.ToString().ToUpperInvariant();
    }

    public static bool TryParse(string value, out SipVia? via)
    {
        var list = new List<SipVia>(1);
        via = TryParseList(value, list, out _) && list.Count == 1 ? list[0] : null;
        return via is not null;
    }

    private static bool TryParseOne(ref SipLexer lx, bool build, out SipVia? via, out string? error)
    {
        via = null;
        lx.SkipWs();
        var name = lx.Token();
        if (!lx.TryConsume('/'))
        {
            error = "invalid Via protocol";
            return false;
        }
        var version = lx.Token();
        if (!lx.TryConsume('/'))
        {
            error = "invalid Via protocol";
            return false;
        }
        var transport = lx.Token();
        if (name.IsEmpty || version.IsEmpty || transport.IsEmpty)
        {
            error = "invalid Via protocol";
            return false;
        }
        lx.SkipWs();
        var rest = lx.Rest;
        int hostEnd;
        if (!rest.IsEmpty && rest[0] == '[')
        {
            hostEnd = rest.IndexOf(']') + 1;
        }
        else
        {
            hostEnd = 0;
            while (hostEnd < rest.Length && (char.IsAsciiLetterOrDigit(rest[hostEnd]) || rest[hostEnd] is '-' or '.' or '_')) hostEnd++;
        }
        if (hostEnd <= 0 || !SipGrammar.IsValidHost(rest[..hostEnd]))
        {
            error = "invalid Via sent-by host";
            return false;
        }
        var host = rest[..hostEnd];
        lx.Pos += hostEnd;
        int? port = null;
        if (lx.TryConsume(':'))
        {
            var digits = lx.Token();
            if (!SipGrammar.TryParsePort(digits, out var p))
            {
                error = "invalid Via port";
                return false;
            }
            port = p;
        }
        var parameters = build ? new SipParameters() : null;
        if (!SipHeaderParsing.TryParseParams(ref lx, parameters, out error)) return false;
        if (!build) return true;
        var protocol = name.Equals("SIP", StringComparison.OrdinalIgnoreCase) && version.SequenceEqual("2.0") ? "SIP/2.0" : string.Concat(name, "/", version);
        via = new SipVia(protocol, InternTransport(transport), host.ToString(), port, parameters!);
        return true;
    }
}

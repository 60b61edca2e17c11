namespace Acd.Sip.Headers;

/// <summary>Canonical header names and their compact forms (RFC 3261 7.3.3 and extensions).</summary>
public static class SipHeaderNames
{
    public const string Accept = "Accept";
    public const string AcceptEncoding = "Accept-Encoding";
    public const string AcceptLanguage = "Accept-Language";
    public const string AlertInfo = "Alert-Info";
    public const string Allow = "Allow";
    public const string AllowEvents = "Allow-Events";
    public const string AuthenticationInfo = "Authentication-Info";
    public const string Authorization = "Authorization";
    public const string CallId = "Call-ID";
    public const string CallInfo = "Call-Info";
    public const string Contact = "Contact";
    public const string ContentDisposition = "Content-Disposition";
    public const string ContentEncoding = "Content-Encoding";
    public const string ContentLanguage = "Content-Language";
    public const string ContentLength = "Content-Length";
    public const string ContentType = "Content-Type";
    public const string CSeq = "CSeq";
    public const string Date = "Date";
    public const string ErrorInfo = "Error-Info";
    public const string Event = "Event";
    public const string Expires = "Expires";
    public const string From = "From";
    public const string InReplyTo = "In-Reply-To";
    public const string MaxForwards = "Max-Forwards";
    public const string MimeVersion = "MIME-Version";
    public const string MinExpires = "Min-Expires";
    public const string MinSE = "Min-SE";
    public const string Organization = "Organization";
    public const string Path = "Path";
    public const string Priority = "Priority";
    public const string ProxyAuthenticate = "Proxy-Authenticate";
    public const string ProxyAuthorization = "Proxy-Authorization";
    public const string ProxyRequire = "Proxy-Require";
    public const string RAck = "RAck";
    public const string Reason = "Reason";
    public const string RecordRoute = "Record-Route";
    public const string ReferredBy = "Referred-By";
    public const string ReferTo = "Refer-To";
    public const string Replaces = "Replaces";
    public const string ReplyTo = "Reply-To";
    public const string Require = "Require";
    public const string RetryAfter = "Retry-After";
    public const string Route = "Route";
    public const string RSeq = "RSeq";
    public const string Server = "Server";
    public const string SessionExpires = "Session-Expires";
    public const string Subject = "Subject";
    public const string SubscriptionState = "Subscription-State";
    public const string Supported = "Supported";
    public const string Timestamp = "Timestamp";
    public const string To = "To";
    public const string Unsupported = "Unsupported";
    public const string UserAgent = "User-Agent";
    public const string Via = "Via";
    public const string Warning = "Warning";
    public const string WwwAuthenticate = "WWW-Authenticate";

    private static readonly Dictionary<string, string> Known = Build();
    private static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> KnownBySpan = Known.GetAlternateLookup<ReadOnlySpan<char>>();

    private static Dictionary<string, string> Build()
    {
        var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var f in typeof(SipHeaderNames).GetFields())
        {
            if (f.IsLiteral && f.GetRawConstantValue() is string s) d[s] = string.Intern(s);
        }
        // compact forms (RFC 3261 7.3.3, 3515, 4028, 3265, 3892, 3841)
        d["i"] = CallId;
        d["m"] = Contact;
        d["e"] = ContentEncoding;
        d["l"] = ContentLength;
        d["c"] = ContentType;
        d["f"] = From;
        d["s"] = Subject;
        d["k"] = Supported;
        d["t"] = To;
        d["v"] = Via;
        d["o"] = Event;
        d["u"] = AllowEvents;
        d["r"] = ReferTo;
        d["b"] = ReferredBy;
        d["x"] = SessionExpires;
        return d;
    }

    // Every canonical name has a small id so parsed header entries can name their header in two bytes.
    private static readonly string[] ById = [.. Known.Values.Distinct()];
    private static readonly Dictionary<string, ushort> IdByName = BuildIds();
    private static readonly Dictionary<string, ushort>.AlternateLookup<ReadOnlySpan<char>> IdBySpan = IdByName.GetAlternateLookup<ReadOnlySpan<char>>();

    private static Dictionary<string, ushort> BuildIds()
    {
        var d = new Dictionary<string, ushort>(StringComparer.OrdinalIgnoreCase);
        foreach (var (spelling, canonical) in Known) d[spelling] = (ushort)Array.IndexOf(ById, canonical);
        return d;
    }

    /// <summary>Number of known names: ids below it are known, ids from it on are a message's own names.</summary>
    internal static int KnownCount => ById.Length;

    internal static string NameOfId(int id) => ById[id];

    // The constants above are what callers pass almost always: found by reference before hashing the text.
    private static readonly Dictionary<string, ushort> IdByInstance = new(ById.Select((n, i) => KeyValuePair.Create(n, (ushort)i)), ReferenceEqualityComparer.Instance);

    /// <summary>Id of a known name (any spelling or compact form), or -1.</summary>
    internal static int IdOf(string name) =>
        IdByInstance.TryGetValue(name, out var id) || IdByName.TryGetValue(name, out id) ? id : -1;

    internal static int IdOf(ReadOnlySpan<byte> name)
    {
        if (name.Length > 64) return -1;
        Span<char> chars = stackalloc char[name.Length];
        for (var i = 0; i < name.Length; i++) chars[i] = (char)name[i];
        return IdBySpan.TryGetValue(chars, out var id) ? id : -1;
    }

    /// <summary>Maps any spelling or compact form to the canonical name; unknown names are returned unchanged.</summary>
    public static string Canonicalize(string name) => Known.TryGetValue(name, out var c) ? c : name;

    internal static string Canonicalize(ReadOnlySpan<byte> name)
    {
        if (name.Length <= 64)
        {
            Span<char> chars = stackalloc char[name.Length];
            for (var i = 0; i < name.Length; i++) chars[i] = (char)name[i];
            if (KnownBySpan.TryGetValue(chars, out var c)) return c;
        }
        return System.Text.Encoding.ASCII.GetString(name);
    }

    public static bool IsCompact(string name) => name.Length == 1;
}

using System.Globalization;
using System.Text;
using Acd.Sip.Headers;
using Acd.Sip.Parsing;
using Acd.Sip.Uris;

namespace Acd.Sip.Messages;

/// <summary>
/// A SIP message independent of any transport. A parsed message owns one copy of its bytes (header
/// values and body are slices of it); the typed accessors parse on first use and are cached until the
/// headers change.
/// </summary>
public abstract class SipMessage
{
    // The typed headers, parsed on first use; one object so a message nobody inspects stays small.
    private sealed class TypedCache
    {
        public int Version = -1;
        public List<SipVia>? Vias;
        public SipNameAddress? From, To;
        public SipCSeq? CSeq;
        public List<SipNameAddress>? Contacts, Routes, RecordRoutes;
        public bool FromParsed, ToParsed, CSeqParsed;
    }

    private TypedCache? _typed;

    // Shared by messages without such headers; cached lists are never mutated once assigned.
    private static readonly List<SipNameAddress> Empty = [];

    private protected SipMessage(SipHeaders headers) => Headers = headers;

    public SipHeaders Headers { get; }

    /// <summary>Body bytes; Content-Length is computed from it when serializing. A parsed body is a slice of the received message.</summary>
    public ReadOnlyMemory<byte> Body { get; set; }

    public abstract bool IsRequest { get; }

    /// <summary>Method of the request, or the CSeq method of a response.</summary>
    public abstract string? TransactionMethod { get; }

    private TypedCache Cache
    {
        get
        {
            var c = _typed ??= new TypedCache();
            if (c.Version == Headers.Version) return c;
            c.Version = Headers.Version;
            c.Vias = null;
            c.Contacts = c.Routes = c.RecordRoutes = null;
            c.FromParsed = c.ToParsed = c.CSeqParsed = false;
            return c;
        }
    }

    /// <summary>All Via entries top-first; unparsable entries make the list empty.</summary>
    public IReadOnlyList<SipVia> Vias
    {
        get
        {
            var c = Cache;
            if (c.Vias is null)
            {
                var list = new List<SipVia>(2);
                for (var i = Headers.IndexOf(SipHeaderNames.Via, 0); i >= 0; i = Headers.IndexOf(SipHeaderNames.Via, i + 1))
                {
                    if (!SipVia.TryParseList(Headers.ValueAt(i), list, out _))
                    {
                        list.Clear();
                        break;
                    }
                }
                c.Vias = list;
            }
            return c.Vias;
        }
    }

    public SipVia? TopVia => Vias.Count > 0 ? Vias[0] : null;

    public SipNameAddress? From
    {
        get
        {
            var c = Cache;
            if (!c.FromParsed)
            {
                SipNameAddress.TryParse(Headers[SipHeaderNames.From], out c.From);
                c.FromParsed = true;
            }
            return c.From;
        }
        set => SetOrRemove(SipHeaderNames.From, value?.ToString());
    }

    public SipNameAddress? To
    {
        get
        {
            var c = Cache;
            if (!c.ToParsed)
            {
                SipNameAddress.TryParse(Headers[SipHeaderNames.To], out c.To);
                c.ToParsed = true;
            }
            return c.To;
        }
        set => SetOrRemove(SipHeaderNames.To, value?.ToString());
    }

    public string? CallId
    {
        get => Headers[SipHeaderNames.CallId];
        set => SetOrRemove(SipHeaderNames.CallId, value);
    }

    public SipCSeq? CSeq
    {
        get
        {
            var c = Cache;
            if (!c.CSeqParsed)
            {
                SipCSeq.TryParse(Headers[SipHeaderNames.CSeq], out c.CSeq);
                c.CSeqParsed = true;
            }
            return c.CSeq;
        }
        set => SetOrRemove(SipHeaderNames.CSeq, value?.ToString());
    }

    public int? MaxForwards
    {
        get => Headers[SipHeaderNames.MaxForwards] is { } v && SipHeaderParsing.TryParseUInt(v, 65535, out var n) ? (int)n : null;
        set => SetOrRemove(SipHeaderNames.MaxForwards, value?.ToString(CultureInfo.InvariantCulture));
    }

    public IReadOnlyList<SipNameAddress> Contacts
    {
        get
        {
            var c = Cache;
            return c.Contacts ??= ParseAddressList(SipHeaderNames.Contact, true);
        }
    }

    public IReadOnlyList<SipNameAddress> Routes
    {
        get
        {
            var c = Cache;
            return c.Routes ??= ParseAddressList(SipHeaderNames.Route, false);
        }
    }

    public IReadOnlyList<SipNameAddress> RecordRoutes
    {
        get
        {
            var c = Cache;
            return c.RecordRoutes ??= ParseAddressList(SipHeaderNames.RecordRoute, false);
        }
    }

    public string? ContentType
    {
        get => Headers[SipHeaderNames.ContentType];
        set => SetOrRemove(SipHeaderNames.ContentType, value);
    }

    public IReadOnlyList<string> Require => SipHeaderParsing.SplitTokens(Headers.GetAll(SipHeaderNames.Require));

    public IReadOnlyList<string> Supported => SipHeaderParsing.SplitTokens(Headers.GetAll(SipHeaderNames.Supported));

    public bool Supports(string optionTag) =>
        Supported.Contains(optionTag, StringComparer.OrdinalIgnoreCase) || Require.Contains(optionTag, StringComparer.OrdinalIgnoreCase);

    /// <summary>Body as text (UTF-8); empty string if there is none.</summary>
    public string BodyText
    {
        get => Body.IsEmpty ? string.Empty : Encoding.UTF8.GetString(Body.Span);
        set => Body = Encoding.UTF8.GetBytes(value);
    }

    /// <summary>Sets the body and its Content-Type in one call (empty/null clears both).</summary>
    public void SetBody(string? contentType, string? body)
    {
        if (string.IsNullOrEmpty(body))
        {
            Body = ReadOnlyMemory<byte>.Empty;
            Headers.Remove(SipHeaderNames.ContentType);
            return;
        }
        BodyText = body;
        ContentType = contentType;
    }

    private List<SipNameAddress> ParseAddressList(string name, bool wildcard)
    {
        var first = Headers.IndexOf(name, 0);
        if (first < 0) return Empty;
        var list = new List<SipNameAddress>();
        for (var i = first; i >= 0; i = Headers.IndexOf(name, i + 1))
        {
            if (!SipNameAddress.TryParseList(Headers.ValueAt(i), list, wildcard, out _))
            {
                list.Clear();
                break;
            }
        }
        return list;
    }

    private void SetOrRemove(string name, string? value)
    {
        if (value is null) Headers.Remove(name);
        else Headers.Set(name, value);
    }

    public byte[] ToBytes() => SipSerializer.ToBytes(this);

    /// <summary>The message as text for diagnostics (logs, test failures): SDES keys in its body are redacted. The wire form is <see cref="ToBytes"/>.</summary>
    public override string ToString() => Sdp.SdpKeys.Redact(Encoding.UTF8.GetString(ToBytes()));
}

/// <summary>A SIP request.</summary>
public sealed class SipRequest : SipMessage
{
    public SipRequest(string method, SipUri requestUri)
        : this(method, requestUri, new SipHeaders())
    {
    }

    private SipUri? _requestUri;

    internal SipRequest(string method, SipUri? requestUri, SipHeaders headers)
        : base(headers)
    {
        Method = method;
        _requestUri = requestUri;
    }

    public string Method { get; }

    /// <summary>
    /// The Request-URI. A parsed request validated it at parse time and builds it here on first use from the
    /// request line of the received bytes.
    /// </summary>
    public SipUri RequestUri
    {
        get => _requestUri ??= ParseRequestUri();
        set => _requestUri = value;
    }

    /// <summary>The Request-URI as received while nobody has asked for it as an object (the serializer writes these bytes).</summary>
    internal bool TryGetRawRequestUri(out ReadOnlySpan<byte> uri)
    {
        uri = default;
        if (_requestUri is not null || Headers.Buffer is not { } buffer) return false;
        var line = buffer.AsSpan();
        var s1 = line.IndexOf((byte)' ');
        var s2 = line[(s1 + 1)..].IndexOf((byte)' ');
        uri = line.Slice(s1 + 1, s2);
        return true;
    }

    private SipUri ParseRequestUri()
    {
        // Only a parsed request has no URI yet, and its request line passed SipUri's grammar (so it is ASCII).
        TryGetRawRequestUri(out var raw);
        return SipUri.TryParse(System.Text.Encoding.Latin1.GetString(raw), out var uri, out _) ? uri! : SipUri.CreateInvalid(System.Text.Encoding.Latin1.GetString(raw));
    }

    public override bool IsRequest => true;

    public override string? TransactionMethod => Method;

    /// <summary>Copies the request (headers and body shared by value): proxies and retries mutate the copy.</summary>
    public SipRequest Clone() => new(Method, _requestUri, Headers.Clone()) { Body = Body };
}

/// <summary>A SIP response.</summary>
public sealed class SipResponse : SipMessage
{
    public SipResponse(int statusCode, string? reasonPhrase = null)
        : this(statusCode, reasonPhrase ?? SipReasonPhrases.For(statusCode), new SipHeaders())
    {
    }

    internal SipResponse(int statusCode, string reasonPhrase, SipHeaders headers)
        : base(headers)
    {
        StatusCode = statusCode;
        ReasonPhrase = reasonPhrase;
    }

    public int StatusCode { get; }

    public string ReasonPhrase { get; }

    public override bool IsRequest => false;

    public override string? TransactionMethod => CSeq?.Method;

    public bool IsProvisional => StatusCode < 200;

    public bool IsSuccess => StatusCode is >= 200 and < 300;

    public bool IsFinal => StatusCode >= 200;

    public SipResponse Clone() => new(StatusCode, ReasonPhrase, Headers.Clone()) { Body = Body };

    /// <summary>
    /// Builds a response to <paramref name="request"/> per RFC 3261 8.2.6: Via, From, To, Call-ID and
    /// CSeq copied as text (so even a request whose From did not parse can be answered 400), and a To
    /// tag added for non-100 responses when the request had none.
    /// </summary>
    public static SipResponse Create(SipRequest request, int statusCode, string? reasonPhrase = null, string? toTag = null)
    {
        var r = new SipResponse(statusCode, reasonPhrase ?? SipReasonPhrases.For(statusCode));
        var headers = request.Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            var name = headers.NameAt(i);
            if (ReferenceEquals(name, SipHeaderNames.Via) || ReferenceEquals(name, SipHeaderNames.From) ||
                ReferenceEquals(name, SipHeaderNames.CallId) || ReferenceEquals(name, SipHeaderNames.CSeq) ||
                (statusCode == 100 && ReferenceEquals(name, SipHeaderNames.Timestamp)))
            {
                r.Headers.AddCopyOf(headers, i);
            }
            else if (ReferenceEquals(name, SipHeaderNames.To))
            {
                if (statusCode != 100 && request.To is { } to && to.Tag is null)
                    r.Headers.AddCanonical(name, to.WithTag(toTag ?? SipIds.NewTag()).ToString());
                else
                    r.Headers.AddCopyOf(headers, i);
            }
        }
        return r;
    }
}

/// <summary>Random identifiers for tags, branches and Call-IDs.</summary>
public static class SipIds
{
    public static string NewTag() => Random(8);

    public static string NewBranch() => SipVia.MagicCookie + Random(10);

    public static string NewCallId(string? host = null) => host is null ? Random(16) : Random(16) + "@" + host;

    private static string Random(int bytes)
    {
        Span<byte> b = stackalloc byte[bytes];
        System.Security.Cryptography.RandomNumberGenerator.Fill(b);
        return Convert.ToHexStringLower(b);
    }
}

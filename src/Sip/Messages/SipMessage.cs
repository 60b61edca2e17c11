using System.Globalization;
using System.Text;
using Acd.Sip.Headers;
using Acd.Sip.Parsing;
using Acd.Sip.Uris;

namespace Acd.Sip.Messages;

/// <summary>
/// A SIP message independent of any transport. Headers are stored as text; the typed accessors
/// parse on first use and are cached until the headers change.
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
                foreach (var v in Headers.GetAll(SipHeaderNames.Via))
                {
                    if (!SipVia.TryParseList(v, list, out _))
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

    /// <summary>
    /// Checks the headers every layer relies on with the grammar of their typed parsers, on the received
    /// bytes and without building them (the typed accessors parse on first use), and reports the first
    /// syntax error. Missing headers are not errors here: the validator answers those with 400.
    /// </summary>
    internal SipHeaderError? ValidateCoreHeaders()
    {
        var headers = Headers;
        var seen = SingleValued.None;
        var cseqMismatch = false;
        Span<char> scratch = stackalloc char[256];
        for (var i = 0; i < headers.Count; i++)
        {
            var name = headers.NameAt(i);
            var single = SingleValuedFlag(name);
            if (single != SingleValued.None)
            {
                // RFC 3261 7.3.1: these headers take one value; a second one is a malformed request (RFC 4475 3.3.8).
                if ((seen & single) != 0) return new SipHeaderError(SipParseError.InvalidHeaderValue, $"duplicate {name} header");
                seen |= single;
            }
            if (!IsCoreHeader(name)) continue;
            var value = ValueChars(headers, i, ref scratch);
            string? err;
            if (ReferenceEquals(name, SipHeaderNames.Via))
            {
                if (!SipVia.TryValidateList(value, out err)) return Bad("Via", err);
            }
            else if (ReferenceEquals(name, SipHeaderNames.Contact))
            {
                if (!SipNameAddress.TryValidateList(value, true, out err)) return Bad("Contact", err);
            }
            else if (ReferenceEquals(name, SipHeaderNames.Route))
            {
                if (!SipNameAddress.TryValidateList(value, false, out err)) return Bad("Route", err);
            }
            else if (ReferenceEquals(name, SipHeaderNames.RecordRoute))
            {
                if (!SipNameAddress.TryValidateList(value, false, out err)) return Bad("Record-Route", err);
            }
            else if (ReferenceEquals(name, SipHeaderNames.From) || ReferenceEquals(name, SipHeaderNames.To))
            {
                if (!SipNameAddress.TryValidate(value, out err)) return Bad(name, err);
            }
            else if (ReferenceEquals(name, SipHeaderNames.CSeq))
            {
                if (!SipCSeq.TryValidate(value, out _, out var method)) return Bad("CSeq", "invalid value");
                // Reported only once every header is known to be well-formed, as before.
                cseqMismatch = IsRequest && !method.SequenceEqual(TransactionMethod);
            }
            else if (ReferenceEquals(name, SipHeaderNames.MaxForwards))
            {
                if (!SipHeaderParsing.TryParseUInt(value, 255, out _)) return Bad("Max-Forwards", "not a number from 0 to 255");
            }
            else if (ReferenceEquals(name, SipHeaderNames.Expires) || ReferenceEquals(name, SipHeaderNames.MinExpires))
            {
                if (!SipHeaderParsing.TryParseUInt(value, uint.MaxValue, out _)) return Bad(name, "not a number of seconds below 2^32");
            }
            else if (ReferenceEquals(name, SipHeaderNames.Date))
            {
                // RFC 3261 20.17: rfc1123-date, and always GMT (RFC 4475 3.1.2.12).
                if (!DateTime.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out _))
                    return Bad("Date", "not an RFC 1123 date in GMT");
            }
        }
        if (cseqMismatch)
            return new SipHeaderError(SipParseError.CSeqMethodMismatch, "CSeq method does not match request method");
        return null;

        static SipHeaderError Bad(string header, string? why) => new(SipParseError.InvalidHeaderValue, $"invalid {header} header: {why}");
    }

    private static bool IsCoreHeader(string name) =>
        ReferenceEquals(name, SipHeaderNames.Via) || ReferenceEquals(name, SipHeaderNames.Contact) || ReferenceEquals(name, SipHeaderNames.Route)
        || ReferenceEquals(name, SipHeaderNames.RecordRoute) || ReferenceEquals(name, SipHeaderNames.From) || ReferenceEquals(name, SipHeaderNames.To)
        || ReferenceEquals(name, SipHeaderNames.CSeq) || ReferenceEquals(name, SipHeaderNames.MaxForwards) || ReferenceEquals(name, SipHeaderNames.Expires)
        || ReferenceEquals(name, SipHeaderNames.MinExpires) || ReferenceEquals(name, SipHeaderNames.Date);

    /// <summary>Entry <paramref name="index"/> as characters: its string if it has one, else its ASCII bytes widened into scratch.</summary>
    private static ReadOnlySpan<char> ValueChars(SipHeaders headers, int index, ref Span<char> scratch)
    {
        if (headers.PeekString(index) is not null || !headers.TryGetRaw(index, out var raw)) return headers.ValueAt(index);
        if (raw.Length > scratch.Length) scratch = new char[raw.Length];
        var chars = scratch[..raw.Length];
        System.Text.Ascii.ToUtf16(raw, chars, out _);
        return chars;
    }

    [Flags]
    private enum SingleValued
    {
        None = 0,
        From = 1,
        To = 2,
        CallId = 4,
        CSeq = 8,
        MaxForwards = 16,
        ContentType = 32,
        Expires = 64,
        Date = 128,
    }

    private static SingleValued SingleValuedFlag(string name) =>
        ReferenceEquals(name, SipHeaderNames.From) ? SingleValued.From
        : ReferenceEquals(name, SipHeaderNames.To) ? SingleValued.To
        : ReferenceEquals(name, SipHeaderNames.CallId) ? SingleValued.CallId
        : ReferenceEquals(name, SipHeaderNames.CSeq) ? SingleValued.CSeq
        : ReferenceEquals(name, SipHeaderNames.MaxForwards) ? SingleValued.MaxForwards
        : ReferenceEquals(name, SipHeaderNames.ContentType) ? SingleValued.ContentType
        : ReferenceEquals(name, SipHeaderNames.Expires) ? SingleValued.Expires
        : ReferenceEquals(name, SipHeaderNames.Date) ? SingleValued.Date
        : SingleValued.None;

    private List<SipNameAddress> ParseAddressList(string name, bool wildcard)
    {
        var list = new List<SipNameAddress>();
        foreach (var v in Headers.GetAll(name))
        {
            if (!SipNameAddress.TryParseList(v, list, wildcard, out _))
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

internal readonly record struct SipHeaderError(SipParseError Error, string Detail);

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

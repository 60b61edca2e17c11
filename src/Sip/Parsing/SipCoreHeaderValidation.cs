using System.Globalization;
using Acd.Sip.Headers;
using Acd.Sip.Messages;

namespace Acd.Sip.Parsing;

internal readonly record struct SipHeaderError(SipParseError Error, string Detail);

/// <summary>The syntax checks a parsed message gets before anyone reads it (RFC 3261 7.3, 20; RFC 4475).</summary>
internal static class SipCoreHeaderValidation
{
    /// <summary>
    /// Checks the headers every layer relies on with the grammar of their typed parsers, on the received
    /// bytes and without building them (the typed accessors parse on first use), and reports the first
    /// syntax error. Missing headers are not errors here: the validator answers those with 400.
    /// </summary>
    public static SipHeaderError? Validate(SipMessage message)
    {
        var headers = message.Headers;
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
                cseqMismatch = message.IsRequest && !method.SequenceEqual(message.TransactionMethod);
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

}

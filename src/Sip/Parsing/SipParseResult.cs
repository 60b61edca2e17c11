using Acd.Sip.Messages;

namespace Acd.Sip.Parsing;

/// <summary>What was wrong with an inbound message.</summary>
public enum SipParseError
{
    None = 0,
    /// <summary>Only whitespace/CRLF (a keep-alive), nothing to process.</summary>
    Empty,
    /// <summary>Stream mode: more bytes are needed.</summary>
    Incomplete,
    InvalidStartLine,
    InvalidRequestUri,
    UnsupportedVersion,
    InvalidStatusCode,
    InvalidHeaderLine,
    HeaderSectionTooLarge,
    TooManyHeaders,
    MissingEmptyLine,
    InvalidContentLength,
    ConflictingContentLength,
    BodyTooLarge,
    BodyTruncated,
    InvalidHeaderValue,
    CSeqMethodMismatch,
}

/// <summary>
/// Outcome of <see cref="SipParser.Parse"/>. On error <see cref="Message"/> may still hold what could
/// be parsed (start line and headers) so a server can answer 400 naming <see cref="Detail"/>;
/// when it is null the input must be dropped.
/// </summary>
public readonly struct SipParseResult
{
    internal SipParseResult(SipParseError error, string? detail, SipMessage? message, int consumed)
    {
        Error = error;
        Detail = detail;
        Message = message;
        BytesConsumed = consumed;
    }

    public SipParseError Error { get; }

    /// <summary>Human readable description of the problem, suitable for a reason phrase.</summary>
    public string? Detail { get; }

    public SipMessage? Message { get; }

    /// <summary>Bytes belonging to this message (a datagram's trailing octets are not counted).</summary>
    public int BytesConsumed { get; }

    public bool Success => Error == SipParseError.None;

    public override string ToString() => Success ? "OK" : $"{Error}: {Detail}";
}

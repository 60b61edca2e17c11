namespace Acd.Sip.Parsing;

/// <summary>Resource limits applied while parsing untrusted input.</summary>
public sealed class SipParserOptions
{
    public static SipParserOptions Default { get; } = new();

    /// <summary>Largest start line plus header section accepted.</summary>
    public int MaxHeaderSectionBytes { get; init; } = 64 * 1024;

    public int MaxHeaderCount { get; init; } = 256;

    public int MaxBodyBytes { get; init; } = 1024 * 1024;
}

/// <summary>How the input was delimited.</summary>
public enum SipParseMode
{
    /// <summary>A UDP datagram or WebSocket message: the input is the whole message.</summary>
    Datagram,
    /// <summary>A byte stream (TCP/TLS): the message ends where Content-Length says.</summary>
    Stream,
}

namespace Acd.Media.Codecs;

/// <summary>The audio codecs the engine carries. G.711 is enough for every peer: RFC 7874 makes it mandatory in WebRTC.</summary>
public enum AudioCodec
{
    Pcmu,
    Pcma,
}

/// <summary>What one side negotiated for a leg: payload type numbers for audio, telephone-event and comfort noise.</summary>
public sealed record NegotiatedCodecs(AudioCodec Audio, byte AudioPayloadType, byte? TelephoneEventPayloadType, byte? ComfortNoisePayloadType, int PacketTimeMs)
{
    public const int SampleRate = 8000;

    /// <summary>Samples (and G.711 bytes) in one packet of <see cref="PacketTimeMs"/>.</summary>
    public int SamplesPerPacket => SampleRate * PacketTimeMs / 1000;
}

public static class AudioCodecs
{
    /// <summary>Static payload types of RFC 3551 table 4.</summary>
    public const byte PcmuPayloadType = 0;

    public const byte PcmaPayloadType = 8;
    public const byte ComfortNoisePayloadType = 13;
    public const byte DefaultTelephoneEventPayloadType = 101;

    public static string EncodingName(this AudioCodec codec) => codec == AudioCodec.Pcma ? "PCMA" : "PCMU";

    public static byte StaticPayloadType(this AudioCodec codec) => codec == AudioCodec.Pcma ? PcmaPayloadType : PcmuPayloadType;

    public static AudioCodec? FromEncodingName(ReadOnlySpan<char> name) =>
        name.Equals("PCMU", StringComparison.OrdinalIgnoreCase) ? AudioCodec.Pcmu
        : name.Equals("PCMA", StringComparison.OrdinalIgnoreCase) ? AudioCodec.Pcma
        : null;
}

namespace Acd.Media.Srtp;

/// <summary>The SRTP crypto suites the engine speaks (RFC 3711 AES-CM with HMAC-SHA1; RFC 4568 names, RFC 5764 ids).</summary>
public enum SrtpProfile
{
    /// <summary>AES_CM_128_HMAC_SHA1_80 / SRTP_AES128_CM_HMAC_SHA1_80: the one every browser offers.</summary>
    AesCm128HmacSha1_80,

    /// <summary>AES_CM_128_HMAC_SHA1_32: 32-bit RTP tag (SRTCP keeps 80 bits, RFC 4568 6.2.1); some desk phones offer only this.</summary>
    AesCm128HmacSha1_32,
}

public static class SrtpProfiles
{
    public const int MasterKeyLength = 16;
    public const int MasterSaltLength = 14;
    public const int SessionAuthKeyLength = 20;
    public const int RtcpTagLength = 10;

    public static int RtpTagLength(this SrtpProfile profile) => profile == SrtpProfile.AesCm128HmacSha1_32 ? 4 : 10;

    public static string SdesName(this SrtpProfile profile) =>
        profile == SrtpProfile.AesCm128HmacSha1_32 ? "AES_CM_128_HMAC_SHA1_32" : "AES_CM_128_HMAC_SHA1_80";

    public static SrtpProfile? FromSdesName(ReadOnlySpan<char> name) => name switch
    {
        "AES_CM_128_HMAC_SHA1_80" => SrtpProfile.AesCm128HmacSha1_80,
        "AES_CM_128_HMAC_SHA1_32" => SrtpProfile.AesCm128HmacSha1_32,
        _ => null,
    };
}

public enum SrtpResult
{
    Ok,
    TooShort,
    BadHeader,
    AuthenticationFailed,
    Replayed,
    TooOld,
    BufferTooSmall,
}

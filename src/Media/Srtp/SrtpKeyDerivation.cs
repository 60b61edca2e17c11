namespace Acd.Media.Srtp;

/// <summary>Session keys derived from one master key and salt (RFC 3711 4.3) with a key derivation rate of 0.</summary>
public sealed record SrtpSessionKeys(byte[] RtpEncryption, byte[] RtpAuthentication, byte[] RtpSalt, byte[] RtcpEncryption, byte[] RtcpAuthentication, byte[] RtcpSalt);

public static class SrtpKeyDerivation
{
    private const byte LabelRtpEncryption = 0;
    private const byte LabelRtpAuthentication = 1;
    private const byte LabelRtpSalt = 2;
    private const byte LabelRtcpEncryption = 3;
    private const byte LabelRtcpAuthentication = 4;
    private const byte LabelRtcpSalt = 5;

    public static SrtpSessionKeys Derive(ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt)
    {
        if (masterKey.Length != SrtpProfiles.MasterKeyLength) throw new ArgumentException("the master key must be 16 bytes", nameof(masterKey));
        if (masterSalt.Length != SrtpProfiles.MasterSaltLength) throw new ArgumentException("the master salt must be 14 bytes", nameof(masterSalt));
        using var prf = new AesCounterMode(masterKey);
        return new SrtpSessionKeys(
            DeriveOne(prf, masterSalt, LabelRtpEncryption, SrtpProfiles.MasterKeyLength),
            DeriveOne(prf, masterSalt, LabelRtpAuthentication, SrtpProfiles.SessionAuthKeyLength),
            DeriveOne(prf, masterSalt, LabelRtpSalt, SrtpProfiles.MasterSaltLength),
            DeriveOne(prf, masterSalt, LabelRtcpEncryption, SrtpProfiles.MasterKeyLength),
            DeriveOne(prf, masterSalt, LabelRtcpAuthentication, SrtpProfiles.SessionAuthKeyLength),
            DeriveOne(prf, masterSalt, LabelRtcpSalt, SrtpProfiles.MasterSaltLength));
    }

    /// <summary>One key of <paramref name="length"/> bytes: AES-CM keystream at IV = (salt XOR (label || r)) * 2^16, r = 0.</summary>
    public static byte[] DeriveOne(ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, byte label, int length)
    {
        using var prf = new AesCounterMode(masterKey);
        return DeriveOne(prf, masterSalt, label, length);
    }

    private static byte[] DeriveOne(AesCounterMode prf, ReadOnlySpan<byte> masterSalt, byte label, int length)
    {
        Span<byte> iv = stackalloc byte[16];
        masterSalt.CopyTo(iv);
        // key_id = label || r (48 bits of zeros) is 56 bits aligned to the right of the 112-bit salt: the label
        // meets salt byte 7.
        iv[7] ^= label;
        var key = new byte[length];
        prf.Apply(iv, key);
        return key;
    }
}

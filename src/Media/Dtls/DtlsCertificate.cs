using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Acd.Media.Dtls;

/// <summary>
/// The engine's self-signed ECDSA P-256 certificate for DTLS-SRTP, made once per engine. WebRTC authenticates it by
/// the SHA-256 fingerprint in the SDP (RFC 8122, RFC 8842), not by a CA, so self-signed is what browsers expect.
/// </summary>
public sealed class DtlsCertificate
{
    private DtlsCertificate(byte[] der, AsymmetricKeyParameter privateKey)
    {
        Der = der;
        PrivateKey = privateKey;
        Fingerprint = DtlsFingerprint.Compute("sha-256", der)!;
    }

    /// <summary>The certificate in DER.</summary>
    public byte[] Der { get; }

    internal AsymmetricKeyParameter PrivateKey { get; }

    /// <summary>The SHA-256 fingerprint as SDP writes it: upper-case hex pairs joined by colons.</summary>
    public string Fingerprint { get; }

    public static DtlsCertificate Create(DateTimeOffset now)
    {
        var random = new SecureRandom();
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(SecObjectIdentifiers.SecP256r1, random));
        var keys = generator.GenerateKeyPair();
        var name = new X509Name("CN=acd-media");
        var builder = new X509V3CertificateGenerator();
        builder.SetSerialNumber(new BigInteger(64, random).Add(BigInteger.One));
        builder.SetIssuerDN(name);
        builder.SetSubjectDN(name);
        builder.SetNotBefore(now.UtcDateTime.AddDays(-1));
        builder.SetNotAfter(now.UtcDateTime.AddYears(1));
        builder.SetPublicKey(keys.Public);
        var certificate = builder.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", keys.Private, random));
        return new DtlsCertificate(certificate.GetEncoded(), keys.Private);
    }
}

/// <summary>Certificate fingerprints of RFC 8122 5 (a=fingerprint).</summary>
public static class DtlsFingerprint
{
    /// <summary>The fingerprint of a DER certificate with the named hash, or null for a hash the engine does not know.</summary>
    public static string? Compute(string hashFunction, ReadOnlySpan<byte> der)
    {
        byte[] digest = hashFunction.ToLowerInvariant() switch
        {
            "sha-256" => SHA256.HashData(der),
            "sha-384" => SHA384.HashData(der),
            "sha-512" => SHA512.HashData(der),
            "sha-1" => SHA1.HashData(der),
            _ => [],
        };
        return digest.Length == 0 ? null : Convert.ToHexString(digest).Chunk(2).Aggregate(new System.Text.StringBuilder(), (sb, pair) =>
            (sb.Length > 0 ? sb.Append(':') : sb).Append(pair)).ToString();
    }

    public static bool IsSupported(string hashFunction) => Compute(hashFunction, []) is not null;

    /// <summary>Compares as RFC 8122 says: hex case does not matter.</summary>
    public static bool Matches(string expected, string actual) => string.Equals(expected.Trim(), actual, StringComparison.OrdinalIgnoreCase);
}

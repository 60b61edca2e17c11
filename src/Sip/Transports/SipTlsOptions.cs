using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Acd.Sip.Transports;

/// <summary>How a <see cref="TlsSipTransport"/> proves itself and whom it believes (RFC 3261 26.2, RFC 5922).</summary>
public sealed class SipTlsOptions
{
    /// <summary>
    /// The certificate (with its private key) presented to phones and trunks that connect; see
    /// <see cref="SipTlsCertificates.Load"/>. Without one the transport only connects out (a phone, a TLS trunk's client).
    /// </summary>
    public X509Certificate2? ServerCertificate { get; init; }

    /// <summary>Intermediate certificates sent along with <see cref="ServerCertificate"/>, so peers can build the chain.</summary>
    public X509Certificate2Collection ServerChain { get; init; } = [];

    /// <summary>
    /// Roots that a server we connect to must chain to instead of the system's (a private PKI, a test CA). Empty: the
    /// system trust store. Either way the certificate must name the host we connected to.
    /// </summary>
    public X509Certificate2Collection TrustedAuthorities { get; init; } = [];

    /// <summary>
    /// SHA-256 fingerprints (hex, colons optional) of server certificates believed as they are, whoever signed them and
    /// whatever name they carry: pinning a peer's self-signed certificate.
    /// </summary>
    public IList<string> TrustedFingerprints { get; init; } = [];

    /// <summary>A peer that has not finished its handshake by then is dropped, so idle half-open connections cannot pile up.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether <paramref name="certificate"/>'s SHA-256 fingerprint is one of <see cref="TrustedFingerprints"/>.</summary>
    internal bool IsPinned(X509Certificate2 certificate)
    {
        if (TrustedFingerprints.Count == 0)
        {
            return false;
        }

        var actual = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        return TrustedFingerprints.Any(f => string.Equals(f.Replace(":", "", StringComparison.Ordinal), actual, StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>Loads a server certificate for SIP over TLS once, at startup, with errors that say what to fix.</summary>
public static class SipTlsCertificates
{
    /// <summary>
    /// The certificate and key at <paramref name="certificatePath"/>: a PKCS#12 file (.pfx/.p12, with
    /// <paramref name="password"/>), or PEM, its key in <paramref name="keyPath"/> or in the same file. Further
    /// certificates in the file are returned as the chain to send.
    /// </summary>
    /// <param name="setting">The configuration key named in errors (e.g. "Sip:Tls").</param>
    public static (X509Certificate2 Certificate, X509Certificate2Collection Chain) Load(string certificatePath, string? password = null,
        string? keyPath = null, string setting = "TLS")
    {
        if (!File.Exists(certificatePath))
        {
            throw new InvalidOperationException($"{setting}: certificate file '{certificatePath}' does not exist.");
        }

        if (keyPath is not null && !File.Exists(keyPath))
        {
            throw new InvalidOperationException($"{setting}: key file '{keyPath}' does not exist.");
        }

        X509Certificate2 certificate;
        var all = new X509Certificate2Collection();
        try
        {
            if (IsPem(certificatePath))
            {
                if (keyPath is null && !File.ReadAllText(certificatePath).Contains("PRIVATE KEY-----", StringComparison.Ordinal))
                {
                    throw NoKey(setting, certificatePath);
                }

                using var pem = password is { Length: > 0 }
                    ? X509Certificate2.CreateFromEncryptedPemFile(certificatePath, password, keyPath)
                    : X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
                // A key loaded from PEM is ephemeral, which SslStream cannot use on every platform: carry it as PKCS#12.
                certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
                all.ImportFromPemFile(certificatePath);
            }
            else
            {
                all = X509CertificateLoader.LoadPkcs12CollectionFromFile(certificatePath, password);
                certificate = all.FirstOrDefault(c => c.HasPrivateKey) ?? throw NoKey(setting, certificatePath);
            }
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException(
                $"{setting}: '{certificatePath}' could not be read as a certificate with its private key ({ex.Message}). Give a PFX with its password, or PEM with the key in the same file or a key path.",
                ex);
        }

        if (!certificate.HasPrivateKey)
        {
            throw NoKey(setting, certificatePath);
        }

        var chain = new X509Certificate2Collection();
        foreach (var other in all)
        {
            if (other.Thumbprint != certificate.Thumbprint)
            {
                chain.Add(other);
            }
        }

        return (certificate, chain);
    }

    /// <summary>Certificates (PEM or DER) trusted as roots, for <see cref="SipTlsOptions.TrustedAuthorities"/>.</summary>
    public static X509Certificate2Collection LoadAuthorities(string path, string setting = "TLS")
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{setting}: CA file '{path}' does not exist.");
        }

        var roots = new X509Certificate2Collection();
        try
        {
            if (IsPem(path))
            {
                roots.ImportFromPemFile(path);
            }
            else
            {
                roots.Add(X509CertificateLoader.LoadCertificateFromFile(path));
            }
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException($"{setting}: CA file '{path}' holds no certificate ({ex.Message}).", ex);
        }

        return roots.Count > 0 ? roots : throw new InvalidOperationException($"{setting}: CA file '{path}' holds no certificate.");
    }

    private static InvalidOperationException NoKey(string setting, string path) =>
        new($"{setting}: the certificate in '{path}' has no private key; a TLS server needs one (a PFX with its key, or PEM with a key path).");

    private static bool IsPem(string path)
    {
        Span<byte> head = stackalloc byte[1024];
        using var file = File.OpenRead(path);
        var read = file.Read(head);
        return head[..read].IndexOf("-----BEGIN"u8) >= 0;
    }
}

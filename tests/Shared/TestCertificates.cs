using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Acd.Testing;

/// <summary>
/// Throwaway certificates made in the test run (no key is ever committed): a CA and a server certificate for 127.0.0.1
/// issued by it, as a real deployment has them, and the files a server or a peer such as baresip loads.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private TestCertificates(X509Certificate2 authority, X509Certificate2 server)
    {
        Authority = authority;
        Server = server;
    }

    /// <summary>The CA (with its key): what clients trust.</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>The server's certificate for 127.0.0.1 (and localhost), with its private key.</summary>
    public X509Certificate2 Server { get; }

    public static TestCertificates Create(string name = "ACD test")
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={name} CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(7));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = request.Create(ca, now.AddDays(-1), now.AddDays(7), RandomNumberGenerator.GetBytes(8));
        using var withKey = issued.CopyWithPrivateKey(serverKey);
        // Through PKCS#12 so the keys are persisted ones, which SslStream takes on every platform.
        return new TestCertificates(
            X509CertificateLoader.LoadPkcs12(ca.Export(X509ContentType.Pkcs12), null),
            X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null));
    }

    /// <summary>Writes the server certificate and its key as PEM (one file each) and the CA as PEM; returns their paths.</summary>
    public (string Certificate, string Key, string Authority) WritePem(string directory)
    {
        Directory.CreateDirectory(directory);
        var certificate = Path.Combine(directory, "server.crt");
        var key = Path.Combine(directory, "server.key");
        var authority = Path.Combine(directory, "ca.crt");
        File.WriteAllText(certificate, Server.ExportCertificatePem());
        File.WriteAllText(key, Server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(authority, Authority.ExportCertificatePem());
        return (certificate, key, authority);
    }

    /// <summary>Writes the server certificate and key as a password-protected PFX; returns its path.</summary>
    public string WritePfx(string directory, string password)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "server.pfx");
        File.WriteAllBytes(path, Server.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    public void Dispose()
    {
        Authority.Dispose();
        Server.Dispose();
    }
}

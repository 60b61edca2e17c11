using Acd.SipEdge.Hosting;
using Acd.Testing;

namespace Acd.SipEdge.Tests;

/// <summary>What Sip:TlsPort and Sip:Tls make of the edge's TLS transport, and the start-up errors of a bad setting.</summary>
public sealed class TlsSettingsTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"edge-tls-{Guid.NewGuid():N}");
    private readonly TestCertificates _certs = TestCertificates.Create();

    [Fact]
    public void A_tls_port_with_a_pem_certificate_and_key_listens_with_it_and_trusts_the_configured_ca()
    {
        var (certificate, key, ca) = _certs.WritePem(_folder);
        var tls = SipEdgeService.TlsOptions(new SipEdgeOptions
        {
            TlsPort = 5061,
            Tls = new SipEdgeTlsOptions { CertificatePath = certificate, KeyPath = key, CaPath = ca },
        });
        Assert.Equal(_certs.Server.Thumbprint, tls.ServerCertificate!.Thumbprint);
        Assert.True(tls.ServerCertificate.HasPrivateKey);
        Assert.Equal(_certs.Authority.Thumbprint, Assert.Single(tls.TrustedAuthorities).Thumbprint);

        // No TLS port: a client-only transport for a TLS trunk, which needs no certificate of its own.
        Assert.Null(SipEdgeService.TlsOptions(new SipEdgeOptions()).ServerCertificate);
    }

    [Fact]
    public void A_tls_port_without_a_usable_certificate_stops_the_start_with_what_to_fix()
    {
        var none = Assert.Throws<InvalidOperationException>(() => SipEdgeService.TlsOptions(new SipEdgeOptions { TlsPort = 5061 }));
        Assert.Contains("Sip:Tls:CertificatePath", none.Message, StringComparison.Ordinal);

        var missing = Assert.Throws<InvalidOperationException>(() => SipEdgeService.TlsOptions(new SipEdgeOptions
        {
            TlsPort = 5061,
            Tls = new SipEdgeTlsOptions { CertificatePath = Path.Combine(_folder, "missing.pfx") },
        }));
        Assert.Contains("Sip:Tls: certificate file", missing.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);

        var (certificate, _, _) = _certs.WritePem(_folder);
        var keyless = Assert.Throws<InvalidOperationException>(() => SipEdgeService.TlsOptions(new SipEdgeOptions
        {
            TlsPort = 5061,
            Tls = new SipEdgeTlsOptions { CertificatePath = certificate },
        }));
        Assert.Contains("no private key", keyless.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _certs.Dispose();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}

using System.Security.Cryptography.X509Certificates;
using Acd.Sip.Messages;
using Acd.Sip.Sdp;
using Acd.Sip.Transports;
using Acd.Sip.Uris;
using Acd.Testing;

namespace Acd.Sip.Tests;

/// <summary>Loading the TLS server certificate (and the errors a misconfiguration gets), and keeping SDES keys out of text.</summary>
public sealed class TlsCertificateAndKeyTests : IDisposable
{
    private const string Key = "WVNfX19zZWNyZXRfX19rZXlfX19zYWx0X19f";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"sip-certs-{Guid.NewGuid():N}");
    private readonly TestCertificates _certs = TestCertificates.Create();

    [Fact]
    public void Pem_with_a_separate_key_and_a_pfx_with_its_password_both_load_with_their_key()
    {
        var (certificate, key, _) = _certs.WritePem(_folder);
        var (fromPem, _) = SipTlsCertificates.Load(certificate, keyPath: key);
        var (fromPfx, _) = SipTlsCertificates.Load(_certs.WritePfx(_folder, "pw"), "pw");
        Assert.True(fromPem.HasPrivateKey);
        Assert.True(fromPfx.HasPrivateKey);
        Assert.Equal(_certs.Server.Thumbprint, fromPem.Thumbprint);
        Assert.Equal(_certs.Server.Thumbprint, fromPfx.Thumbprint);

        // The key in the same PEM file, and the CA after it: the CA comes back as the chain to send.
        var bundle = Path.Combine(_folder, "bundle.pem");
        File.WriteAllText(bundle, string.Join("\n", File.ReadAllText(certificate), File.ReadAllText(key), _certs.Authority.ExportCertificatePem()));
        var (fromBundle, chain) = SipTlsCertificates.Load(bundle);
        Assert.True(fromBundle.HasPrivateKey);
        Assert.Equal(_certs.Authority.Thumbprint, Assert.Single(chain).Thumbprint);
    }

    [Fact]
    public void A_missing_file_a_certificate_without_key_and_a_wrong_password_are_told_apart()
    {
        var missing = Assert.Throws<InvalidOperationException>(() => SipTlsCertificates.Load(Path.Combine(_folder, "nope.pfx"), setting: "Sip:Tls"));
        Assert.Contains("Sip:Tls: certificate file", missing.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);

        var (certificate, _, authority) = _certs.WritePem(_folder);
        Assert.Contains("no private key", Assert.Throws<InvalidOperationException>(() => SipTlsCertificates.Load(certificate)).Message, StringComparison.Ordinal);
        var publicOnly = Path.Combine(_folder, "public.pfx");
        File.WriteAllBytes(publicOnly, X509CertificateLoader.LoadCertificate(_certs.Server.RawData).Export(X509ContentType.Pkcs12, "pw"));
        Assert.Contains("no private key", Assert.Throws<InvalidOperationException>(() => SipTlsCertificates.Load(publicOnly, "pw")).Message, StringComparison.Ordinal);

        var wrong = Assert.Throws<InvalidOperationException>(() => SipTlsCertificates.Load(_certs.WritePfx(_folder, "pw"), "not-it"));
        Assert.Contains("could not be read", wrong.Message, StringComparison.Ordinal);
        Assert.Equal(_certs.Authority.Thumbprint, Assert.Single(SipTlsCertificates.LoadAuthorities(authority)).Thumbprint);
    }

    [Fact]
    public void Keys_are_redacted_from_a_message_as_text_but_sent_on_the_wire()
    {
        var sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/SAVP 0\r\n" +
                  $"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{Key}|2^20\r\na=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:{Key}\r\nk=clear:{Key}\r\n";
        var invite = new SipRequest(SipMethods.Invite, SipUri.Parse("sips:agent@127.0.0.1"));
        invite.SetBody("application/sdp", sdp);

        var text = invite.ToString();
        Assert.DoesNotContain(Key, text, StringComparison.Ordinal);
        Assert.Contains("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:[redacted]\r\n", text, StringComparison.Ordinal);
        Assert.Contains("k=[redacted]\r\n", text, StringComparison.Ordinal);
        Assert.Contains(Key, System.Text.Encoding.UTF8.GetString(invite.ToBytes()), StringComparison.Ordinal);

        Assert.True(SdpKeys.OffersSdes(sdp));
        Assert.False(SdpKeys.OffersSdes(sdp.Replace("RTP/SAVP", "RTP/AVP", StringComparison.Ordinal)));
        var stripped = SdpKeys.Strip(sdp);
        Assert.False(SdpKeys.HasKeys(stripped));
        Assert.Contains("m=audio 4000 RTP/SAVP 0\r\n", stripped, StringComparison.Ordinal);
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

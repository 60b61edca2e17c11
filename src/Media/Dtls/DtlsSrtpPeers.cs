using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace Acd.Media.Dtls;

/// <summary>The SRTP master keys from a DTLS-SRTP handshake, from this side's point of view.</summary>
public sealed record DtlsSrtpKeys(byte[] LocalKey, byte[] LocalSalt, byte[] RemoteKey, byte[] RemoteSalt)
{
    /// <summary>
    /// RFC 5764 4.2: the exporter with label EXTRACTOR-dtls_srtp gives client key, server key, client salt, server
    /// salt, in that order.
    /// </summary>
    internal static DtlsSrtpKeys FromExporter(TlsContext context)
    {
        var material = context.ExportKeyingMaterial(ExporterLabel.dtls_srtp, null, 2 * (16 + 14));
        var clientKey = material[..16];
        var serverKey = material[16..32];
        var clientSalt = material[32..46];
        var serverSalt = material[46..60];
        return context.IsServer
            ? new DtlsSrtpKeys(serverKey, serverSalt, clientKey, clientSalt)
            : new DtlsSrtpKeys(clientKey, clientSalt, serverKey, serverSalt);
    }
}

/// <summary>What both DTLS roles share: versions, ECDSA suites, use_srtp and the peer-fingerprint check.</summary>
internal static class DtlsSrtpPolicy
{
    public static readonly int[] CipherSuites =
    [
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
    ];

    public static UseSrtpData UseSrtp() => new([SrtpProtectionProfile.SRTP_AES128_CM_HMAC_SHA1_80], TlsUtilities.EmptyBytes);

    public static bool OffersAes128Sha1_80(UseSrtpData? data) =>
        data is not null && Array.IndexOf(data.ProtectionProfiles, SrtpProtectionProfile.SRTP_AES128_CM_HMAC_SHA1_80) >= 0;

    /// <summary>Throws a bad_certificate alert unless the peer's end-entity certificate has the SDP's fingerprint.</summary>
    public static void CheckPeer(Certificate? peer, string hashFunction, string expectedFingerprint)
    {
        if (peer is null || peer.IsEmpty) throw new TlsFatalAlert(AlertDescription.certificate_required, "the peer sent no certificate");
        var actual = DtlsFingerprint.Compute(hashFunction, peer.GetCertificateAt(0).GetEncoded());
        if (actual is null || !DtlsFingerprint.Matches(expectedFingerprint, actual))
            throw new TlsFatalAlert(AlertDescription.bad_certificate, "the peer's certificate does not match the SDP fingerprint");
    }

    public static TlsCredentialedSigner Signer(TlsContext context, BcTlsCrypto crypto, DtlsCertificate certificate)
    {
        var tlsCertificate = new Certificate([crypto.CreateCertificate(certificate.Der)]);
        return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), crypto, (AsymmetricKeyParameter)certificate.PrivateKey,
            tlsCertificate, SignatureAndHashAlgorithm.GetInstance(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa));
    }
}

/// <summary>The engine as DTLS server (a=setup:passive): asks for the browser's certificate and checks its fingerprint.</summary>
internal sealed class DtlsSrtpServer(BcTlsCrypto crypto, DtlsCertificate certificate, string hashFunction, string remoteFingerprint)
    : DefaultTlsServer(crypto)
{
    public DtlsSrtpKeys? Keys { get; private set; }

    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

    protected override int[] GetSupportedCipherSuites() => DtlsSrtpPolicy.CipherSuites;

    protected override TlsCredentialedSigner GetECDsaSignerCredentials() => DtlsSrtpPolicy.Signer(m_context, crypto, certificate);

    public override int GetHandshakeTimeoutMillis() => 30_000;

    public override void ProcessClientExtensions(IDictionary<int, byte[]> clientExtensions)
    {
        base.ProcessClientExtensions(clientExtensions);
        if (!DtlsSrtpPolicy.OffersAes128Sha1_80(TlsSrtpUtilities.GetUseSrtpExtension(clientExtensions)))
            throw new TlsFatalAlert(AlertDescription.handshake_failure, "the client offers no SRTP_AES128_CM_HMAC_SHA1_80");
    }

    public override IDictionary<int, byte[]> GetServerExtensions()
    {
        var extensions = TlsExtensionsUtilities.EnsureExtensionsInitialised(base.GetServerExtensions());
        TlsSrtpUtilities.AddUseSrtpExtension(extensions, DtlsSrtpPolicy.UseSrtp());
        return extensions;
    }

    public override CertificateRequest GetCertificateRequest() =>
        new([ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign], TlsUtilities.GetDefaultSupportedSignatureAlgorithms(m_context), null);

    public override void NotifyClientCertificate(Certificate clientCertificate) =>
        DtlsSrtpPolicy.CheckPeer(clientCertificate, hashFunction, remoteFingerprint);

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        Keys = DtlsSrtpKeys.FromExporter(m_context);
    }
}

/// <summary>The engine as DTLS client (a=setup:active): offers use_srtp and checks the server's fingerprint.</summary>
internal sealed class DtlsSrtpClient(BcTlsCrypto crypto, DtlsCertificate certificate, string hashFunction, string remoteFingerprint)
    : DefaultTlsClient(crypto)
{
    public DtlsSrtpKeys? Keys { get; private set; }

    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

    protected override int[] GetSupportedCipherSuites() => DtlsSrtpPolicy.CipherSuites;

    public override int GetHandshakeTimeoutMillis() => 30_000;

    public override IDictionary<int, byte[]> GetClientExtensions()
    {
        var extensions = TlsExtensionsUtilities.EnsureExtensionsInitialised(base.GetClientExtensions());
        TlsSrtpUtilities.AddUseSrtpExtension(extensions, DtlsSrtpPolicy.UseSrtp());
        return extensions;
    }

    public override void ProcessServerExtensions(IDictionary<int, byte[]> serverExtensions)
    {
        base.ProcessServerExtensions(serverExtensions);
        if (!DtlsSrtpPolicy.OffersAes128Sha1_80(TlsSrtpUtilities.GetUseSrtpExtension(serverExtensions)))
            throw new TlsFatalAlert(AlertDescription.illegal_parameter, "the server did not select SRTP_AES128_CM_HMAC_SHA1_80");
    }

    public override TlsAuthentication GetAuthentication() => new Authentication(this);

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        Keys = DtlsSrtpKeys.FromExporter(m_context);
    }

    private sealed class Authentication(DtlsSrtpClient owner) : TlsAuthentication
    {
        public void NotifyServerCertificate(TlsServerCertificate serverCertificate) =>
            DtlsSrtpPolicy.CheckPeer(serverCertificate.Certificate, owner.HashFunction, owner.RemoteFingerprint);

        public TlsCredentials GetClientCredentials(CertificateRequest certificateRequest) =>
            DtlsSrtpPolicy.Signer(owner.m_context, owner.BcCrypto, owner.Certificate);
    }

    private string HashFunction => hashFunction;
    private string RemoteFingerprint => remoteFingerprint;
    private BcTlsCrypto BcCrypto => crypto;
    private DtlsCertificate Certificate => certificate;
}

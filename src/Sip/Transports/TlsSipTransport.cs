using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Acd.Sip.Parsing;

namespace Acd.Sip.Transports;

/// <summary>
/// SIP over TLS (RFC 3261 26.2, "sips" and transport=tls): the TCP transport's connections and framing, each socket
/// wrapped in an <see cref="SslStream"/> before a byte of SIP crosses it. TLS 1.2 and 1.3 only. Accepted connections
/// present <see cref="SipTlsOptions.ServerCertificate"/>; connections we open check the server's certificate against the
/// host we meant to reach (RFC 5922: its name, or the IP address when that is all we had).
/// </summary>
public sealed class TlsSipTransport : StreamSipTransport
{
    /// <summary>Anything older is broken or deprecated (RFC 8996); SIP peers that matter do 1.2.</summary>
    private const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    private readonly SipTlsOptions _options;
    private readonly SslStreamCertificateContext? _serverContext;

    internal TlsSipTransport(IPEndPoint bind, ISipInboundSink sink, SipTlsOptions options, SipParserOptions parserOptions)
        : base(bind, sink, parserOptions, listen: options.ServerCertificate is not null)
    {
        _options = options;
        if (options.ServerCertificate is { } certificate)
        {
            // Built once: the chain to send is the same for every handshake.
            _serverContext = SslStreamCertificateContext.Create(certificate, options.ServerChain, offline: true);
        }
    }

    public override SipTransportKind Kind => SipTransportKind.Tls;

    /// <summary>Whether this transport accepts connections (it has a server certificate) or only opens them.</summary>
    public bool IsListening => _serverContext is not null;

    private protected override async ValueTask<Stream> OpenAsync(NetworkStream stream, SipTarget? target, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.HandshakeTimeout);
        try
        {
            if (target is { } t)
            {
                await ssl.AuthenticateAsClientAsync(ClientOptions(t), timeout.Token).ConfigureAwait(false);
            }
            else
            {
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = _serverContext,
                    EnabledSslProtocols = Protocols,
                    ClientCertificateRequired = false,
                }, timeout.Token).ConfigureAwait(false);
            }
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return ssl;
    }

    private SslClientAuthenticationOptions ClientOptions(SipTarget target)
    {
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = target.Host ?? target.EndPoint.Address.ToString(),
            EnabledSslProtocols = Protocols,
            // SIP peers often sit on private PKIs whose CRLs are out of reach: a hanging fetch would stall call setup.
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = Validate,
        };
        if (_options.TrustedAuthorities.Count > 0)
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(_options.TrustedAuthorities);
            options.CertificateChainPolicy = policy;
        }

        return options;
    }

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        return certificate is X509Certificate2 leaf && _options.IsPinned(leaf);
    }
}

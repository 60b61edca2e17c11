using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Parsing;
using Acd.Sip.Transports;
using Acd.Sip.Uris;
using Acd.Testing;

namespace Acd.Sip.Tests;

/// <summary>
/// SIP over TLS on real sockets (127.0.0.1): the handshake and what the server's certificate must be, framing across and
/// within TLS records, and peers that do not speak TLS at all. The server answers OPTIONS with 200.
/// </summary>
public sealed class TlsTransportTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly TestCertificates _certs = TestCertificates.Create();
    private readonly SipStack _server = new();
    private readonly List<string> _sourceTransports = [];
    private TlsSipTransport _listener = null!;

    public async Task InitializeAsync()
    {
        _listener = _server.AddTls(new IPEndPoint(IPAddress.Loopback, 0),
            new SipTlsOptions { ServerCertificate = _certs.Server, HandshakeTimeout = TimeSpan.FromMilliseconds(500) });
        _ = new SipUserAgent(_server, new TestUaHandler
        {
            Request = (tx, _) =>
            {
                lock (_sourceTransports) _sourceTransports.Add(tx.Source.Transport.ViaToken());
                tx.Respond(tx.CreateResponse(200));
                return Task.CompletedTask;
            },
        });
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _certs.Dispose();
    }

    [Fact]
    public async Task A_client_stack_trusting_the_ca_talks_tls_with_tls_in_via_and_contact_and_one_connection()
    {
        await using var client = new SipStack();
        client.AddTls(new IPEndPoint(IPAddress.Loopback, 0), new SipTlsOptions { TrustedAuthorities = [_certs.Authority] });
        await client.StartAsync();
        var ua = new SipUserAgent(client) { ContactUser = "phone" };

        for (var i = 0; i < 2; i++)
        {
            var options = Options($"sip:acd@127.0.0.1:{_listener.LocalEndPoint.Port};transport=tls", client);
            var sent = client.SendRequest(options);
            Assert.Equal(200, (await sent.FinalResponse.WaitAsync(Wait)).StatusCode);
            Assert.Equal("TLS", options.TopVia!.Transport);
        }

        Assert.Equal(["TLS", "TLS"], _sourceTransports);
        Assert.Equal(1, _listener.ConnectionCount); // the second request reused the first one's connection
        Assert.Equal("sip:phone@127.0.0.1;transport=tls", ua.ContactFor(SipTransportKind.Tls, SipUri.Parse("sip:acd@127.0.0.1")).ToString());
        Assert.Equal("sips:phone@127.0.0.1", ua.ContactFor(SipTransportKind.Tls, SipUri.Parse("sips:acd@127.0.0.1")).ToString());
    }

    [Fact]
    public async Task A_server_the_client_does_not_trust_is_not_talked_to_unless_its_certificate_is_pinned()
    {
        await using var untrusting = new SipStack();
        untrusting.AddTls(new IPEndPoint(IPAddress.Loopback, 0), new SipTlsOptions());
        await untrusting.StartAsync();
        var refused = await untrusting.SendRequest(Options($"sips:acd@127.0.0.1:{_listener.LocalEndPoint.Port}", untrusting)).FinalResponse.WaitAsync(Wait);
        Assert.Equal(503, refused.StatusCode); // the system store does not know our CA: no handshake, no request
        Assert.Empty(_sourceTransports);

        // Trusting the CA is not enough when the certificate does not name the host we meant to reach (RFC 5922 7.2).
        await using var trusting = new SipStack();
        trusting.AddTls(new IPEndPoint(IPAddress.Loopback, 0), new SipTlsOptions { TrustedAuthorities = [_certs.Authority] });
        await trusting.StartAsync();
        var elsewhere = new SipTarget(SipTransportKind.Tls, _listener.LocalEndPoint, Host: "acd.example.com");
        Assert.Equal(503, (await trusting.SendRequest(Options("sips:acd@acd.example.com", trusting), elsewhere).FinalResponse.WaitAsync(Wait)).StatusCode);
        Assert.Empty(_sourceTransports);

        await using var pinning = new SipStack();
        pinning.AddTls(new IPEndPoint(IPAddress.Loopback, 0), new SipTlsOptions
        {
            TrustedFingerprints = [_certs.Server.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)],
        });
        await pinning.StartAsync();
        Assert.Equal(200, (await pinning.SendRequest(Options($"sips:acd@127.0.0.1:{_listener.LocalEndPoint.Port}", pinning)).FinalResponse.WaitAsync(Wait)).StatusCode);
    }

    [Fact]
    public async Task A_request_split_across_tls_records_and_two_requests_in_one_record_are_each_answered()
    {
        await using var tls = await ConnectAsync();
        var first = Encoding.ASCII.GetBytes(RawOptions("split-1"));
        // Three writes, each flushed: three TLS records, cut inside the request line, the headers and the body.
        foreach (var (start, end) in new[] { (0, 5), (5, first.Length - 8), (first.Length - 8, first.Length) })
        {
            await tls.WriteAsync(first.AsMemory(start..end));
            await tls.FlushAsync();
        }

        var reader = new ResponseReader(tls);
        Assert.Equal("split-1", (await reader.NextAsync()).CallId);

        await tls.WriteAsync(Encoding.ASCII.GetBytes(RawOptions("pair-1") + RawOptions("pair-2")));
        await tls.FlushAsync();
        Assert.Equal("pair-1", (await reader.NextAsync()).CallId);
        Assert.Equal("pair-2", (await reader.NextAsync()).CallId);

        // RFC 5626 keep-alive over TLS: a double CRLF is answered with one CRLF.
        await tls.WriteAsync("\r\n\r\n"u8.ToArray());
        await tls.FlushAsync();
        Assert.Equal("\r\n", await reader.RawAsync(2));
    }

    [Fact]
    public async Task Clear_text_garbage_and_a_silent_peer_cost_their_own_connection_and_the_listener_carries_on()
    {
        using (var plain = new TcpClient())
        {
            await plain.ConnectAsync(IPAddress.Loopback, _listener.LocalEndPoint.Port);
            var stream = plain.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(RawOptions("clear-text"))); // SIP where a ClientHello belongs
            Assert.DoesNotContain("SIP/2.0", await ReadUntilClosedAsync(stream)); // the server gives up on it and closes
        }

        using (var silent = new TcpClient())
        {
            await silent.ConnectAsync(IPAddress.Loopback, _listener.LocalEndPoint.Port);
            Assert.Equal("", await ReadUntilClosedAsync(silent.GetStream())); // closed after the handshake timeout (0.5 s here)
        }

        Assert.Empty(_sourceTransports);
        await using var tls = await ConnectAsync();
        await tls.WriteAsync(Encoding.ASCII.GetBytes(RawOptions("after-garbage")));
        Assert.Equal("after-garbage", (await new ResponseReader(tls).NextAsync()).CallId);
        Assert.True(tls.SslProtocol >= SslProtocols.Tls12, tls.SslProtocol.ToString());
    }

    /// <summary>What the server sent before it closed the connection (the read fails the test if it never does).</summary>
    private static async Task<string> ReadUntilClosedAsync(NetworkStream stream)
    {
        var buffer = new byte[4096];
        var received = new StringBuilder();
        using var timeout = new CancellationTokenSource(Wait);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Append(Encoding.Latin1.GetString(buffer, 0, read)); // a TLS alert may come before the close
            }
        }
        catch (IOException)
        {
            // reset instead of a clean close: closed all the same
        }

        return received.ToString();
    }

    private async Task<SslStream> ConnectAsync()
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _listener.LocalEndPoint.Port);
        var ssl = new SslStream(tcp.GetStream(), false);
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(_certs.Authority);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "127.0.0.1", CertificateChainPolicy = policy });
        return ssl;
    }

    private static SipRequest Options(string uri, SipStack from)
    {
        var options = new SipRequest(SipMethods.Options, SipUri.Parse(uri));
        options.Headers.Add(SipHeaderNames.From, $"<sip:phone@127.0.0.1>;tag={SipIds.NewTag()}");
        options.Headers.Add(SipHeaderNames.To, "<sip:acd@127.0.0.1>");
        options.Headers.Add(SipHeaderNames.CallId, SipIds.NewCallId());
        options.Headers.Add(SipHeaderNames.CSeq, "1 OPTIONS");
        options.Headers.Add(SipHeaderNames.Contact, $"<{from.CreateContactUri(SipTransportKind.Tls, "phone")}>");
        return options;
    }

    private static string RawOptions(string callId) =>
        $"OPTIONS sip:acd@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5099;branch=z9hG4bK{callId}\r\nMax-Forwards: 70\r\n" +
        $"From: <sip:raw@127.0.0.1>;tag=r1\r\nTo: <sip:acd@127.0.0.1>\r\nCall-ID: {callId}\r\nCSeq: 1 OPTIONS\r\n" +
        "Content-Type: text/plain\r\nContent-Length: 10\r\n\r\nbody-bytes";

    /// <summary>Reads framed SIP responses (and raw bytes) off a client's TLS stream.</summary>
    private sealed class ResponseReader(SslStream stream)
    {
        private readonly byte[] _chunk = new byte[8192];
        private byte[] _pending = [];

        public async Task<SipResponse> NextAsync()
        {
            while (true)
            {
                var sequence = new ReadOnlySequence<byte>(_pending);
                if (SipStreamFramer.TryFrame(sequence, out var length) == SipFrameStatus.Message)
                {
                    var parsed = SipParser.Parse(_pending.AsSpan(0, (int)length), SipParseMode.Stream);
                    _pending = _pending[(int)length..];
                    Assert.True(parsed.Success, parsed.ToString());
                    return (SipResponse)parsed.Message!;
                }

                await FillAsync();
            }
        }

        public async Task<string> RawAsync(int count)
        {
            while (_pending.Length < count)
            {
                await FillAsync();
            }

            var text = Encoding.ASCII.GetString(_pending, 0, count);
            _pending = _pending[count..];
            return text;
        }

        private async Task FillAsync()
        {
            using var timeout = new CancellationTokenSource(Wait);
            var read = await stream.ReadAsync(_chunk, timeout.Token);
            Assert.True(read > 0, "the server closed the connection");
            _pending = [.. _pending, .. _chunk.AsSpan(0, read)];
        }
    }
}

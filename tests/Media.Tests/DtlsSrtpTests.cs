using Acd.Media.Dtls;
using Acd.Media.Rtp;
using Acd.Media.Srtp;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.Media.Tests;

/// <summary>The engine's DTLS server and client against each other over an in-memory datagram pipe.</summary>
public sealed class DtlsSrtpTests
{
    private sealed class Pair : IDisposable
    {
        public readonly TaskCompletionSource<DtlsSrtpKeys> ServerKeys = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource<DtlsSrtpKeys> ClientKeys = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource<string> ServerFailed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource<string> ClientFailed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public DtlsSrtpTransport Server = null!;
        public DtlsSrtpTransport Client = null!;

        public Pair(DtlsCertificate serverCert, DtlsCertificate clientCert, string? clientExpects = null)
        {
            Server = new DtlsSrtpTransport(serverCert, DtlsRole.Server, "sha-256", clientCert.Fingerprint, d => Client.Enqueue(d),
                k => ServerKeys.TrySetResult(k), r => ServerFailed.TrySetResult(r), NullLogger.Instance);
            Client = new DtlsSrtpTransport(clientCert, DtlsRole.Client, "sha-256", clientExpects ?? serverCert.Fingerprint, d => Server.Enqueue(d),
                k => ClientKeys.TrySetResult(k), r => ClientFailed.TrySetResult(r), NullLogger.Instance);
            Server.Start();
            Client.Start();
        }

        public void Dispose()
        {
            Server.Dispose();
            Client.Dispose();
        }
    }

    [Fact]
    public async Task Server_and_client_agree_on_srtp_keys_and_srtp_flows_both_ways()
    {
        var serverCert = DtlsCertificate.Create(DateTimeOffset.UtcNow);
        var clientCert = DtlsCertificate.Create(DateTimeOffset.UtcNow);
        Assert.Matches("^([0-9A-F]{2}:){31}[0-9A-F]{2}$", serverCert.Fingerprint);
        Assert.NotEqual(serverCert.Fingerprint, clientCert.Fingerprint);
        using var pair = new Pair(serverCert, clientCert);

        var server = await pair.ServerKeys.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var client = await pair.ClientKeys.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(server.LocalKey, client.RemoteKey);
        Assert.Equal(server.LocalSalt, client.RemoteSalt);
        Assert.Equal(client.LocalKey, server.RemoteKey);
        Assert.Equal(client.LocalSalt, server.RemoteSalt);
        Assert.Equal(16, server.LocalKey.Length);
        Assert.Equal(14, server.LocalSalt.Length);
        Assert.NotEqual(server.LocalKey, server.RemoteKey);

        using var serverOut = new SrtpContext(SrtpProfile.AesCm128HmacSha1_80, server.LocalKey, server.LocalSalt);
        using var clientIn = new SrtpContext(SrtpProfile.AesCm128HmacSha1_80, client.RemoteKey, client.RemoteSalt);
        using var clientOut = new SrtpContext(SrtpProfile.AesCm128HmacSha1_80, client.LocalKey, client.LocalSalt);
        using var serverIn = new SrtpContext(SrtpProfile.AesCm128HmacSha1_80, server.RemoteKey, server.RemoteSalt);
        AssertFlows(serverOut, clientIn);
        AssertFlows(clientOut, serverIn);
    }

    [Fact]
    public async Task A_certificate_that_does_not_match_the_sdp_fingerprint_fails_the_handshake()
    {
        var serverCert = DtlsCertificate.Create(DateTimeOffset.UtcNow);
        var clientCert = DtlsCertificate.Create(DateTimeOffset.UtcNow);
        var someoneElse = DtlsCertificate.Create(DateTimeOffset.UtcNow);
        using var pair = new Pair(serverCert, clientCert, clientExpects: someoneElse.Fingerprint);
        var reason = await pair.ClientFailed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("bad_certificate", reason);
        Assert.False(pair.ClientKeys.Task.IsCompleted);
    }

    [Fact]
    public void Fingerprints_are_compared_without_regard_to_case_and_unknown_hashes_are_refused()
    {
        var cert = DtlsCertificate.Create(DateTimeOffset.UtcNow);
        Assert.True(DtlsFingerprint.Matches(cert.Fingerprint.ToLowerInvariant(), cert.Fingerprint));
        Assert.False(DtlsFingerprint.Matches(cert.Fingerprint.Replace(cert.Fingerprint[0], cert.Fingerprint[0] == 'A' ? 'B' : 'A'), cert.Fingerprint));
        Assert.True(DtlsFingerprint.IsSupported("SHA-256"));
        Assert.False(DtlsFingerprint.IsSupported("md5"));
    }

    private static void AssertFlows(SrtpContext sender, SrtpContext receiver)
    {
        var buffer = new byte[200];
        RtpHeader.Write(buffer, false, 0, 1, 160, 0x1234);
        buffer.AsSpan(12, 160).Fill(0x55);
        Assert.Equal(SrtpResult.Ok, sender.ProtectRtp(buffer, 172, out var length));
        Assert.Equal(SrtpResult.Ok, receiver.UnprotectRtp(buffer, length, out var plain));
        Assert.Equal(172, plain);
        Assert.All(buffer[12..172], b => Assert.Equal(0x55, b));
    }
}

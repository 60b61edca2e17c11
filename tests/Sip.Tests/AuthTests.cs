using Acd.Sip.Auth;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Sip.Tests;

public sealed class AuthTests
{
    private readonly FakeTimeProvider _time = new();

    private sealed class Store : IDigestCredentialStore
    {
        public ValueTask<string?> GetHa1Async(string username, string realm, DigestAlgorithm algorithm, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(username == "1001" ? DigestHash.ComputeHa1(algorithm, username, realm, "pw") : null);
    }

    private DigestServer Server(params DigestAlgorithm[] order) =>
        new(new DigestServerOptions { Realm = "acd", Algorithms = order.Length == 0 ? [DigestAlgorithm.Md5, DigestAlgorithm.Sha256] : order, NonceLifetime = TimeSpan.FromMinutes(1) }, new Store(), _time);

    private static SipRequest Register(uint cseq = 1) => Msg.Request("REGISTER", branch: "z9hG4bKreg" + cseq, cseq: cseq);

    [Fact]
    public async Task Challenge_offers_md5_first_by_default_and_order_is_configurable()
    {
        var r = (await Server().VerifyAsync(Register())).Response!;
        var offers = r.Headers.GetAll(SipHeaderNames.WwwAuthenticate).ToList();
        Assert.Equal(2, offers.Count);
        Assert.Contains("algorithm=MD5", offers[0]);
        Assert.Contains("algorithm=SHA-256", offers[1]);
        Assert.Contains("qop=\"auth\"", offers[0]);
        var sha = (await Server(DigestAlgorithm.Sha256, DigestAlgorithm.Md5).VerifyAsync(Register())).Response!;
        Assert.Contains("algorithm=SHA-256", sha.Headers[SipHeaderNames.WwwAuthenticate]);
    }

    [Theory]
    [InlineData(DigestAlgorithm.Md5)]
    [InlineData(DigestAlgorithm.Sha256)]
    public async Task Client_answer_is_accepted(DigestAlgorithm algorithm)
    {
        var server = Server(algorithm);
        var challenge = (await server.VerifyAsync(Register())).Response!;
        var retry = Register(2);
        Assert.True(new DigestClient("1001", "pw").TryAuthorize(challenge, retry));
        Assert.Contains("qop=auth", retry.Headers[SipHeaderNames.Authorization]);
        var ok = await server.VerifyAsync(retry);
        Assert.Equal(DigestVerifyOutcome.Authenticated, ok.Outcome);
        Assert.Equal("1001", ok.Username);
    }

    [Fact]
    public async Task Client_with_stored_ha1_works_and_uses_the_first_supported_challenge()
    {
        var server = Server();
        var challenge = (await server.VerifyAsync(Register())).Response!;
        var retry = Register(2);
        var client = new DigestClient("1001", DigestHash.ComputeHa1(DigestAlgorithm.Md5, "1001", "acd", "pw"), DigestAlgorithm.Md5);
        Assert.True(client.TryAuthorize(challenge, retry));
        Assert.Contains("algorithm=MD5", retry.Headers[SipHeaderNames.Authorization]);
        Assert.Equal(DigestVerifyOutcome.Authenticated, (await server.VerifyAsync(retry)).Outcome);
    }

    [Fact]
    public async Task Replayed_nonce_count_is_refused_and_higher_count_accepted()
    {
        var server = Server();
        var challenge = (await server.VerifyAsync(Register())).Response!;
        var client = new DigestClient("1001", "pw");
        var first = Register(2);
        client.TryAuthorize(challenge, first);
        Assert.Equal(DigestVerifyOutcome.Authenticated, (await server.VerifyAsync(first)).Outcome);
        var replay = await server.VerifyAsync(first);
        Assert.Equal(DigestVerifyOutcome.Challenge, replay.Outcome);
        Assert.Contains("stale=true", replay.Response!.Headers[SipHeaderNames.WwwAuthenticate]);
        var second = Register(3);
        client.TryAuthorize(challenge, second);
        Assert.Equal(DigestVerifyOutcome.Authenticated, (await server.VerifyAsync(second)).Outcome);
    }

    [Fact]
    public async Task Expired_nonce_gets_a_stale_challenge()
    {
        var server = Server();
        var challenge = (await server.VerifyAsync(Register())).Response!;
        _time.Advance(TimeSpan.FromMinutes(2));
        var retry = Register(2);
        new DigestClient("1001", "pw").TryAuthorize(challenge, retry);
        var r = await server.VerifyAsync(retry);
        Assert.Equal(DigestVerifyOutcome.Challenge, r.Outcome);
        Assert.Contains("stale=true", r.Response!.Headers[SipHeaderNames.WwwAuthenticate]);
    }

    [Fact]
    public async Task Wrong_password_tampered_nonce_and_unknown_user_are_refused()
    {
        var server = Server();
        var challenge = (await server.VerifyAsync(Register())).Response!;
        var bad = Register(2);
        new DigestClient("1001", "wrong").TryAuthorize(challenge, bad);
        Assert.Equal(403, (await server.VerifyAsync(bad)).Response!.StatusCode);
        var unknown = Register(3);
        new DigestClient("999", "pw").TryAuthorize(challenge, unknown);
        Assert.Equal(DigestVerifyOutcome.Rejected, (await server.VerifyAsync(unknown)).Outcome);
        var forged = Register(4);
        forged.Headers.Set(SipHeaderNames.Authorization, "Digest username=\"1001\", realm=\"acd\", nonce=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\", uri=\"sip:svc@127.0.0.1\", response=\"00\", algorithm=MD5");
        Assert.Equal(DigestVerifyOutcome.Challenge, (await server.VerifyAsync(forged)).Outcome);
    }

    [Fact]
    public async Task Proxy_mode_uses_407_and_proxy_headers()
    {
        var server = new DigestServer(new DigestServerOptions { Realm = "acd", IsProxy = true }, new Store(), _time);
        var challenge = (await server.VerifyAsync(Register())).Response!;
        Assert.Equal(407, challenge.StatusCode);
        var retry = Register(2);
        Assert.True(new DigestClient("1001", "pw").TryAuthorize(challenge, retry));
        Assert.NotNull(retry.Headers[SipHeaderNames.ProxyAuthorization]);
        Assert.Equal(DigestVerifyOutcome.Authenticated, (await server.VerifyAsync(retry)).Outcome);
    }

    [Fact]
    public void Known_rfc_vector_md5()
    {
        // RFC 2617 3.5 example (HTTP), same arithmetic as SIP digest.
        var ha1 = DigestHash.ComputeHa1(DigestAlgorithm.Md5, "Mufasa", "testrealm@host.com", "Circle Of Life");
        var resp = DigestHash.ComputeResponse(DigestAlgorithm.Md5, ha1, "dcd98b7102dd2f0e8b11d0f600bfb0c093", "GET", "/dir/index.html", "auth", "00000001", "0a4f113b");
        Assert.Equal("6629fae49393a05397450978507c4ef1", resp);
    }
}

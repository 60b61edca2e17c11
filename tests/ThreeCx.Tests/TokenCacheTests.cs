using Acd.ThreeCx.Auth;
using Acd.ThreeCx.Configuration;
using Acd.ThreeCx.Tests.Infrastructure;
using Acd.ThreeCx.Tests.StandIn;

namespace Acd.ThreeCx.Tests;

public sealed class TokenCacheTests
{
    [Fact]
    public async Task A_token_is_reused_until_shortly_before_it_expires_then_replaced()
    {
        await using var h = await Harness.StartAsync();
        var first = await h.Pbx.Tokens.GetTokenAsync();
        h.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(first, await h.Pbx.Tokens.GetTokenAsync());
        Assert.Equal(1, h.Server.Tokens.Requests);

        // 50 s into a 60 s token: inside the refresh margin, so a new one is fetched while the old still works.
        h.Time.Advance(TimeSpan.FromSeconds(20));
        Assert.True(h.Server.Tokens.IsValid(first));
        var second = await h.Pbx.Tokens.GetTokenAsync();
        Assert.NotEqual(first, second);
        Assert.Equal(2, h.Server.Tokens.Requests);
        Assert.True(h.Server.Tokens.IsValid(second));
        Assert.False(h.Server.Tokens.IsValid(first));
    }

    [Fact]
    public async Task Concurrent_callers_share_one_token_request()
    {
        await using var h = await Harness.StartAsync();
        var release = h.Server.Tokens.Hold();
        var callers = Enumerable.Range(0, 20).Select(_ => h.Pbx.Tokens.GetTokenAsync()).ToArray();
        await Harness.EventuallyAsync(() => h.Server.Tokens.Requests == 1, "the token request reached the PBX");
        Assert.All(callers, c => Assert.False(c.IsCompleted));

        release();
        var tokens = await Task.WhenAll(callers);
        Assert.Single(tokens.Distinct());
        Assert.Equal(1, h.Server.Tokens.Requests);
        Assert.True(h.Server.Tokens.IsValid(tokens[0]));
    }

    [Theory]
    [InlineData(false, false, ThreeCxTokenLifetimeUnit.Seconds, 600)] // v20.0.9+: expires_in 600 (s)
    [InlineData(false, true, ThreeCxTokenLifetimeUnit.Auto, 600)]
    [InlineData(true, false, ThreeCxTokenLifetimeUnit.Minutes, 600)] // before: expires_in 10 (min)
    [InlineData(true, true, ThreeCxTokenLifetimeUnit.Auto, 600)] // Auto reads the JWT's own exp - iat
    [InlineData(true, false, ThreeCxTokenLifetimeUnit.Auto, 10)] // opaque token, minutes: Auto's fallback takes 10 s (refreshes early, never late)
    public async Task Expires_in_is_read_in_seconds_or_minutes(bool minutesReply, bool jwt, ThreeCxTokenLifetimeUnit unit, int expectedLifetimeSeconds)
    {
        await using var h = await Harness.StartAsync(o => o.TokenLifetimeUnit = unit, s =>
        {
            s.Tokens.Lifetime = TimeSpan.FromMinutes(10);
            s.Tokens.ExpiresInMinutes = minutesReply;
            s.Tokens.JwtTokens = jwt;
        });
        var first = await h.Pbx.Tokens.GetTokenAsync();
        h.Time.Advance(TimeSpan.FromSeconds(expectedLifetimeSeconds * 0.7));
        Assert.Equal(first, await h.Pbx.Tokens.GetTokenAsync());

        h.Time.Advance(TimeSpan.FromSeconds(expectedLifetimeSeconds * 0.3));
        Assert.NotEqual(first, await h.Pbx.Tokens.GetTokenAsync());
        Assert.Equal(2, h.Server.Tokens.Requests);
    }

    [Fact]
    public async Task A_failing_token_endpoint_is_asked_again_only_after_a_growing_back_off_then_recovers()
    {
        await using var h = await Harness.StartAsync();
        h.Server.Tokens.Down = true;
        var error = await Assert.ThrowsAsync<ThreeCxAuthException>(() => h.Pbx.Tokens.GetTokenAsync());
        Assert.Contains("503", error.Message);
        Assert.Equal(1, h.Server.Tokens.Requests);

        // Within the 1 s back-off nobody reaches the endpoint.
        await Assert.ThrowsAsync<ThreeCxAuthException>(() => h.Pbx.Tokens.GetTokenAsync());
        Assert.Equal(1, h.Server.Tokens.Requests);

        h.Time.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<ThreeCxAuthException>(() => h.Pbx.Tokens.GetTokenAsync());
        Assert.Equal(2, h.Server.Tokens.Requests);

        // The back-off doubled to 2 s.
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<ThreeCxAuthException>(() => h.Pbx.Tokens.GetTokenAsync());
        Assert.Equal(2, h.Server.Tokens.Requests);

        h.Server.Tokens.Down = false;
        h.Time.Advance(TimeSpan.FromSeconds(1));
        var token = await h.Pbx.Tokens.GetTokenAsync();
        Assert.True(h.Server.Tokens.IsValid(token));
        Assert.Equal(3, h.Server.Tokens.Requests);
        Assert.Null(h.Pbx.Tokens.LastError);
        Assert.Equal(token, await h.Pbx.Tokens.GetTokenAsync());
    }

    [Fact]
    public async Task A_token_due_for_refresh_still_serves_while_the_endpoint_backs_off()
    {
        await using var h = await Harness.StartAsync();
        var token = await h.Pbx.Tokens.GetTokenAsync();
        h.Server.Tokens.Down = true;
        h.Time.Advance(TimeSpan.FromSeconds(50));
        await Assert.ThrowsAsync<ThreeCxAuthException>(() => h.Pbx.Tokens.GetTokenAsync());
        Assert.Equal(token, await h.Pbx.Tokens.GetTokenAsync());
    }

    [Fact]
    public async Task Wrong_credentials_are_refused_without_the_secret_in_the_error()
    {
        await using var h = await Harness.StartAsync(o => o.ClientSecret = "wrong-secret-123");
        var error = await Assert.ThrowsAsync<ThreeCxAuthException>(() => h.Pbx.Tokens.GetTokenAsync());
        Assert.Contains("400", error.Message);
        Assert.DoesNotContain("wrong-secret-123", error.ToString());
        Assert.DoesNotContain(StandInServer.ClientSecret, error.ToString());
    }

    [Fact]
    public void A_jwt_lifetime_is_exp_minus_iat_and_garbage_is_no_lifetime()
    {
        // {"iat":1000,"exp":1060}
        Assert.Equal(TimeSpan.FromSeconds(60), ThreeCxTokenCache.JwtLifetime("eyJhbGciOiJFUzI1NiJ9.eyJpYXQiOjEwMDAsImV4cCI6MTA2MH0.c2ln"));
        Assert.Null(ThreeCxTokenCache.JwtLifetime("not-a-jwt"));
        Assert.Null(ThreeCxTokenCache.JwtLifetime("a.%%%.c"));
        Assert.Null(ThreeCxTokenCache.JwtLifetime("a.eyJ4IjoxfQ.c"));
    }
}

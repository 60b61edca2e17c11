using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using Acd.Frontend.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Acd.Frontend.Tests;

[Collection(HostCollection.Name)]
public sealed class AuthApiTests(HostFixture fixture)
{
    private AcdHost Host => fixture.Host;

    [Fact]
    public async Task Token_with_wrong_password_is_401_problem()
    {
        using var client = Host.Client();
        var response = await client.PostAsJsonAsync("api/v1/auth/token", new { username = "admin", password = "nope-nope" });
        await Problems.AssertAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Token_with_missing_fields_is_400_problem()
    {
        using var client = Host.Client();
        var response = await client.PostAsJsonAsync("api/v1/auth/token", new { username = "admin" });
        await Problems.AssertAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Admin_bootstraps_from_configuration_and_sees_me()
    {
        var tokens = await Host.LoginAsync("admin", AcdHost.AdminPassword);
        Assert.Contains("admin", tokens.Roles);
        Assert.True(tokens.ExpiresIn > 60);
        using var client = Host.Client(tokens.AccessToken);
        var me = await HostFixture.JsonAsync(await client.GetAsync("api/v1/auth/me"));
        Assert.Equal("admin", me.GetProperty("username").GetString());
    }

    [Fact]
    public async Task No_token_is_401_problem()
    {
        using var client = Host.Client();
        await Problems.AssertAsync(await client.GetAsync("api/v1/queues"), HttpStatusCode.Unauthorized);
        await Problems.AssertAsync(await client.GetAsync("api/v1/agents"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Garbage_and_wrongly_signed_tokens_are_401()
    {
        using var garbage = Host.Client("not-a-jwt");
        await Problems.AssertAsync(await garbage.GetAsync("api/v1/queues"), HttpStatusCode.Unauthorized);
        var forged = CreateToken(new SymmetricSecurityKey(new byte[32]), DateTime.UtcNow.AddMinutes(5), "admin", "any");
        using var forgedClient = Host.Client(forged);
        await Problems.AssertAsync(await forgedClient.GetAsync("api/v1/queues"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Expired_access_token_is_401()
    {
        var key = new SymmetricSecurityKey(Convert.FromBase64String(AcdHost.SigningKey)) { KeyId = "acd" };
        var expired = CreateToken(key, DateTime.UtcNow.AddMinutes(-1), "admin", "whatever");
        using var client = Host.Client(expired);
        var response = await client.GetAsync("api/v1/queues");
        await Problems.AssertAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Refresh_rotates_and_a_replayed_token_revokes_the_session()
    {
        var first = await Host.LoginAsync("admin", AcdHost.AdminPassword);
        using var anonymous = Host.Client();
        var rotated = await anonymous.PostAsJsonAsync("api/v1/auth/refresh", new { refreshToken = first.RefreshToken });
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var second = (await rotated.Content.ReadFromJsonAsync<TokenPair>(AcdHost.Json))!;
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        using (var ok = Host.Client(second.AccessToken))
        {
            Assert.Equal(HttpStatusCode.OK, (await ok.GetAsync("api/v1/queues")).StatusCode);
        }

        // Replaying the rotated token looks like theft: the whole session dies, including the newest tokens.
        await Problems.AssertAsync(await anonymous.PostAsJsonAsync("api/v1/auth/refresh", new { refreshToken = first.RefreshToken }),
            HttpStatusCode.Unauthorized);
        await Problems.AssertAsync(await anonymous.PostAsJsonAsync("api/v1/auth/refresh", new { refreshToken = second.RefreshToken }),
            HttpStatusCode.Unauthorized);
        using var revoked = Host.Client(second.AccessToken);
        await Problems.AssertAsync(await revoked.GetAsync("api/v1/queues"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Logout_revokes_refresh_and_access_token()
    {
        var tokens = await Host.LoginAsync("admin", AcdHost.AdminPassword);
        using var client = Host.Client(tokens.AccessToken);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("api/v1/auth/logout", new { refreshToken = tokens.RefreshToken })).StatusCode);
        await Problems.AssertAsync(await client.GetAsync("api/v1/queues"), HttpStatusCode.Unauthorized);
        using var anonymous = Host.Client();
        await Problems.AssertAsync(await anonymous.PostAsJsonAsync("api/v1/auth/refresh", new { refreshToken = tokens.RefreshToken }),
            HttpStatusCode.Unauthorized);
        await Problems.AssertAsync(await anonymous.PostAsJsonAsync("api/v1/auth/refresh", new { refreshToken = "x.y.z" }),
            HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Agent_role_cannot_use_admin_or_other_agents_endpoints()
    {
        using var admin = await Host.AdminAsync();
        var (queueId, _) = await fixture.CreateQueueAsync(admin);
        var me = await fixture.CreateAgentAsync(admin, queueId);
        var other = await fixture.CreateAgentAsync(admin, queueId);
        using var agent = await fixture.AgentClientAsync(me);

        await Problems.AssertAsync(await agent.PostAsJsonAsync("api/v1/agents", new { id = "x1", name = "X", password = "password1" }),
            HttpStatusCode.Forbidden);
        await Problems.AssertAsync(await agent.GetAsync("api/v1/agents"), HttpStatusCode.Forbidden);
        await Problems.AssertAsync(await agent.GetAsync($"api/v1/agents/{other}"), HttpStatusCode.Forbidden);
        await Problems.AssertAsync(await agent.PostAsync($"api/v1/agents/{other}/login", null), HttpStatusCode.Forbidden);
        await Problems.AssertAsync(await agent.PostAsJsonAsync("api/v1/calls/inbound", new { from = "+491", to = "+492" }), HttpStatusCode.Forbidden);
        await Problems.AssertAsync(await agent.GetAsync("api/v1/reports/calls"), HttpStatusCode.Forbidden);
        await Problems.AssertAsync(await agent.PutAsJsonAsync("api/v1/reason-codes", new { codes = new[] { "x" } }), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await agent.GetAsync($"api/v1/agents/{me}")).StatusCode);
    }

    [Fact]
    public async Task Users_can_be_created_for_supervisors_and_change_their_password()
    {
        using var admin = await Host.AdminAsync();
        var username = HostFixture.NewId("sup");
        var created = await admin.PostAsJsonAsync("api/v1/users", new { username, password = "super-pass-1", roles = new[] { "supervisor" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await Problems.AssertAsync(await admin.PostAsJsonAsync("api/v1/users", new { username, password = "super-pass-1", roles = new[] { "supervisor" } }),
            HttpStatusCode.Conflict);
        await Problems.AssertAsync(await admin.PostAsJsonAsync("api/v1/users", new { username = "u2", password = "short", roles = new[] { "boss" } }),
            HttpStatusCode.BadRequest);

        var tokens = await Host.LoginAsync(username, "super-pass-1");
        using var supervisor = Host.Client(tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await supervisor.GetAsync("api/v1/agents")).StatusCode);
        await Problems.AssertAsync(await supervisor.PostAsJsonAsync("api/v1/queues", new { id = "nope", name = "n" }), HttpStatusCode.Forbidden);

        await Problems.AssertAsync(await supervisor.PostAsJsonAsync("api/v1/auth/password", new { currentPassword = "wrong-pass", newPassword = "new-pass-123" }),
            HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.NoContent,
            (await supervisor.PostAsJsonAsync("api/v1/auth/password", new { currentPassword = "super-pass-1", newPassword = "new-pass-123" })).StatusCode);
        await Host.LoginAsync(username, "new-pass-123");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/v1/users/{username}")).StatusCode);
        await Problems.AssertAsync(await admin.GetAsync($"api/v1/users/{username}"), HttpStatusCode.NotFound);
    }

    internal static string CreateToken(SecurityKey key, DateTime expires, string username, string sessionId) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "acd",
            Audience = "acd",
            Subject = new ClaimsIdentity([new Claim("sub", username), new Claim("sid", sessionId), new Claim("role", "admin")]),
            IssuedAt = expires.AddMinutes(-15),
            NotBefore = expires.AddMinutes(-15),
            Expires = expires,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
}

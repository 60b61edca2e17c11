using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Acd.Frontend.Tests.Infrastructure;

namespace Acd.Frontend.Tests;

/// <summary>GET /api/v1/me/softphone on a frontend without the SIP edge: the desktop falls back to CTI mode.</summary>
[Collection(HostCollection.Name)]
public sealed class SoftPhoneApiTests(HostFixture fixture)
{
    [Fact]
    public async Task Without_the_sip_edge_the_agent_gets_cti_mode_and_no_secret()
    {
        using var admin = await fixture.Host.AdminAsync();
        var (queueId, _) = await fixture.CreateQueueAsync(admin);
        var agentId = await fixture.CreateAgentAsync(admin, queueId);
        using var agent = await fixture.AgentClientAsync(agentId);

        var response = await agent.GetAsync("api/v1/me/softphone");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var settings = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("cti", settings.GetProperty("mode").GetString());
        Assert.Equal(JsonValueKind.Null, settings.GetProperty("ha1").ValueKind);
        Assert.Contains("not enabled", settings.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // The admin login has no agent, hence no phone.
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("api/v1/me/softphone")).StatusCode);
        using var anonymous = fixture.Host.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("api/v1/me/softphone")).StatusCode);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Acd.Frontend.Tests.Infrastructure;

/// <summary>One frontend (plus a stub CRM) shared by the API, SignalR and browser tests.</summary>
public sealed class HostFixture : IAsyncLifetime
{
    public const string CrmKnownNumber = "+4915100000777";
    public const string CrmSlowNumber = "+4915100000999";

    private WebApplication? _crm;

    public AcdHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _crm = await StartCrmStubAsync();
        var crmUrl = _crm.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Host = await AcdHost.StartAsync(new Dictionary<string, string?>
        {
            ["Crm:UrlTemplate"] = crmUrl + "/customers/by-phone/{digits}",
            ["Crm:TimeoutMs"] = "500",
            ["Crm:Headers:X-Api-Key"] = "crm-test-key",
        });
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        if (_crm is not null)
        {
            await _crm.StopAsync();
            await _crm.DisposeAsync();
        }
    }

    /// <summary>A unique id so tests sharing the host never collide.</summary>
    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>A dialled number no other test uses.</summary>
    public static string NewNumber() => "+49" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public async Task<(string QueueId, string Number)> CreateQueueAsync(HttpClient admin, int wrapUpSeconds = 0)
    {
        var id = NewId("q");
        var number = NewNumber();
        var response = await admin.PostAsJsonAsync("api/v1/queues", new
        {
            id, name = $"Queue {id}", numbers = new[] { number }, strategy = "longestIdle", slaSeconds = 20, wrapUpSeconds,
            ringTimeoutSeconds = 60,
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (id, number);
    }

    public async Task<string> CreateAgentAsync(HttpClient admin, string queueId, string password = "agent-pass-1", string[]? roles = null)
    {
        var id = NewId("agent");
        var response = await admin.PostAsJsonAsync("api/v1/agents", new
        {
            id, name = $"Agent {id[^4..]}", password, extension = "1" + Random.Shared.Next(100, 999), sipPassword = "sip-secret",
            skills = new Dictionary<string, int> { ["english"] = 5 }, queues = new[] { queueId }, roles = roles ?? ["agent"],
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return id;
    }

    public async Task<HttpClient> AgentClientAsync(string agentId, string password = "agent-pass-1") =>
        Host.Client((await Host.LoginAsync(agentId, password)).AccessToken);

    public async Task<string> CreateCustomerAsync(HttpClient admin, string phone, string name, string company = "Contoso Ltd")
    {
        var id = NewId("cust");
        var response = await admin.PostAsJsonAsync("api/v1/customers", new
        {
            id, name, phoneNumbers = new[] { phone }, email = "jane@example.com", company, notes = "VIP since 2019",
            attributes = new Dictionary<string, string> { ["tier"] = "gold" },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return id;
    }

    private static async Task<WebApplication> StartCrmStubAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/customers/by-phone/{digits}", async (string digits, HttpContext context) =>
        {
            if (context.Request.Headers["X-Api-Key"] != "crm-test-key")
            {
                return Results.StatusCode(401);
            }

            if (digits == CrmSlowNumber.TrimStart('+'))
            {
                await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted);
            }

            return digits == CrmKnownNumber.TrimStart('+')
                ? Results.Json(new { id = "crm-42", name = "Grace Hopper", email = "grace@navy.example", company = "US Navy", notes = "From CRM",
                    attributes = new Dictionary<string, string> { ["segment"] = "enterprise" } })
                : Results.NotFound();
        });
        await app.StartAsync();
        return app;
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
}

[CollectionDefinition(Name)]
public sealed class HostCollection : ICollectionFixture<HostFixture>
{
    public const string Name = "frontend host";
}

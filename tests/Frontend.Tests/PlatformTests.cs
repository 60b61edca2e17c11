using System.Net;
using System.Net.Http.Json;
using Acd.Frontend.Tests.Infrastructure;

namespace Acd.Frontend.Tests;

[Collection(HostCollection.Name)]
public sealed class PlatformTests(HostFixture fixture)
{
    private AcdHost Host => fixture.Host;

    [Fact]
    public async Task Health_openapi_metrics_and_security_headers()
    {
        using var client = Host.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("health/ready")).StatusCode);

        var openApi = await client.GetStringAsync("openapi/v1.json");
        Assert.Contains("/api/v1/calls/inbound", openApi, StringComparison.Ordinal);
        Assert.Contains("/api/v1/auth/token", openApi, StringComparison.Ordinal);

        // Make some traffic for the meters, then scrape.
        using var admin = await Host.AdminAsync();
        await admin.GetAsync("api/v1/queues");
        var metrics = await client.GetStringAsync("metrics");
        Assert.Contains("http_server_request_duration", metrics, StringComparison.Ordinal);
        Assert.Contains("orleans", metrics, StringComparison.OrdinalIgnoreCase);

        var page = await client.GetAsync("index.html");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        foreach (var html in new[] { "index.html", "agent.html", "wallboard.html", "caller.html" })
        {
            var text = await client.GetStringAsync(html);
            Assert.DoesNotMatch("<script(?![^>]*src=)[^>]*>", text);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("dist/agent.js")).StatusCode);
    }

    [Fact]
    public async Task Oversized_body_is_rejected_with_413()
    {
        using var admin = await Host.AdminAsync();
        var huge = new string('x', 400 * 1024);
        var response = await admin.PostAsJsonAsync("api/v1/customers", new { id = "big", name = huge });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await Problems.AssertAsync(await admin.GetAsync("api/v1/customers/big"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Dashboard_needs_a_supervisor()
    {
        using var client = Host.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("dashboard/")).StatusCode);

        // The wallboard's "Cluster health" link: the API hands the browser an HttpOnly cookie for /dashboard.
        using var handler = new HttpClientHandler { UseCookies = true };
        using var browser = new HttpClient(handler) { BaseAddress = Host.BaseAddress };
        browser.DefaultRequestHeaders.Authorization =
            new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", (await Host.LoginAsync("admin", AcdHost.AdminPassword)).AccessToken);
        var session = await browser.PostAsync("api/v1/auth/dashboard-session", null);
        Assert.Equal(HttpStatusCode.NoContent, session.StatusCode);
        Assert.Contains("httponly", string.Join(";", session.Headers.GetValues("Set-Cookie")), StringComparison.OrdinalIgnoreCase);
        browser.DefaultRequestHeaders.Authorization = null;
        var dashboard = await browser.GetAsync("dashboard/");
        Assert.True((int)dashboard.StatusCode < 400, $"dashboard answered {(int)dashboard.StatusCode}");
    }

    [Fact]
    public async Task Reports_metrics_and_csv_export()
    {
        using var admin = await Host.AdminAsync();
        var calls = await HostFixture.JsonAsync(await admin.GetAsync("api/v1/reports/calls?slaSeconds=20"));
        Assert.True(calls.TryGetProperty("answerRatePercent", out _));
        var agents = await admin.GetAsync("api/v1/reports/agents?format=csv");
        Assert.Equal(HttpStatusCode.OK, agents.StatusCode);
        Assert.Equal("text/csv", agents.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("agentId,callsHandled", await agents.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var export = await admin.GetAsync($"api/v1/reports/calls/export?from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-1).ToString("O"))}");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.StartsWith("callId,direction", await export.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("api/v1/reports/agents/someone/activities")).StatusCode);
        await Problems.AssertAsync(await admin.GetAsync("api/v1/reports/calls?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z"), HttpStatusCode.BadRequest);
        await Problems.AssertAsync(await admin.GetAsync("api/v1/reports/agents?format=xml"), HttpStatusCode.BadRequest);
        await Problems.AssertAsync(await admin.GetAsync("api/v1/reports/calls?slaSeconds=0"), HttpStatusCode.BadRequest);
    }
}

/// <summary>Own host: a tiny auth budget, so the limiter trips quickly.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task Auth_endpoint_is_rate_limited_with_429_problem()
    {
        await using var host = await AcdHost.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimits:Auth:PermitLimit"] = "3",
            ["RateLimits:Auth:WindowSeconds"] = "60",
        });
        using var client = host.Client();
        for (var i = 0; i < 3; i++)
        {
            var attempt = await client.PostAsJsonAsync("api/v1/auth/token", new { username = "admin", password = "wrong-password" });
            Assert.Equal(HttpStatusCode.Unauthorized, attempt.StatusCode);
        }

        var limited = await client.PostAsJsonAsync("api/v1/auth/token", new { username = "admin", password = AcdHost.AdminPassword });
        await Problems.AssertAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.True(limited.Headers.RetryAfter is not null);
    }
}

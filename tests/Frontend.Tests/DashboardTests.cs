using System.Net;
using System.Net.Http.Headers;
using Acd.Frontend.Tests.Infrastructure;
using Acd.Silo.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Acd.Frontend.Tests;

/// <summary>
/// The mounted Orleans dashboard: every path needs the supervisor session, and bad input is 400 (malformed) or 404
/// (unknown), never 5xx.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class DashboardTests(HostFixture fixture)
{
    private AcdHost Host => fixture.Host;

    [Fact]
    public void Every_route_of_the_dashboard_package_is_known_to_the_guard()
    {
        var mapped = Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.RawText!)
            .Where(p => p.StartsWith("/dashboard/", StringComparison.Ordinal))
            .Select(p => p["/dashboard".Length..])
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(DashboardGuard.Routes.Order(StringComparer.Ordinal), mapped);
    }

    [Fact]
    public async Task Without_the_supervisor_session_every_dashboard_path_is_401_and_an_agent_gets_403()
    {
        var urls = (await SamplesAsync()).Select(s => s.Url).Concat(["dashboard", "dashboard/Reminders/abc", "dashboard/nothing/here"]).ToList();
        using var anonymous = Host.Client();
        foreach (var url in urls)
        {
            Assert.True((await anonymous.GetAsync(url)).StatusCode == HttpStatusCode.Unauthorized, $"{url} without a session");
        }

        using var admin = await Host.AdminAsync();
        var (queueId, _) = await fixture.CreateQueueAsync(admin);
        var agentId = await fixture.CreateAgentAsync(admin, queueId);
        var agentToken = (await Host.LoginAsync(agentId, "agent-pass-1")).AccessToken;
        using var agent = Host.Client(agentToken);
        foreach (var url in urls)
        {
            Assert.True((await agent.GetAsync(url)).StatusCode == HttpStatusCode.Forbidden, $"{url} as an agent");
        }
    }

    [Fact]
    public async Task With_the_session_unknown_input_is_404_malformed_is_400_and_nothing_is_5xx()
    {
        using var browser = await DashboardBrowserAsync();
        var failures = new List<string>();
        foreach (var (url, expected) in await SamplesAsync())
        {
            using var cancel = new CancellationTokenSource();
            using var response = await browser.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            var status = (int)response.StatusCode;
            if (status != (int)expected)
            {
                failures.Add($"{url}: {status}, expected {(int)expected}");
            }

            if (status >= 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                failures.Add($"{url}: {status} without problem+json");
            }

            await cancel.CancelAsync(); // the log stream (Trace) would run for an hour
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    /// <summary>One or more requests per dashboard route, with what each must answer to a supervisor.</summary>
    private async Task<List<(string Url, HttpStatusCode Status)>> SamplesAsync()
    {
        var hosts = await Host.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        var silo = hosts.Keys.First().ToParsableString();
        var ok = HttpStatusCode.OK;
        var bad = HttpStatusCode.BadRequest;
        var unknown = HttpStatusCode.NotFound;
        var samples = new List<(string, HttpStatusCode)>
        {
            ("dashboard/", ok), ("dashboard/index.html", ok), ("dashboard/favicon.ico", ok), ("dashboard/index.min.js", ok),
            ("dashboard/index.css", ok), ("dashboard/fonts/no-such.woff2", unknown), ("dashboard/img/no-such.png", unknown),
            ("dashboard/version", ok), ("dashboard/DashboardCounters", ok), ("dashboard/ClusterStats", ok), ("dashboard/Reminders", ok),
            ("dashboard/Reminders/1", ok), ("dashboard/Reminders/abc", bad), ("dashboard/Reminders/0", bad), ("dashboard/Reminders/-3", bad),
            ("dashboard/TopGrainMethods", ok), ("dashboard/LifecycleStages", ok), ("dashboard/GrainTypes", ok), ("dashboard/Trace", ok),
            ("dashboard/GrainStats/Acd.Grains.Agents.AgentGrain", ok), ("dashboard/GrainStats/No.Such.Grain", unknown),
            ("dashboard/GrainStats/", bad), ("dashboard/GrainStats/%3Cscript%3E", bad),
            ("dashboard/GrainState?grainType=Acd.Grains.Agents.AgentGrain&grainId=agent-1", ok), ("dashboard/GrainState", bad),
            ("dashboard/GrainState?grainType=No.Such.Grain&grainId=x", unknown), ("dashboard/GrainState?grainType=Acd.Grains.Agents.AgentGrain", bad),
            ("dashboard/GrainState?grainType=Orleans.Runtime.Management.ManagementGrain&grainId=not-a-number", bad),
            ("dashboard/GrainState/extra", unknown), ("dashboard/NoSuchPage", unknown), ("dashboard/SiloProperties/x/y/z", bad),
        };
        foreach (var route in new[] { "SiloProperties", "SiloMetadata", "SiloStats", "SiloCounters", "HistoricalStats" })
        {
            samples.Add(($"dashboard/{route}/{silo}", ok));
            samples.Add(($"dashboard/{route}/10.255.255.1:11111@123456789", unknown));
            samples.Add(($"dashboard/{route}/garbage", bad));
            samples.Add(($"dashboard/{route}/1.2.3.4:notaport@x", bad));
            samples.Add(($"dashboard/{route}/", bad));
        }

        return samples;
    }

    /// <summary>A browser with the wallboard's dashboard cookie (no Authorization header).</summary>
    private async Task<HttpClient> DashboardBrowserAsync()
    {
        var browser = new HttpClient(new HttpClientHandler { UseCookies = true }) { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        browser.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Bearer", (await Host.LoginAsync("admin", AcdHost.AdminPassword)).AccessToken);
        Assert.Equal(HttpStatusCode.NoContent, (await browser.PostAsync("api/v1/auth/dashboard-session", null)).StatusCode);
        browser.DefaultRequestHeaders.Authorization = null;
        return browser;
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Acd.Frontend.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Acd.Frontend.Tests;

/// <summary>The wallboard's thresholds and alerts, live charts, filters and TV mode in headless Chromium (page clock faked).</summary>
[Collection(HostCollection.Name)]
public sealed class WallboardTests(HostFixture fixture)
{
    private AcdHost Host => fixture.Host;

    [Fact]
    public async Task A_threshold_alert_appears_when_a_queues_longest_wait_passes_it()
    {
        using var admin = await Host.AdminAsync();
        var (queueId, number) = await fixture.CreateQueueAsync(admin);
        var invalid = await admin.PutAsJsonAsync($"api/v1/wallboard/thresholds/{queueId}", new { longestWaitAmberSeconds = 60, longestWaitRedSeconds = 30 });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("longestWaitRedSeconds", (await HostFixture.JsonAsync(invalid)).GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"api/v1/wallboard/thresholds/{queueId}",
            new { waitingAmber = 1, longestWaitRedSeconds = 30 })).StatusCode);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await Chromium.NewPageAsync(browser);
        await page.Clock.InstallAsync();
        await Chromium.SignInAsync(page, Host, "admin", AcdHost.AdminPassword);
        await Chromium.WaitForPageAsync(page, "wallboard.html");
        await page.GotoAsync(new Uri(Host.BaseAddress, $"wallboard.html?queue={queueId}").ToString());
        await Chromium.WaitForPageAsync(page, "wallboard.html");
        var row = page.Locator($"#queues-body tr[data-queue-id='{queueId}']");
        await Assertions.Expect(row).ToHaveAttributeAsync("data-level", "ok");
        await Assertions.Expect(page.Locator("#queues-body tr")).ToHaveCountAsync(1); // the queue filter from the URL

        // A caller waits (no agent is Ready): one waiting call is amber at once.
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("api/v1/calls/inbound", new { from = HostFixture.NewNumber(), to = number })).StatusCode);
        await Assertions.Expect(row.Locator("[data-field=waiting]")).ToHaveTextAsync("1");
        await Assertions.Expect(row).ToHaveAttributeAsync("data-level", "amber");
        var amber = page.Locator($"#alerts-list li[data-queue-id='{queueId}'][data-level=amber]");
        await Assertions.Expect(amber).ToContainTextAsync("waiting 1 ≥ 1");
        Assert.Equal(0, await page.Locator($"#alerts-list li[data-queue-id='{queueId}'][data-level=red]").CountAsync());

        // Half a minute later (the page's clock), with no push in between: the wait has passed 30 s, the tile is red.
        await page.Clock.FastForwardAsync("00:35");
        await Assertions.Expect(row).ToHaveAttributeAsync("data-level", "red");
        var red = page.Locator($"#alerts-list li[data-queue-id='{queueId}'][data-level=red]");
        await Assertions.Expect(red).ToContainTextAsync("longest wait");
        await Assertions.Expect(red.Locator("time")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"\d{2}:\d{2}:\d{2}"));
        await Assertions.Expect(page.Locator("#alert-banner")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#alert-banner")).ToHaveAttributeAsync("data-level", "red");
        await Assertions.Expect(page.Locator("#kpi-longest")).Not.ToHaveTextAsync("00:00");

        // The live chart of calls waiting has the queue's line, ending at the one waiting call.
        var series = JsonDocument.Parse((await page.Locator("#chart-waiting").GetAttributeAsync("data-series"))!).RootElement;
        var line = series.GetProperty($"Queue {queueId}").EnumerateArray().Select(v => v.GetInt32()).ToList();
        Assert.Equal(1, line[^1]);
        Assert.Contains(0, line); // before the caller came
        await Chromium.ShotAsync(page, "wallboard-alert.png");

        // TV mode: the one queue in large type, red.
        await page.ClickAsync("#tv-button");
        await Assertions.Expect(page.Locator("body.tv")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#tv-panel")).ToHaveAttributeAsync("data-queue-id", queueId);
        await Assertions.Expect(page.Locator("#tv-panel")).ToHaveAttributeAsync("data-level", "red");
        await Assertions.Expect(page.Locator("#tv-waiting")).ToHaveTextAsync("1");
        await Chromium.ShotAsync(page, "wallboard-tv.png");
        await page.ClickAsync("#tv-exit");
        await Assertions.Expect(page.Locator("body.tv")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Team_filter_shows_the_teams_queues_and_agents_and_tv_mode_rotates_them()
    {
        using var admin = await Host.AdminAsync();
        var (queueA, _) = await fixture.CreateQueueAsync(admin);
        var (queueB, _) = await fixture.CreateQueueAsync(admin);
        var (queueC, _) = await fixture.CreateQueueAsync(admin);
        var team = HostFixture.NewId("wb-team");
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("api/v1/teams", new { id = team, name = "Wall", queues = new[] { queueA, queueB } })).StatusCode);
        var member = await fixture.CreateAgentAsync(admin, queueA);
        var other = await fixture.CreateAgentAsync(admin, queueC);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"api/v1/agents/{member}", new { teamId = team })).StatusCode);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await Chromium.NewPageAsync(browser);
        await page.Clock.InstallAsync();
        await Chromium.SignInAsync(page, Host, "admin", AcdHost.AdminPassword);
        await Chromium.WaitForPageAsync(page, "wallboard.html");
        await page.GotoAsync(new Uri(Host.BaseAddress, $"wallboard.html?team={team}&tv=1&rotate=5").ToString());
        await Chromium.WaitForPageAsync(page, "wallboard.html");
        await Assertions.Expect(page.Locator("#filter-team")).ToHaveValueAsync(team);
        await Assertions.Expect(page.Locator("#queues-body tr")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator($"#queues-body tr[data-queue-id='{queueC}']")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator($".agent-card[data-agent-id='{member}']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator($".agent-card[data-agent-id='{other}']")).ToHaveCountAsync(0);

        // TV mode from the URL: the team's two queues (by id), one after the other.
        var order = new[] { queueA, queueB }.Order(StringComparer.Ordinal).ToArray();
        var panel = page.Locator("#tv-panel");
        await Assertions.Expect(panel).ToHaveAttributeAsync("data-queue-id", order[0]);
        await page.Clock.FastForwardAsync("00:05");
        await Assertions.Expect(panel).ToHaveAttributeAsync("data-queue-id", order[1]);
        await page.Clock.FastForwardAsync("00:05");
        await Assertions.Expect(panel).ToHaveAttributeAsync("data-queue-id", order[0]);

        // Clearing the filter brings the other team's queue back, and the URL follows.
        await page.ClickAsync("#tv-exit");
        await page.Locator("#filter-team").SelectOptionAsync("");
        await Assertions.Expect(page.Locator($"#queues-body tr[data-queue-id='{queueC}']")).ToHaveCountAsync(1);
        await Assertions.Expect(page).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("team="));
        await Chromium.ShotAsync(page, "wallboard.png");

        // Thresholds from the wallboard itself: the API's error beside its field, then saved.
        await page.Locator($"#queues-body tr[data-queue-id='{queueC}'] button.thresholds").ClickAsync();
        var form = page.Locator("#thresholds-form");
        await form.Locator("[name=waitingRed]").FillAsync("0");
        await page.ClickAsync("#thresholds-save");
        await Assertions.Expect(form.Locator("[data-error-for=waitingRed]")).ToHaveTextAsync("Must be between 1 and 10000.");
        await form.Locator("[name=waitingRed]").FillAsync("3");
        await form.Locator("[name=slaAmberPercent]").FillAsync("80");
        await page.ClickAsync("#thresholds-save");
        await Assertions.Expect(page.Locator("#thresholds-dialog")).ToHaveCountAsync(0);
        var saved = (await HostFixture.JsonAsync(await admin.GetAsync("api/v1/wallboard/thresholds"))).EnumerateArray()
            .Single(t => t.GetProperty("queueId").GetString() == queueC);
        Assert.Equal(3, saved.GetProperty("waitingRed").GetInt32());
        Assert.Equal(80, saved.GetProperty("slaAmberPercent").GetInt32());
        Assert.Equal(JsonValueKind.Null, saved.GetProperty("longestWaitRedSeconds").ValueKind);
    }
}

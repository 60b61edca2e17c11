using System.Net;
using System.Net.Http.Json;
using Acd.Frontend.Hubs;
using Acd.Frontend.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Acd.Frontend.Tests;

/// <summary>Teams, supervisors scoped to teams and queues (enforced by the API and the hub), the availability board and users.</summary>
[Collection(HostCollection.Name)]
public sealed class TeamsTests(HostFixture fixture)
{
    private AcdHost Host => fixture.Host;

    [Fact]
    public async Task A_supervisor_scoped_to_a_team_sees_only_its_agents_and_queues_and_is_refused_the_others()
    {
        using var admin = await Host.AdminAsync();
        var (queueA, _) = await fixture.CreateQueueAsync(admin);
        var (queueB, _) = await fixture.CreateQueueAsync(admin);
        var teamA = HostFixture.NewId("team-a");
        var teamB = HostFixture.NewId("team-b");
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("api/v1/teams", new { id = teamA, name = "Alpha", queues = new[] { queueA } })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("api/v1/teams", new { id = teamB, name = "Bravo", queues = new[] { queueB } })).StatusCode);
        var agentA = await fixture.CreateAgentAsync(admin, queueA);
        var agentB = await fixture.CreateAgentAsync(admin, queueB);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"api/v1/agents/{agentA}", new { teamId = teamA })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"api/v1/agents/{agentB}", new { teamId = teamB })).StatusCode);
        var unknownTeam = await admin.PutAsJsonAsync($"api/v1/agents/{agentB}", new { teamId = "no-such-team" });
        Assert.Equal(HttpStatusCode.BadRequest, unknownTeam.StatusCode);
        Assert.Contains("teamId", (await HostFixture.JsonAsync(unknownTeam)).GetProperty("errors").EnumerateObject().Select(p => p.Name));

        var supervisor = HostFixture.NewId("sup");
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("api/v1/users",
            new { username = supervisor, password = "super-pass-1", roles = new[] { "supervisor" }, scopeTeams = new[] { teamA } })).StatusCode);
        var token = (await Host.LoginAsync(supervisor, "super-pass-1")).AccessToken;
        using var sup = Host.Client(token);

        // What the scoped supervisor lists: its team's agent and teams only.
        var agents = (await HostFixture.JsonAsync(await sup.GetAsync("api/v1/agents"))).EnumerateArray().Select(a => a.GetProperty("id").GetString()).ToList();
        Assert.Contains(agentA, agents);
        Assert.DoesNotContain(agentB, agents);
        var teams = (await HostFixture.JsonAsync(await sup.GetAsync("api/v1/teams"))).EnumerateArray().Select(t => t.GetProperty("id").GetString()).ToList();
        Assert.Equal([teamA], teams);
        Assert.Equal(HttpStatusCode.NotFound, (await sup.GetAsync($"api/v1/teams/{teamB}")).StatusCode);

        // Acting: allowed in scope, 403 outside it (the API, not only the page).
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"api/v1/agents/{agentA}/login", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"api/v1/agents/{agentB}/login", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"api/v1/agents/{agentB}/ready", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await sup.PostAsJsonAsync($"api/v1/agents/{agentA}/not-ready", new { reason = "supervisor" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await sup.PostAsJsonAsync($"api/v1/agents/{agentB}/not-ready", new { reason = "supervisor" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await sup.PostAsync($"api/v1/agents/{agentB}/logout", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await sup.GetAsync($"api/v1/agents/{agentB}")).StatusCode);
        Assert.Equal("ready", (await HostFixture.JsonAsync(await admin.GetAsync($"api/v1/agents/{agentB}"))).GetProperty("status").GetString());

        // Reports: only the scope's queues, and a total needs a queue, team or agent of the scope.
        Assert.Equal(HttpStatusCode.Forbidden, (await sup.GetAsync($"api/v1/reports/intervals?groupBy=queue&queueId={queueB}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await sup.GetAsync("api/v1/reports/intervals?groupBy=total")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await sup.GetAsync($"api/v1/reports/intervals?groupBy=queue&queueId={queueA}")).StatusCode);
        var ownTeam = await HostFixture.JsonAsync(await sup.GetAsync($"api/v1/reports/intervals?groupBy=team&teamId={teamA}"));
        Assert.All(ownTeam.EnumerateArray(), r => Assert.Equal(teamA, r.GetProperty("group").GetString()));

        // The hub: the snapshot holds only the scope, and forcing an agent outside it is refused.
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(Host.BaseAddress, "hubs/supervisor"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .AddJsonProtocol(o => Acd.Frontend.Hosting.FrontendExtensions.Configure(o.PayloadSerializerOptions))
            .Build();
        await hub.StartAsync();
        var snapshot = await hub.InvokeAsync<WallboardSnapshot>("GetSnapshot");
        Assert.Contains(snapshot.Agents, a => a.Id == agentA);
        Assert.DoesNotContain(snapshot.Agents, a => a.Id == agentB);
        Assert.Contains(snapshot.Queues, q => q.Id == queueA);
        Assert.DoesNotContain(snapshot.Queues, q => q.Id == queueB);
        var refused = await hub.InvokeAsync<CommandResult>("ForceNotReady", agentB, null);
        Assert.False(refused.Ok);
        Assert.Equal("Forbidden", refused.Error);
        Assert.True((await hub.InvokeAsync<CommandResult>("ForceLogout", agentA)).Ok);

        // A scope by queue instead: the agents serving that queue, whatever their team.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"api/v1/users/{supervisor}", new { scopeTeams = Array.Empty<string>(), scopeQueues = new[] { queueB } })).StatusCode);
        agents = (await HostFixture.JsonAsync(await sup.GetAsync("api/v1/agents"))).EnumerateArray().Select(a => a.GetProperty("id").GetString()).ToList();
        Assert.Contains(agentB, agents);
        Assert.DoesNotContain(agentA, agents);
        Assert.Equal(HttpStatusCode.OK, (await sup.PostAsJsonAsync($"api/v1/agents/{agentB}/not-ready", new { reason = "supervisor" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await sup.PostAsync($"api/v1/agents/{agentA}/login", null)).StatusCode);
    }

    [Fact]
    public async Task Availability_board_shows_each_teams_agents_by_state_with_reason_and_time()
    {
        using var admin = await Host.AdminAsync();
        var (queueId, _) = await fixture.CreateQueueAsync(admin);
        var team = HostFixture.NewId("team");
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("api/v1/teams", new { id = team, name = "Night shift", queues = new[] { queueId } })).StatusCode);
        var ready = await fixture.CreateAgentAsync(admin, queueId);
        var onBreak = await fixture.CreateAgentAsync(admin, queueId);
        foreach (var id in new[] { ready, onBreak })
        {
            Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"api/v1/agents/{id}", new { teamId = team })).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"api/v1/agents/{id}/login", null)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"api/v1/agents/{id}/ready", null)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"api/v1/agents/{onBreak}/not-ready", new { reason = "lunch" })).StatusCode);
        var board = (await HostFixture.JsonAsync(await admin.GetAsync("api/v1/teams/availability"))).EnumerateArray()
            .Single(t => t.GetProperty("id").GetString() == team);
        Assert.Equal(1, board.GetProperty("ready").GetInt32());
        Assert.Equal(1, board.GetProperty("notReady").GetInt32());
        var breakRow = board.GetProperty("agents").EnumerateArray().Single(a => a.GetProperty("id").GetString() == onBreak);
        Assert.Equal("lunch", breakRow.GetProperty("reasonCode").GetString());
        Assert.True(breakRow.GetProperty("timeInStateSeconds").GetDouble() >= 0);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await Chromium.NewPageAsync(browser);
        await Chromium.SignInAsync(page, Host, "admin", AcdHost.AdminPassword, next: "admin");
        await Chromium.WaitForPageAsync(page, "admin.html");
        await page.ClickAsync("#tab-teams");
        var card = page.Locator($"#team-availability [data-team-id='{team}']");
        await Assertions.Expect(card.Locator("[data-count=ready]")).ToHaveTextAsync("Ready 1");
        await Assertions.Expect(card.Locator("[data-count=notReady]")).ToHaveTextAsync("Not Ready 1");
        await Assertions.Expect(card.Locator($"tr[data-agent-id='{onBreak}'] [data-field=reason]")).ToHaveTextAsync("lunch");
        await Chromium.ShotAsync(page, "admin-teams.png");
    }

    [Fact]
    public async Task Admin_creates_a_team_and_a_scoped_supervisor_in_the_console_whose_wallboard_hides_other_teams()
    {
        using var admin = await Host.AdminAsync();
        var (queueA, _) = await fixture.CreateQueueAsync(admin);
        var (queueB, _) = await fixture.CreateQueueAsync(admin);
        var agentA = await fixture.CreateAgentAsync(admin, queueA);
        var agentB = await fixture.CreateAgentAsync(admin, queueB);
        var team = HostFixture.NewId("ui-team");
        var supervisor = HostFixture.NewId("ui-sup");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await Chromium.NewPageAsync(browser);
        await Chromium.SignInAsync(page, Host, "admin", AcdHost.AdminPassword, next: "admin");
        await Chromium.WaitForPageAsync(page, "admin.html");

        // A team through its form; the API's error stands beside the field.
        await page.ClickAsync("#tab-teams");
        await page.ClickAsync("#teams-new");
        var form = page.Locator("#team-form");
        await form.Locator("[name=id]").FillAsync("bad id!");
        await form.Locator("[name=name]").FillAsync("Alpha");
        await page.ClickAsync("#team-save");
        await Assertions.Expect(form.Locator(".field.invalid[data-field=id]")).ToHaveCountAsync(1);
        await form.Locator("[name=id]").FillAsync(team);
        await form.Locator($"[name=queues][value='{queueA}']").CheckAsync();
        await page.ClickAsync("#team-save");
        await Assertions.Expect(page.Locator("#team-editor h3")).ToHaveTextAsync($"Team {team}");

        // The agent joins it from the agent form.
        await page.ClickAsync("#tab-agents");
        await page.FillAsync("#agents-filter", agentA);
        await page.Locator($"#agents-body tr[data-id='{agentA}'] button.edit").ClickAsync();
        await page.Locator("#agent-form [name=teamId]").SelectOptionAsync(team);
        await page.ClickAsync("#agent-save");
        await Assertions.Expect(page.Locator($"#agents-body tr[data-id='{agentA}']")).ToContainTextAsync(team);

        // A supervisor limited to the team, from the Users section.
        await page.ClickAsync("#tab-users");
        await page.ClickAsync("#users-new");
        var user = page.Locator("#user-form");
        await user.Locator("[name=username]").FillAsync(supervisor);
        await user.Locator("[name=password]").FillAsync("super-pass-1");
        await user.Locator($"[name=scopeTeams][value='{team}']").CheckAsync();
        await page.ClickAsync("#user-save");
        await Assertions.Expect(page.Locator("#user-editor h3")).ToHaveTextAsync($"User {supervisor}");
        await page.FillAsync("#users-filter", supervisor);
        await Assertions.Expect(page.Locator($"#users-body tr[data-id='{supervisor}']")).ToContainTextAsync($"team {team}");
        await Chromium.ShotAsync(page, "admin-users.png");
        var saved = await HostFixture.JsonAsync(await admin.GetAsync($"api/v1/users/{supervisor}"));
        Assert.Equal([team], saved.GetProperty("scopeTeams").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(["supervisor"], saved.GetProperty("roles").EnumerateArray().Select(t => t.GetString()));

        // The supervisor's wallboard: its team's agent and queue, nothing of the other team.
        var wall = await Chromium.NewPageAsync(browser);
        await Chromium.SignInAsync(wall, Host, supervisor, "super-pass-1");
        await Chromium.WaitForPageAsync(wall, "wallboard.html");
        await Assertions.Expect(wall.Locator($"[data-agent-id='{agentA}']")).ToBeVisibleAsync();
        await Assertions.Expect(wall.Locator($"tr[data-queue-id='{queueA}']")).ToBeVisibleAsync();
        await Assertions.Expect(wall.Locator($"[data-agent-id='{agentB}']")).ToHaveCountAsync(0);
        await Assertions.Expect(wall.Locator($"tr[data-queue-id='{queueB}']")).ToHaveCountAsync(0);
        await Chromium.ShotAsync(wall, "wallboard-scoped.png");

        // Disabling from the console stops the sign-in.
        await page.Locator($"#users-body tr[data-id='{supervisor}'] button.edit").ClickAsync();
        await user.Locator("[name=disabled]").CheckAsync();
        await page.ClickAsync("#user-save");
        await Assertions.Expect(page.Locator($"#users-body tr[data-id='{supervisor}']")).ToContainTextAsync("disabled");
        using var anonymous = Host.Client();
        Assert.NotEqual(HttpStatusCode.OK,
            (await anonymous.PostAsJsonAsync("api/v1/auth/token", new { username = supervisor, password = "super-pass-1" })).StatusCode);
    }
}

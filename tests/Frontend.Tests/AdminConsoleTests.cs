using System.Net;
using System.Net.Http.Json;
using Acd.Frontend.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Acd.Frontend.Tests;

/// <summary>The admin console (/admin.html) in headless Chromium, against the real API.</summary>
[Collection(HostCollection.Name)]
public sealed class AdminConsoleTests(HostFixture fixture)
{
    private AcdHost Host => fixture.Host;

    [Fact]
    public async Task Admin_creates_and_edits_a_queue_through_the_form_and_sees_the_apis_error_beside_the_field()
    {
        using var admin = await Host.AdminAsync();
        var (overflowId, _) = await fixture.CreateQueueAsync(admin);
        var queueId = HostFixture.NewId("ui-q");
        var number = HostFixture.NewNumber();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await OpenConsoleAsync(browser, "admin", AcdHost.AdminPassword);

        await page.ClickAsync("#tab-queues");
        await page.ClickAsync("#queues-new");
        var form = page.Locator("#queue-form");
        await form.Locator("[name=id]").FillAsync(queueId);
        await form.Locator("[name=name]").FillAsync("Support line");
        await form.Locator("[name=numbers]").FillAsync($"{number}, 7001");
        await form.Locator("[name=strategy]").SelectOptionAsync("roundRobin");
        await form.Locator(".add-skill").ClickAsync();
        await form.Locator(".skill-row [name=skill]").FillAsync("english");
        await form.Locator(".skill-row [name=level]").FillAsync("3");
        await form.Locator("[name=slaSeconds]").FillAsync("30");
        await form.Locator("[name=wrapUpSeconds]").FillAsync("10");
        await form.Locator("[name=ringTimeoutSeconds]").FillAsync("25");
        await form.Locator("[name=maxWaitSeconds]").FillAsync("120");
        await form.Locator("[name=overflowQueueId]").SelectOptionAsync(overflowId);
        await form.Locator("[name=announceSeconds]").FillAsync("45");
        await page.ClickAsync("#queue-save");
        await Assertions.Expect(page.Locator("#queue-editor h3")).ToHaveTextAsync($"Queue {queueId}");

        var created = await HostFixture.JsonAsync(await admin.GetAsync($"api/v1/queues/{queueId}"));
        Assert.Equal("Support line", created.GetProperty("name").GetString());
        Assert.Equal([number, "7001"], created.GetProperty("numbers").EnumerateArray().Select(n => n.GetString()));
        Assert.Equal("roundRobin", created.GetProperty("strategy").GetString());
        Assert.Equal(3, created.GetProperty("requiredSkills").GetProperty("english").GetInt32());
        Assert.Equal(30, created.GetProperty("slaSeconds").GetInt32());
        Assert.Equal(10, created.GetProperty("wrapUpSeconds").GetInt32());
        Assert.Equal(25, created.GetProperty("ringTimeoutSeconds").GetInt32());
        Assert.Equal(120, created.GetProperty("maxWaitSeconds").GetInt32());
        Assert.Equal(overflowId, created.GetProperty("overflowQueueId").GetString());
        Assert.Equal(45, created.GetProperty("announceSeconds").GetInt32());

        // Edit from the list: the filter finds it, the form comes back filled.
        await page.FillAsync("#queues-filter", queueId);
        var row = page.Locator($"#queues-body tr[data-id='{queueId}']");
        await Assertions.Expect(page.Locator("#queues-body tr")).ToHaveCountAsync(1);
        await Chromium.ShotAsync(page, "admin-queues.png");
        await row.Locator("button.edit").ClickAsync();
        await Assertions.Expect(form.Locator("[name=id]")).ToBeDisabledAsync();
        await Assertions.Expect(form.Locator("[name=slaSeconds]")).ToHaveValueAsync("30");

        // The API's own validation, shown beside its field.
        await form.Locator("[name=slaSeconds]").FillAsync("0");
        await page.ClickAsync("#queue-save");
        await Assertions.Expect(form.Locator("[data-error-for=slaSeconds]")).ToHaveTextAsync("Must be between 1 and 3600.");
        await Assertions.Expect(form.Locator(".field.invalid[data-field=slaSeconds]")).ToHaveCountAsync(1);
        await Chromium.ShotAsync(page, "admin-queue-error.png");
        Assert.Equal(30, (await HostFixture.JsonAsync(await admin.GetAsync($"api/v1/queues/{queueId}"))).GetProperty("slaSeconds").GetInt32());

        await form.Locator("[name=slaSeconds]").FillAsync("45");
        await form.Locator("[name=name]").FillAsync("Support line 2");
        await form.Locator("[name=overflowQueueId]").SelectOptionAsync("");
        await page.ClickAsync("#queue-save");
        await Assertions.Expect(form.Locator("[data-error-for=slaSeconds]")).ToBeHiddenAsync();
        await Assertions.Expect(row).ToContainTextAsync("Support line 2");
        var edited = await HostFixture.JsonAsync(await admin.GetAsync($"api/v1/queues/{queueId}"));
        Assert.Equal("Support line 2", edited.GetProperty("name").GetString());
        Assert.Equal(45, edited.GetProperty("slaSeconds").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, edited.GetProperty("overflowQueueId").ValueKind);
        Assert.Equal(3, edited.GetProperty("requiredSkills").GetProperty("english").GetInt32());
    }

    [Fact]
    public async Task Admin_creates_and_edits_an_agent_resets_its_password_and_forces_it_out()
    {
        using var admin = await Host.AdminAsync();
        var (queueId, _) = await fixture.CreateQueueAsync(admin);
        var agentId = HostFixture.NewId("ui-agent");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await OpenConsoleAsync(browser, "admin", AcdHost.AdminPassword);
        await Chromium.ShotAsync(page, "admin-agents.png");
        // Other tests' agents share the host: the filter keeps this one on the first page.
        await page.FillAsync("#agents-filter", agentId);

        await page.ClickAsync("#agents-new");
        var form = page.Locator("#agent-form");
        await form.Locator("[name=id]").FillAsync(agentId);
        await form.Locator("[name=name]").FillAsync("Ada Lovelace");
        await form.Locator("[name=extension]").FillAsync("4711");
        await form.Locator("[name=password]").FillAsync("short");
        await form.Locator(".add-skill").ClickAsync();
        await form.Locator(".skill-row [name=skill]").FillAsync("english");
        await form.Locator(".skill-row [name=level]").FillAsync("7");
        await form.Locator($"[name=queues][value='{queueId}']").CheckAsync();
        await page.ClickAsync("#agent-save");
        // The API refuses the short password: its message stands beside the password field, nothing is created.
        await Assertions.Expect(form.Locator("[data-error-for=password]")).ToHaveTextAsync("At least 8 characters.");
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"api/v1/agents/{agentId}")).StatusCode);

        await form.Locator("[name=password]").FillAsync("agent-pass-1");
        await page.ClickAsync("#agent-save");
        await Assertions.Expect(page.Locator("#agent-editor h3").First).ToHaveTextAsync($"Agent {agentId}");
        var created = await HostFixture.JsonAsync(await admin.GetAsync($"api/v1/agents/{agentId}"));
        Assert.Equal("Ada Lovelace", created.GetProperty("name").GetString());
        Assert.Equal("4711", created.GetProperty("extension").GetString());
        Assert.Equal(7, created.GetProperty("skills").GetProperty("english").GetInt32());
        Assert.Equal([queueId], created.GetProperty("queues").EnumerateArray().Select(q => q.GetString()));
        Assert.Equal(["agent"], created.GetProperty("roles").EnumerateArray().Select(q => q.GetString()));

        // Edit: the open form is the saved agent's.
        await form.Locator("[name=name]").FillAsync("Ada King");
        await form.Locator(".add-skill").ClickAsync();
        await form.Locator(".skill-row [name=skill]").Last.FillAsync("german");
        await form.Locator(".skill-row [name=level]").Last.FillAsync("4");
        await form.Locator("[name=roles][value=supervisor]").CheckAsync();
        await page.ClickAsync("#agent-save");
        await Assertions.Expect(page.Locator($"#agents-body tr[data-id='{agentId}']")).ToContainTextAsync("Ada King");
        var edited = await HostFixture.JsonAsync(await admin.GetAsync($"api/v1/agents/{agentId}"));
        Assert.Equal("Ada King", edited.GetProperty("name").GetString());
        Assert.Equal(4, edited.GetProperty("skills").GetProperty("german").GetInt32());
        Assert.Equal(7, edited.GetProperty("skills").GetProperty("english").GetInt32());
        Assert.Equal(["agent", "supervisor"], edited.GetProperty("roles").EnumerateArray().Select(q => q.GetString()).Order());
        await Chromium.ShotAsync(page, "admin-agent-edit.png");

        // A new web password works at once and the old one no longer does.
        await page.FillAsync("#agent-reset-password", "brand-new-pass-1");
        await page.ClickAsync("#agent-reset-password-button");
        await Assertions.Expect(page.Locator("#agent-reset-password")).ToHaveValueAsync(string.Empty);
        using var agent = await fixture.AgentClientAsync(agentId, "brand-new-pass-1");
        using var anonymous = Host.Client();
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await anonymous.PostAsJsonAsync("api/v1/auth/token", new { username = agentId, password = "agent-pass-1" })).StatusCode);

        // The agent signs in to the ACD; the admin forces it out from the console.
        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsync($"api/v1/agents/{agentId}/login", null)).StatusCode);
        await page.ReloadAsync();
        await Chromium.WaitForPageAsync(page, "admin.html");
        await page.FillAsync("#agents-filter", agentId);
        await Assertions.Expect(page.Locator("#agents-body tr")).ToHaveCountAsync(1);
        await page.Locator($"#agents-body tr[data-id='{agentId}'] button.edit").ClickAsync();
        await page.ClickAsync("#agent-force-logout");
        await Assertions.Expect(page.Locator($"#agents-body tr[data-id='{agentId}'] .status-pill")).ToHaveAttributeAsync("data-status", "loggedOut");
        Assert.Equal("loggedOut", (await HostFixture.JsonAsync(await admin.GetAsync($"api/v1/agents/{agentId}"))).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Admin_manages_reason_codes_and_customers()
    {
        using var admin = await Host.AdminAsync();
        var code = "coaching-" + Guid.NewGuid().ToString("N")[..4];
        var customerId = HostFixture.NewId("ui-cust");
        var phone = HostFixture.NewNumber();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await OpenConsoleAsync(browser, "admin", AcdHost.AdminPassword);

        await page.ClickAsync("#tab-reasons");
        await page.FillAsync("#reason-form [name=code]", code);
        await page.ClickAsync("#reason-add");
        await Assertions.Expect(page.Locator($"#reasons-list li[data-code='{code}']")).ToBeVisibleAsync();
        await page.FillAsync("#reason-form [name=code]", code.ToUpperInvariant());
        await page.ClickAsync("#reason-add");
        await Assertions.Expect(page.Locator("#reason-form .form-error")).ToContainTextAsync("already exists");
        await Chromium.ShotAsync(page, "admin-reasons.png");
        var codes = await HostFixture.JsonAsync(await admin.GetAsync("api/v1/reason-codes"));
        Assert.Contains(code, codes.GetProperty("codes").EnumerateArray().Select(c => c.GetString()));
        await page.Locator($"#reasons-list li[data-code='{code}'] button.remove").ClickAsync();
        await Assertions.Expect(page.Locator($"#reasons-list li[data-code='{code}']")).ToHaveCountAsync(0);

        await page.ClickAsync("#tab-customers");
        await page.ClickAsync("#customers-new");
        var form = page.Locator("#customer-form");
        await form.Locator("[name=id]").FillAsync(customerId);
        await form.Locator("[name=name]").FillAsync("Grace Brewster");
        await form.Locator("[name=phoneNumbers]").FillAsync("not a number");
        await page.ClickAsync("#customer-save");
        await Assertions.Expect(form.Locator("[data-error-for=phoneNumbers]")).ToHaveTextAsync("Up to 20 phone numbers.");
        await form.Locator("[name=phoneNumbers]").FillAsync(phone);
        await form.Locator("[name=company]").FillAsync("Vassar");
        await form.Locator("[name=attributes]").FillAsync("tier=silver");
        await page.ClickAsync("#customer-save");
        await Assertions.Expect(page.Locator("#customer-editor h3")).ToHaveTextAsync($"Customer {customerId}");
        await page.FillAsync("#customers-filter", "Brewster");
        await Assertions.Expect(page.Locator($"#customers-body tr[data-id='{customerId}']")).ToContainTextAsync("Vassar");
        await Chromium.ShotAsync(page, "admin-customers.png");
        var customer = await HostFixture.JsonAsync(await admin.GetAsync($"api/v1/customers/{customerId}"));
        Assert.Equal("silver", customer.GetProperty("attributes").GetProperty("tier").GetString());
        Assert.Equal([phone], customer.GetProperty("phoneNumbers").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public async Task Supervisor_reaches_the_console_from_the_wallboard_and_sees_no_edit_buttons()
    {
        using var admin = await Host.AdminAsync();
        var (queueId, _) = await fixture.CreateQueueAsync(admin);
        var agentId = await fixture.CreateAgentAsync(admin, queueId);
        var supervisor = HostFixture.NewId("sup");
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("api/v1/users",
            new { username = supervisor, password = "super-pass-1", roles = new[] { "supervisor" } })).StatusCode);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await Chromium.NewPageAsync(browser);
        await Chromium.SignInAsync(page, Host, supervisor, "super-pass-1");
        await Chromium.WaitForPageAsync(page, "wallboard.html");
        await page.ClickAsync("#admin-link");
        await Chromium.WaitForPageAsync(page, "admin.html");

        await Assertions.Expect(page.Locator("#mode-badge")).ToHaveTextAsync("Read-only");
        await page.FillAsync("#agents-filter", agentId);
        await Assertions.Expect(page.Locator($"#agents-body tr[data-id='{agentId}']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#agents-new")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#section-agents button.edit")).ToHaveCountAsync(0);
        await Chromium.ShotAsync(page, "admin-supervisor.png");

        await page.ClickAsync("#tab-queues");
        await page.FillAsync("#queues-filter", queueId);
        await Assertions.Expect(page.Locator($"#queues-body tr[data-id='{queueId}']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#queues-new")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#section-queues button.edit")).ToHaveCountAsync(0);
        await page.ClickAsync("#tab-reasons");
        await Assertions.Expect(page.Locator("#reasons-list li").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#reasons-list button.remove")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#reason-form")).ToHaveCountAsync(0);
        await page.ClickAsync("#tab-customers");
        await Assertions.Expect(page.Locator("#customers-new")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#section-customers button.edit")).ToHaveCountAsync(0);
    }

    private async Task<IPage> OpenConsoleAsync(IBrowser browser, string username, string password)
    {
        var page = await Chromium.NewPageAsync(browser);
        await Chromium.SignInAsync(page, Host, username, password, next: "admin");
        await Chromium.WaitForPageAsync(page, "admin.html");
        await Assertions.Expect(page.Locator("#mode-badge")).ToHaveTextAsync("Admin");
        return page;
    }
}

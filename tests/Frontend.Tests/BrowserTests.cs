using System.Net;
using System.Net.Http.Json;
using Acd.Frontend.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Acd.Frontend.Tests;

/// <summary>The agent desktop and the wallboard in real headless Chromium (Debian's /usr/bin/chromium).</summary>
[Collection(HostCollection.Name)]
public sealed class BrowserTests(HostFixture fixture)
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        "--allow-loopback-in-peer-connection", "--disable-dev-shm-usage",
    ];

    private AcdHost Host => fixture.Host;

    [Fact]
    public async Task Agent_handles_a_call_while_the_supervisor_watches_live()
    {
        Assert.True(File.Exists(ChromiumPath),
            $"Browser tests need Chromium at {ChromiumPath} (Debian package 'chromium'; scripts/install-test-deps.sh installs it).");

        using var admin = await Host.AdminAsync();
        var (queueId, number) = await fixture.CreateQueueAsync(admin);
        var agentId = await fixture.CreateAgentAsync(admin, queueId);
        await fixture.CreateAgentAsync(admin, queueId);
        var caller = HostFixture.NewNumber();
        await fixture.CreateCustomerAsync(admin, caller, "Jane Doe", "Contoso Ltd");
        var screenshots = Path.Combine(AcdHost.RepoRoot, "artifacts", "screenshots");
        Directory.CreateDirectory(screenshots);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
            Timeout = 30_000,
        });

        // Supervisor signs in and lands on the wallboard.
        var supervisorContext = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        var wallboard = await supervisorContext.NewPageAsync();
        wallboard.SetDefaultTimeout(10_000);
        await SignInAsync(wallboard, "admin", AcdHost.AdminPassword);
        await WaitForPageAsync(wallboard, "wallboard.html");
        await Assertions.Expect(wallboard.Locator($".agent-card[data-agent-id='{agentId}']")).ToHaveAttributeAsync("data-status", "loggedOut");

        // Agent signs in: the desktop logs the agent into the ACD (Not Ready), then the agent goes Ready.
        var agentContext = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        var desktop = await agentContext.NewPageAsync();
        desktop.SetDefaultTimeout(10_000);
        var consoleErrors = new List<string>();
        desktop.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                consoleErrors.Add($"{message.Text} ({message.Location})");
            }
        };
        await SignInAsync(desktop, agentId, "agent-pass-1");
        await WaitForPageAsync(desktop, "agent.html");
        await Assertions.Expect(desktop.Locator("#agent-status")).ToHaveAttributeAsync("data-status", "notReady");
        await Assertions.Expect(desktop.Locator("#connection-status")).ToHaveAttributeAsync("data-state", "connected");
        await desktop.ClickAsync("#btn-ready");
        await Assertions.Expect(desktop.Locator("#agent-status")).ToHaveAttributeAsync("data-status", "ready");

        // The supervisor sees it live.
        await Assertions.Expect(wallboard.Locator($".agent-card[data-agent-id='{agentId}']")).ToHaveAttributeAsync("data-status", "ready");

        // A PBX reports a call; the agent's desktop rings with the customer popup.
        var reported = await admin.PostAsJsonAsync("api/v1/calls/inbound", new { from = caller, to = number, callerName = "JANE DOE" });
        Assert.Equal(HttpStatusCode.Created, reported.StatusCode);
        var callId = (await HostFixture.JsonAsync(reported)).GetProperty("id").GetString()!;
        await Assertions.Expect(desktop.Locator("#call-panel")).ToHaveAttributeAsync("data-state", "offered");
        await Assertions.Expect(desktop.Locator("#customer-popup")).ToBeVisibleAsync();
        await Assertions.Expect(desktop.Locator("#customer-name")).ToHaveTextAsync("Jane Doe");
        await Assertions.Expect(desktop.Locator("#customer-company")).ToHaveTextAsync("Contoso Ltd");
        await Assertions.Expect(desktop.Locator("#call-number")).ToHaveTextAsync(caller);
        await Assertions.Expect(wallboard.Locator($".agent-card[data-agent-id='{agentId}']")).ToHaveAttributeAsync("data-status", "reserved");

        await desktop.ClickAsync("#btn-answer");
        await Assertions.Expect(desktop.Locator("#call-panel")).ToHaveAttributeAsync("data-state", "connected");
        await Assertions.Expect(desktop.Locator("#agent-status")).ToHaveAttributeAsync("data-status", "onCall");
        await Assertions.Expect(wallboard.Locator($".agent-card[data-agent-id='{agentId}']")).ToHaveAttributeAsync("data-status", "onCall");
        await Assertions.Expect(wallboard.Locator($"#calls-body tr[data-call-id='{callId}']")).ToBeVisibleAsync();
        await desktop.FillAsync("#dial-input", "+4930123456");
        await desktop.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "agent-desktop.png"), FullPage = true });
        await wallboard.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "wallboard-desktop.png"), FullPage = true });

        await desktop.ClickAsync("#btn-hold");
        await Assertions.Expect(desktop.Locator("#call-panel")).ToHaveAttributeAsync("data-state", "held");
        await Assertions.Expect(desktop.Locator("#btn-hold")).ToHaveTextAsync("Resume");
        await desktop.SetViewportSizeAsync(390, 844);
        await desktop.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "agent-phone.png"), FullPage = true });
        await wallboard.SetViewportSizeAsync(390, 844);
        await wallboard.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "wallboard-phone.png"), FullPage = true });
        await desktop.SetViewportSizeAsync(1440, 900);
        await desktop.ClickAsync("#btn-hold");
        await Assertions.Expect(desktop.Locator("#call-panel")).ToHaveAttributeAsync("data-state", "connected");

        await desktop.ClickAsync("#btn-hangup");
        try
        {
            await Assertions.Expect(desktop.Locator("#call-panel")).ToHaveAttributeAsync("data-state", "idle");
        }
        catch (PlaywrightException ex)
        {
            var toasts = await desktop.Locator("#toasts").AllInnerTextsAsync();
            var call = await HostFixture.JsonAsync(await admin.GetAsync($"api/v1/calls/{callId}"));
            throw new InvalidOperationException($"panel not idle; toasts: {string.Join(" | ", toasts)}; call: {call}; console: {string.Join(" | ", consoleErrors)}", ex);
        }
        await Assertions.Expect(desktop.Locator($"#history-list li[data-call-id='{callId}']")).ToBeVisibleAsync();
        await Assertions.Expect(desktop.Locator($"#history-list li[data-call-id='{callId}']")).ToContainTextAsync("Jane Doe");
        await Assertions.Expect(wallboard.Locator($"#calls-body tr[data-call-id='{callId}']")).ToHaveCountAsync(0);

        // Not Ready with a reason, seen live by the supervisor; then sign out.
        await desktop.SelectOptionAsync("#reason-select", "lunch");
        await desktop.ClickAsync("#btn-not-ready");
        await Assertions.Expect(desktop.Locator("#agent-reason")).ToHaveTextAsync("lunch");
        await Assertions.Expect(wallboard.Locator($".agent-card[data-agent-id='{agentId}']")).ToHaveAttributeAsync("data-status", "notReady");
        await desktop.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "agent-desktop-history.png"), FullPage = true });

        // Only the refresh token is kept in storage.
        var stored = await desktop.EvaluateAsync<string[]>("() => Object.keys(localStorage)");
        Assert.DoesNotContain(stored, k => k.Contains("access", StringComparison.OrdinalIgnoreCase));
        await desktop.ClickAsync("#logout-button");
        await Assertions.Expect(desktop).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/index\\.html$"));
        Assert.True(consoleErrors.Count == 0, string.Join(Environment.NewLine, consoleErrors));
    }

    [Fact]
    public async Task Login_page_rejects_a_wrong_password()
    {
        Assert.True(File.Exists(ChromiumPath), $"Browser tests need Chromium at {ChromiumPath}.");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath, Headless = true, Args = ChromiumArgs,
        });
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(10_000);
        await SignInAsync(page, "admin", "definitely-wrong");
        await Assertions.Expect(page.Locator("#login-error")).ToHaveTextAsync("Wrong username or password.");
        var screenshots = Path.Combine(AcdHost.RepoRoot, "artifacts", "screenshots");
        Directory.CreateDirectory(screenshots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "login.png") });
    }

    private static async Task WaitForPageAsync(IPage page, string name)
    {
        try
        {
            await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/{System.Text.RegularExpressions.Regex.Escape(name)}$"));
            await Assertions.Expect(page.Locator("body.ready")).ToHaveCountAsync(1);
        }
        catch (PlaywrightException ex)
        {
            var error = await page.Locator("#login-error").AllInnerTextsAsync();
            throw new InvalidOperationException($"did not reach {name}; at {page.Url}; login error: {string.Join(" ", error)}", ex);
        }
    }

    private async Task SignInAsync(IPage page, string username, string password)
    {
        await page.GotoAsync(new Uri(Host.BaseAddress, "index.html").ToString());
        await page.FillAsync("#username", username);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#login-button");
    }
}

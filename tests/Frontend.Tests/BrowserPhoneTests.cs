using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Acd.Frontend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Acd.Frontend.Tests;

/// <summary>A frontend with the SIP edge: SIP over WebSocket at /sip, anonymous web callers allowed to dial queue numbers.</summary>
public sealed class SipHostFixture : IAsyncLifetime
{
    public AcdHost Host { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Host = await AcdHost.StartAsync(new Dictionary<string, string?>
        {
            ["Sip:AllowWebCallers"] = "true",
            ["WebRtc:IceServers:0:Urls:0"] = StunUrl,
            ["WebRtc:Turn:Urls:0"] = TurnUrl,
            ["WebRtc:Turn:SharedSecret"] = TurnSecret,
            ["WebRtc:Turn:CredentialLifetimeSeconds"] = "3600",
        }, sipEdge: true);

    public const string StunUrl = "stun:127.0.0.1:3478";
    public const string TurnUrl = "turn:127.0.0.1:3478?transport=udp";
    public const string TurnSecret = "coturn-static-auth-secret";

    public Task DisposeAsync() => Host.DisposeAsync().AsTask();
}

/// <summary>
/// Browser to browser through the ACD in real headless Chromium with fake media devices: the agent desktop's JsSIP phone
/// registers over /sip, the click-to-call page calls the queue, the agent answers in the desktop and both browsers
/// receive each other's audio (WebRTC getStats), then the agent hangs up.
/// </summary>
public sealed class BrowserPhoneTests(SipHostFixture fixture) : IClassFixture<SipHostFixture>
{
    private const string AgentPassword = "agent-pass-1";

    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
        // WebRTC without devices or a network: fake microphone, no permission prompt, ICE over loopback allowed.
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection",
    ];

    private AcdHost Host => fixture.Host;

    [Fact]
    public async Task Caller_page_talks_to_the_agent_desktop_through_the_acd()
    {
        Assert.True(File.Exists(BrowserTests.ChromiumPath),
            $"Browser tests need Chromium at {BrowserTests.ChromiumPath} (Debian package 'chromium'; scripts/install-test-deps.sh installs it).");
        var started = Stopwatch.StartNew();
        using var admin = await Host.AdminAsync();
        var (queueId, number) = await CreateQueueAsync(admin);
        var agentId = await CreateAgentAsync(admin, queueId);
        var screenshots = Path.Combine(AcdHost.RepoRoot, "artifacts", "screenshots");
        Directory.CreateDirectory(screenshots);

        // The agent's own softphone settings: SIP mode with an HA1 for the edge's realm, never the SIP password itself;
        // the configured STUN server, and the TURN server with credentials minted for this agent (coturn's shared-secret
        // scheme: "expiry:user", base64 HMAC-SHA1 of it), valid for the configured hour and never the secret itself.
        using (var agentApi = Host.Client((await Host.LoginAsync(agentId, AgentPassword)).AccessToken))
        {
            var settings = await agentApi.GetFromJsonAsync<JsonElement>("api/v1/me/softphone");
            Assert.Equal("sip", settings.GetProperty("mode").GetString());
            Assert.Equal($"sip:{agentId}@127.0.0.1", settings.GetProperty("uri").GetString());
            Assert.Equal(32, settings.GetProperty("ha1").GetString()!.Length);
            Assert.DoesNotContain("sip-secret", settings.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(SipHostFixture.TurnSecret, settings.ToString(), StringComparison.Ordinal);
            var ice = settings.GetProperty("iceServers").EnumerateArray().ToList();
            Assert.Equal(2, ice.Count);
            Assert.Equal(SipHostFixture.StunUrl, ice[0].GetProperty("urls")[0].GetString());
            Assert.Equal(SipHostFixture.TurnUrl, ice[1].GetProperty("urls")[0].GetString());
            var username = ice[1].GetProperty("username").GetString()!;
            var expiry = DateTimeOffset.FromUnixTimeSeconds(long.Parse(username.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(agentId, username.Split(':')[1]);
            Assert.InRange(expiry - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(55), TimeSpan.FromMinutes(61));
            var expected = Convert.ToBase64String(System.Security.Cryptography.HMACSHA1.HashData(
                System.Text.Encoding.UTF8.GetBytes(SipHostFixture.TurnSecret), System.Text.Encoding.UTF8.GetBytes(username)));
            Assert.Equal(expected, ice[1].GetProperty("credential").GetString());
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserTests.ChromiumPath, Headless = true, Args = ChromiumArgs, Timeout = 30_000,
        });
        var errors = new List<string>();

        // The agent signs in: the desktop's phone registers over /sip, then the agent goes Ready.
        var agentContext = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        if (Environment.GetEnvironmentVariable("ACD_JSSIP_DEBUG") == "1")
        {
            await agentContext.AddInitScriptAsync("localStorage.debug = 'JsSIP:*'");
        }

        var desktop = await agentContext.NewPageAsync();
        desktop.SetDefaultTimeout(15_000);
        Collect(desktop, "desktop", errors);
        await desktop.GotoAsync(new Uri(Host.BaseAddress, "index.html").ToString());
        await desktop.FillAsync("#username", agentId);
        await desktop.FillAsync("#password", AgentPassword);
        await desktop.ClickAsync("#login-button");
        await Assertions.Expect(desktop.Locator("body.ready")).ToHaveCountAsync(1);
        await Assertions.Expect(desktop.Locator("#phone-status")).ToHaveAttributeAsync("data-kind", "sip");
        try
        {
            await Assertions.Expect(desktop.Locator("#phone-status")).ToHaveAttributeAsync("data-state", "registered");
        }
        catch (PlaywrightException ex)
        {
            throw new InvalidOperationException($"the desktop's phone did not register: {await desktop.Locator("#phone-status").GetAttributeAsync("title")}; "
                + string.Join(" | ", errors), ex);
        }

        await Eventually(async () => (await AgentAsync(admin, agentId)).GetProperty("phoneRegistered").GetBoolean(), "the agent's phone binding");
        await desktop.ClickAsync("#btn-ready");
        await Assertions.Expect(desktop.Locator("#agent-status")).ToHaveAttributeAsync("data-status", "ready");
        await desktop.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "agent-desktop-sip-phone.png"), FullPage = true });

        // A customer calls the queue from the click-to-call page.
        var callerContext = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 480, Height = 800 } });
        var caller = await callerContext.NewPageAsync();
        caller.SetDefaultTimeout(15_000);
        Collect(caller, "caller", errors);
        await caller.GotoAsync(new Uri(Host.BaseAddress, $"caller.html?number={Uri.EscapeDataString(number)}&name=Web%20Caller&from=%2B4930555000").ToString());
        await Assertions.Expect(caller.Locator("#call-state")).ToHaveAttributeAsync("data-state", "idle");
        await caller.ClickAsync("#btn-call");

        // The desktop rings with the ACD's offer; the agent answers there (the phone's 200 OK answers the call).
        await Assertions.Expect(desktop.Locator("#call-panel")).ToHaveAttributeAsync("data-state", "offered");
        await Assertions.Expect(desktop.Locator("#call-number")).ToHaveTextAsync("+4930555000");
        await Assertions.Expect(desktop.Locator("#phone-call")).ToHaveAttributeAsync("data-state", "ringing");
        await Assertions.Expect(caller.Locator("#call-state")).ToHaveAttributeAsync("data-state", "ringing");
        await desktop.ClickAsync("#btn-answer");
        await Assertions.Expect(desktop.Locator("#call-panel")).ToHaveAttributeAsync("data-state", "connected");
        await Assertions.Expect(desktop.Locator("#phone-call")).ToHaveAttributeAsync("data-state", "established");
        await Assertions.Expect(caller.Locator("#call-state")).ToHaveAttributeAsync("data-state", "established");
        var callId = await desktop.Locator("#phone-call").GetAttributeAsync("data-call-id");
        Assert.False(string.IsNullOrEmpty(callId));

        // Media flows both ways between the two browsers: each one's WebRTC stats count audio packets received.
        await WaitForPacketsAsync(desktop, "#phone-call", "desktop", errors);
        await WaitForPacketsAsync(caller, "#media-stats", "caller", errors);
        await desktop.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "agent-desktop-sip-call.png"), FullPage = true });
        await caller.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "caller-page.png"), FullPage = true });

        // Hold and resume from the desktop: the edge's media engine plays the caller hold music (its page keeps receiving
        // audio and is not re-INVITEd), and both directions come back afterwards.
        await desktop.ClickAsync("#btn-hold");
        await Assertions.Expect(desktop.Locator("#call-panel")).ToHaveAttributeAsync("data-state", "held");
        await WaitForPacketsAsync(caller, "#media-stats", "caller on hold (music)", errors, await PacketsAsync(caller, "#media-stats"));
        await Assertions.Expect(caller.Locator("#call-state")).ToHaveAttributeAsync("data-state", "established");
        await desktop.ClickAsync("#btn-hold");
        await Assertions.Expect(desktop.Locator("#call-panel")).ToHaveAttributeAsync("data-state", "connected");
        await Assertions.Expect(caller.Locator("#call-state")).ToHaveAttributeAsync("data-state", "established");
        await WaitForPacketsAsync(desktop, "#phone-call", "desktop after resume", errors, await PacketsAsync(desktop, "#phone-call"));
        await WaitForPacketsAsync(caller, "#media-stats", "caller after resume", errors, await PacketsAsync(caller, "#media-stats"));

        // A digit from the desktop's dialpad reaches the caller (INFO relayed by the edge).
        await desktop.ClickAsync(".dialpad-key[data-key='5']");
        await Assertions.Expect(caller.Locator("#dtmf-received")).ToHaveTextAsync("5");

        // The agent hangs up in the desktop: the caller's page sees the BYE, the call record says answered.
        await desktop.ClickAsync("#btn-hangup");
        await Assertions.Expect(caller.Locator("#call-state")).ToHaveAttributeAsync("data-state", "ended");
        await Assertions.Expect(desktop.Locator("#call-panel")).ToHaveAttributeAsync("data-state", "idle");
        await Assertions.Expect(desktop.Locator("#phone-call")).ToBeHiddenAsync();
        var call = await admin.GetFromJsonAsync<JsonElement>($"api/v1/calls/{callId}", AcdHost.Json);
        Assert.Equal("ended", call.GetProperty("status").GetString());
        Assert.Equal("answered", call.GetProperty("disposition").GetString());
        Assert.True(call.GetProperty("sipLegs").GetBoolean());
        await Eventually(async () =>
        {
            var page = await admin.GetFromJsonAsync<JsonElement>($"api/v1/calls?agentId={agentId}", AcdHost.Json);
            return page.GetProperty("items").EnumerateArray()
                .Any(r => r.GetProperty("id").GetString() == callId && r.GetProperty("disposition").GetString() == "answered");
        }, "the answered call record");
        // Without credentials a web caller reaches queues only: a feature code (directed pickup) is challenged and fails.
        await caller.FillAsync("#dial-number", "**" + agentId);
        await caller.ClickAsync("#btn-call");
        await Assertions.Expect(caller.Locator("#call-state")).ToHaveAttributeAsync("data-state", "failed");
        await Assertions.Expect(caller.Locator("#call-detail")).ToHaveTextAsync("Authentication Error");

        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
        Console.WriteLine($"browser phone test: {started.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task Two_desktops_talk_on_an_internal_call_the_acd_places_and_their_browser_phones_answer()
    {
        Assert.True(File.Exists(BrowserTests.ChromiumPath), $"Browser tests need Chromium at {BrowserTests.ChromiumPath}.");
        using var admin = await Host.AdminAsync();
        var (queueId, _) = await CreateQueueAsync(admin);
        var callerId = await CreateAgentAsync(admin, queueId);
        var calleeId = await CreateAgentAsync(admin, queueId);
        // An extension no other agent of the shared host has.
        var extension = "7" + Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var callee = Host.Services.GetRequiredService<IGrainFactory>().GetGrain<Acd.Agents.IAgentGrain>(calleeId);
        Assert.True((await callee.ConfigureAsync((await callee.GetAsync()).Profile! with { Extension = extension })).IsSuccess);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserTests.ChromiumPath, Headless = true, Args = ChromiumArgs, Timeout = 30_000,
        });
        var errors = new List<string>();
        var callerDesktop = await PhoneDesktopAsync(browser, admin, callerId, "caller desktop", errors);
        var calleeDesktop = await PhoneDesktopAsync(browser, admin, calleeId, "callee desktop", errors);

        // The caller dials the extension on the dial pad: the ACD rings the caller's browser phone first (with the media
        // engine's WebRTC offer), which answers by itself, then the colleague's, which rings until its agent answers.
        await callerDesktop.FillAsync("#dial-input", extension);
        await callerDesktop.PressAsync("#dial-input", "Enter");
        await Assertions.Expect(calleeDesktop.Locator("#call-panel")).ToHaveAttributeAsync("data-state", "offered");
        await Assertions.Expect(calleeDesktop.Locator("#call-direction")).ToHaveTextAsync("Internal call");
        await Assertions.Expect(calleeDesktop.Locator("#call-caller")).ToHaveTextAsync("Ada Phone");
        await Assertions.Expect(calleeDesktop.Locator("#phone-call")).ToHaveAttributeAsync("data-state", "ringing");
        await Assertions.Expect(callerDesktop.Locator("#call-direction")).ToHaveTextAsync("Internal call · you called");
        await calleeDesktop.ClickAsync("#btn-answer");
        foreach (var (desktop, name) in new[] { (callerDesktop, "caller desktop"), (calleeDesktop, "callee desktop") })
        {
            await Assertions.Expect(desktop.Locator("#call-panel")).ToHaveAttributeAsync("data-state", "connected");
            await Assertions.Expect(desktop.Locator("#phone-call")).ToHaveAttributeAsync("data-state", "established");
            await Assertions.Expect(desktop.Locator("#agent-status")).ToHaveAttributeAsync("data-status", "onCall");
            await WaitForPacketsAsync(desktop, "#phone-call", name, errors);
        }

        var callId = await callerDesktop.Locator("#phone-call").GetAttributeAsync("data-call-id");
        Assert.Equal(callId, await calleeDesktop.Locator("#phone-call").GetAttributeAsync("data-call-id"));

        // The caller hangs up in its desktop: both phones get BYE, both agents are back to Not Ready.
        await callerDesktop.ClickAsync("#btn-hangup");
        foreach (var desktop in new[] { callerDesktop, calleeDesktop })
        {
            await Assertions.Expect(desktop.Locator("#call-panel")).ToHaveAttributeAsync("data-state", "idle");
            await Assertions.Expect(desktop.Locator("#phone-call")).ToBeHiddenAsync();
            await Assertions.Expect(desktop.Locator("#agent-status")).ToHaveAttributeAsync("data-status", "notReady");
        }

        var call = await admin.GetFromJsonAsync<JsonElement>($"api/v1/calls/{callId}", AcdHost.Json);
        Assert.Equal("internal", call.GetProperty("direction").GetString());
        Assert.Equal("answered", call.GetProperty("disposition").GetString());
        Assert.Equal(callerId, call.GetProperty("callerAgentId").GetString());
        Assert.Equal(calleeId, call.GetProperty("agentId").GetString());

        // A browser phone dialling the colleague itself (the click-to-call page, signed in as the calling agent): its own
        // WebRTC offer is answered by the edge's engine, the colleague's browser is offered the engine's, and they talk.
        var phoneContext = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 480, Height = 800 } });
        var callerPhone = await phoneContext.NewPageAsync();
        callerPhone.SetDefaultTimeout(15_000);
        Collect(callerPhone, "caller's own phone", errors);
        await callerPhone.GotoAsync(new Uri(Host.BaseAddress,
            $"caller.html?number={extension}&user={Uri.EscapeDataString(callerId)}&password=sip-secret").ToString());
        await Assertions.Expect(callerPhone.Locator("#call-state")).ToHaveAttributeAsync("data-state", "idle");
        await callerPhone.ClickAsync("#btn-call");
        await Assertions.Expect(calleeDesktop.Locator("#call-panel")).ToHaveAttributeAsync("data-state", "offered");
        await Assertions.Expect(calleeDesktop.Locator("#call-direction")).ToHaveTextAsync("Internal call");
        await Assertions.Expect(calleeDesktop.Locator("#phone-call")).ToHaveAttributeAsync("data-state", "ringing");
        await calleeDesktop.ClickAsync("#btn-answer");
        await Assertions.Expect(callerPhone.Locator("#call-state")).ToHaveAttributeAsync("data-state", "established");
        await Assertions.Expect(calleeDesktop.Locator("#phone-call")).ToHaveAttributeAsync("data-state", "established");
        await WaitForPacketsAsync(calleeDesktop, "#phone-call", "callee desktop (phone-dialled)", errors);
        await WaitForPacketsAsync(callerPhone, "#media-stats", "caller's own phone", errors);
        var dialledId = await calleeDesktop.Locator("#phone-call").GetAttributeAsync("data-call-id");
        await callerPhone.ClickAsync("#btn-hangup");
        await Assertions.Expect(calleeDesktop.Locator("#call-panel")).ToHaveAttributeAsync("data-state", "idle");
        var dialled = await admin.GetFromJsonAsync<JsonElement>($"api/v1/calls/{dialledId}", AcdHost.Json);
        Assert.Equal("internal", dialled.GetProperty("direction").GetString());
        Assert.Equal("answered", dialled.GetProperty("disposition").GetString());
        Assert.Equal(callerId, dialled.GetProperty("callerAgentId").GetString());
        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
    }

    /// <summary>An agent signed in to its desktop, whose browser phone has registered.</summary>
    private async Task<IPage> PhoneDesktopAsync(IBrowser browser, HttpClient admin, string agentId, string name, List<string> errors)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        Collect(page, name, errors);
        await page.GotoAsync(new Uri(Host.BaseAddress, "index.html").ToString());
        await page.FillAsync("#username", agentId);
        await page.FillAsync("#password", AgentPassword);
        await page.ClickAsync("#login-button");
        await Assertions.Expect(page.Locator("body.ready")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#phone-status")).ToHaveAttributeAsync("data-state", "registered");
        await Eventually(async () => (await AgentAsync(admin, agentId)).GetProperty("phoneRegistered").GetBoolean(), $"{name}'s phone binding");
        return page;
    }

    private static void Collect(IPage page, string name, List<string> errors)
    {
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add($"{name}: {message.Text}");
            }
        };
        page.PageError += (_, error) => errors.Add($"{name}: {error}");
        page.Console += (_, message) =>
        {
            if (message.Type == "warning" || Environment.GetEnvironmentVariable("ACD_JSSIP_DEBUG") == "1")
            {
                Console.WriteLine($"{name} console: {message.Text}");
            }
        };
    }

    private static async Task<long> PacketsAsync(IPage page, string selector) =>
        long.Parse(await page.Locator(selector).GetAttributeAsync("data-packets-received") ?? "0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Waits until the page's WebRTC stats (rendered every second) count more audio packets received than <paramref name="above"/>.</summary>
    private static async Task WaitForPacketsAsync(IPage page, string selector, string name, List<string> errors, long above = 0)
    {
        try
        {
            await page.WaitForFunctionAsync($"() => Number(document.querySelector('{selector}')?.dataset.packetsReceived ?? 0) > {above}",
                null, new PageWaitForFunctionOptions { Timeout = 20_000, PollingInterval = 200 });
        }
        catch (TimeoutException ex)
        {
            var text = await page.Locator(selector).TextContentAsync();
            throw new InvalidOperationException($"{name}: no audio packets received ({text}); console errors: {string.Join(" | ", errors)}", ex);
        }
    }

    private static async Task<JsonElement> AgentAsync(HttpClient admin, string agentId) =>
        await admin.GetFromJsonAsync<JsonElement>($"api/v1/agents/{agentId}", AcdHost.Json);

    private static async Task<(string QueueId, string Number)> CreateQueueAsync(HttpClient admin)
    {
        var id = HostFixture.NewId("q");
        var number = HostFixture.NewNumber();
        var response = await admin.PostAsJsonAsync("api/v1/queues", new
        {
            id, name = $"Web {id}", numbers = new[] { number }, strategy = "longestIdle", slaSeconds = 20, wrapUpSeconds = 0, ringTimeoutSeconds = 60,
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (id, number);
    }

    private static async Task<string> CreateAgentAsync(HttpClient admin, string queueId)
    {
        var id = HostFixture.NewId("agent");
        var response = await admin.PostAsJsonAsync("api/v1/agents", new
        {
            id, name = "Ada Phone", password = AgentPassword, extension = "1" + Random.Shared.Next(100, 999), sipPassword = "sip-secret",
            skills = new Dictionary<string, int> { ["english"] = 5 }, queues = new[] { queueId }, roles = new[] { "agent" },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return id;
    }

    private static async Task Eventually(Func<Task<bool>> condition, string what, int timeoutSeconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what}.");
            }

            await Task.Delay(100);
        }
    }
}

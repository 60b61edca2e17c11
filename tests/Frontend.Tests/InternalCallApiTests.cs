using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Acd.Agents;
using Acd.Calls;
using Acd.Frontend.Apis;
using Acd.Frontend.Hubs;
using Acd.Frontend.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Acd.Frontend.Tests;

/// <summary>A frontend with the SIP edge on a UDP port, so phones registered on agents are reachable.</summary>
public sealed class SipUdpHostFixture : IAsyncLifetime
{
    public AcdHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        int port;
        using (var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        {
            port = ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
        }

        // Desktops in CTI mode: the agents' phones are the tests' UDP sockets, not the browsers.
        Host = await AcdHost.StartAsync(new Dictionary<string, string?>
        {
            ["Sip:UdpPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Frontend:SoftPhone"] = "cti",
        }, sipEdge: true);
    }

    public Task DisposeAsync() => Host.DisposeAsync().AsTask();
}

/// <summary>
/// POST /api/v1/calls (and the desktop's dial pad) to a colleague's extension: an internal call through the SIP edge, the
/// caller's phone rung first; refused with a 409 problem when the caller has no phone. The colleague's desktop is offered
/// the call with the caller's name. The "phones" are UDP sockets registered on the agents.
/// </summary>
public sealed class InternalCallApiTests(SipUdpHostFixture fixture) : IClassFixture<SipUdpHostFixture>
{
    private const string Password = "agent-pass-1";

    private AcdHost Host => fixture.Host;

    private IAgentGrain Agent(string id) => Host.Services.GetRequiredService<IGrainFactory>().GetGrain<IAgentGrain>(id);

    private async Task<(string Id, string Extension)> CreateAgentAsync(HttpClient admin)
    {
        var id = HostFixture.NewId("agent");
        var extension = "7" + Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var created = await admin.PostAsJsonAsync("api/v1/agents", new
        {
            id, name = $"Agent {id[^4..]}", password = Password, extension, sipPassword = "sip-secret",
            skills = new Dictionary<string, int>(), queues = Array.Empty<string>(), roles = new[] { "agent" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.True((await Agent(id).LoginAsync()).IsSuccess);
        return (id, extension);
    }

    /// <summary>A "phone" for the agent: a UDP socket the edge will send the agent's INVITEs to.</summary>
    private async Task<UdpClient> PhoneAsync(string agentId)
    {
        var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)socket.Client.LocalEndPoint!).Port;
        Assert.True((await Agent(agentId).RegisterDeviceAsync(new DeviceBinding($"sip:{agentId}@127.0.0.1:{port}", "browser-test-edge", "UDP",
            DateTimeOffset.UtcNow.AddHours(1), "test socket", null))).IsSuccess);
        return socket;
    }

    [Fact]
    public async Task Dialling_a_colleagues_extension_places_an_internal_call_that_rings_the_callers_phone_first()
    {
        using var admin = await Host.AdminAsync();
        var (caller, _) = await CreateAgentAsync(admin);
        var (callee, extension) = await CreateAgentAsync(admin);
        Assert.True((await Agent(callee).SetReadyAsync()).IsSuccess);
        using var callerPhone = await PhoneAsync(caller);
        using var calleePhone = await PhoneAsync(callee);
        using var callerApi = Host.Client((await Host.LoginAsync(caller, Password)).AccessToken);
        using var calleeApi = Host.Client((await Host.LoginAsync(callee, Password)).AccessToken);

        var dialled = await callerApi.PostAsJsonAsync("api/v1/calls", new { destination = extension });
        Assert.Equal(HttpStatusCode.Created, dialled.StatusCode);
        var call = await HostFixture.JsonAsync(dialled);
        var callId = call.GetProperty("id").GetString()!;
        Assert.Equal("internal", call.GetProperty("direction").GetString());
        Assert.Equal("offered", call.GetProperty("status").GetString());
        Assert.Equal(callee, call.GetProperty("agentId").GetString());
        Assert.Equal(caller, call.GetProperty("callerAgentId").GetString());
        Assert.Equal(caller, call.GetProperty("from").GetString());
        Assert.Equal(extension, call.GetProperty("to").GetString());
        Assert.True(call.GetProperty("sipLegs").GetBoolean());

        // The caller's own phone rings first (the colleague's once it answers), named by the ACD call id.
        var invite = Encoding.UTF8.GetString((await callerPhone.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(10))).Buffer);
        Assert.StartsWith("INVITE sip:", invite, StringComparison.Ordinal);
        Assert.Contains(callId, invite, StringComparison.Ordinal);
        Assert.Equal(0, calleePhone.Available);
        foreach (var agent in new[] { caller, callee })
        {
            Assert.Equal(AgentStatus.Reserved, (await Agent(agent).GetAsync()).Status);
        }

        // Both see the call; only the colleague may answer it, and the caller hangs up.
        Assert.Equal(HttpStatusCode.OK, (await calleeApi.GetAsync($"api/v1/calls/{callId}")).StatusCode);
        await Problems.AssertAsync(await callerApi.PostAsync($"api/v1/calls/{callId}/answer", null), HttpStatusCode.Conflict);
        var ended = await HostFixture.JsonAsync(await callerApi.PostAsync($"api/v1/calls/{callId}/hangup", null));
        Assert.Equal("ended", ended.GetProperty("status").GetString());
        Assert.Equal("notAnswered", ended.GetProperty("disposition").GetString());
        Assert.Equal(AgentStatus.NotReady, (await Agent(caller).GetAsync()).Status);
        Assert.Equal(AgentStatus.Ready, (await Agent(callee).GetAsync()).Status);
    }

    [Fact]
    public async Task The_dial_pad_calls_a_colleague_whose_desktop_is_offered_the_call_with_the_callers_name()
    {
        using var admin = await Host.AdminAsync();
        var (caller, _) = await CreateAgentAsync(admin);
        var (callee, extension) = await CreateAgentAsync(admin);
        using var callerPhone = await PhoneAsync(caller);
        using var calleePhone = await PhoneAsync(callee);
        var relay = Host.Services.GetRequiredService<EventRelay>();
        var subscriptions = relay.SubscriptionCount;
        var callerHub = await ConnectAsync(caller);
        var calleeHub = await ConnectAsync(callee);
        var callerName = (await Agent(caller).GetAsync()).Profile!.Name;

        var dialled = await callerHub.Connection.InvokeAsync<CommandResult>("Dial", extension);
        Assert.True(dialled.Ok, dialled.Message);
        var callId = dialled.Message!;

        var offered = await NextAsync(calleeHub.Offers, c => c.Id == callId);
        Assert.Equal(CallDirection.Internal, offered.Direction);
        Assert.Equal(callerName, offered.CallerName);
        Assert.Equal(caller, offered.CallerAgentId);
        Assert.Null(offered.Customer);
        var ringing = await NextAsync(callerHub.States, c => c.Id == callId && c.Status == CallStatus.Offered);
        Assert.Equal(callee, ringing.AgentId);

        Assert.True((await callerHub.Connection.InvokeAsync<CommandResult>("Hangup", callId)).Ok);
        await NextAsync(callerHub.States, c => c.Id == callId && c.Status == CallStatus.Ended);
        await NextAsync(calleeHub.States, c => c.Id == callId && c.Status == CallStatus.Ended);
        // The caller's desktop followed the call but was never offered it (its own call, ringing elsewhere).
        Assert.False(callerHub.Offers.Reader.TryRead(out _));

        // Both desktops watched the call: once they are gone, so is every subscription they made (none kept for the call).
        await callerHub.DisposeAsync();
        await calleeHub.DisposeAsync();
        await CallsApiTests.PollAsync(async () =>
        {
            await Task.CompletedTask;
            return relay.SubscriptionCount == subscriptions ? default(System.Text.Json.JsonElement) : null;
        });
    }

    [Fact]
    public async Task Desktops_show_the_internal_call_as_the_colleague_who_called_and_as_the_colleague_dialled()
    {
        Assert.True(File.Exists(BrowserTests.ChromiumPath), $"Browser tests need Chromium at {BrowserTests.ChromiumPath}.");
        using var admin = await Host.AdminAsync();
        var (caller, _) = await CreateAgentAsync(admin);
        var (callee, extension) = await CreateAgentAsync(admin);
        using var callerPhone = await PhoneAsync(caller);
        using var calleePhone = await PhoneAsync(callee);
        var callerName = (await Agent(caller).GetAsync()).Profile!.Name;
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserTests.ChromiumPath, Headless = true, Timeout = 30_000,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-dev-shm-usage"],
        });
        var callerDesktop = await DesktopAsync(browser, caller);
        var calleeDesktop = await DesktopAsync(browser, callee);

        // The caller dials the extension on the dial pad.
        await callerDesktop.FillAsync("#dial-input", extension);
        await callerDesktop.PressAsync("#dial-input", "Enter");

        await Assertions.Expect(calleeDesktop.Locator("#call-panel")).ToHaveAttributeAsync("data-state", "offered");
        await Assertions.Expect(calleeDesktop.Locator("#call-direction")).ToHaveTextAsync("Internal call");
        await Assertions.Expect(calleeDesktop.Locator("#call-caller")).ToHaveTextAsync(callerName);
        await Assertions.Expect(calleeDesktop.Locator("#call-number")).ToHaveTextAsync(caller);
        await Assertions.Expect(calleeDesktop.Locator("#customer-popup")).ToBeHiddenAsync();
        await Assertions.Expect(calleeDesktop.Locator("#btn-answer")).ToBeVisibleAsync();
        await Assertions.Expect(callerDesktop.Locator("#call-direction")).ToHaveTextAsync("Internal call · you called");
        await Assertions.Expect(callerDesktop.Locator("#call-caller")).ToHaveTextAsync(extension);
        await Assertions.Expect(callerDesktop.Locator("#btn-answer")).ToBeHiddenAsync();
        var screenshots = Path.Combine(AcdHost.RepoRoot, "artifacts", "screenshots");
        Directory.CreateDirectory(screenshots);
        await calleeDesktop.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "agent-desktop-internal-call.png"), FullPage = true });

        // The caller gives up: both desktops go idle and list the call.
        await callerDesktop.ClickAsync("#btn-hangup");
        foreach (var desktop in new[] { callerDesktop, calleeDesktop })
        {
            await Assertions.Expect(desktop.Locator("#call-panel")).ToHaveAttributeAsync("data-state", "idle");
            await Assertions.Expect(desktop.Locator("#history-list .dir-internal")).ToHaveCountAsync(1);
            await Assertions.Expect(desktop.Locator("#agent-status")).ToHaveAttributeAsync("data-status", "notReady");
        }

        await Assertions.Expect(callerDesktop.Locator("#history-list li")).ToContainTextAsync(extension);
        await Assertions.Expect(calleeDesktop.Locator("#history-list li")).ToContainTextAsync(callerName);
    }

    private async Task<IPage> DesktopAsync(IBrowser browser, string agentId)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(10_000);
        await page.GotoAsync(new Uri(Host.BaseAddress, "index.html").ToString());
        await page.FillAsync("#username", agentId);
        await page.FillAsync("#password", Password);
        await page.ClickAsync("#login-button");
        await Assertions.Expect(page.Locator("body.ready")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#agent-status")).ToHaveAttributeAsync("data-status", "notReady");
        await Assertions.Expect(page.Locator("#phone-status")).ToHaveAttributeAsync("data-kind", "cti");
        return page;
    }

    [Fact]
    public async Task A_caller_without_a_phone_gets_a_409_problem_saying_so()
    {
        using var admin = await Host.AdminAsync();
        var (caller, _) = await CreateAgentAsync(admin);
        var (callee, extension) = await CreateAgentAsync(admin);
        using var calleePhone = await PhoneAsync(callee);
        using var callerApi = Host.Client((await Host.LoginAsync(caller, Password)).AccessToken);

        var problem = await Problems.AssertAsync(await callerApi.PostAsJsonAsync("api/v1/calls", new { destination = extension }), HttpStatusCode.Conflict);

        Assert.Contains("needs a registered phone", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(AgentStatus.NotReady, (await Agent(caller).GetAsync()).Status);
        Assert.Equal(AgentStatus.NotReady, (await Agent(callee).GetAsync()).Status);
        // An agent id dials the colleague too; a name that is neither an agent nor a number is not found.
        await Problems.AssertAsync(await callerApi.PostAsJsonAsync("api/v1/calls", new { destination = callee }), HttpStatusCode.Conflict);
        await Problems.AssertAsync(await callerApi.PostAsJsonAsync("api/v1/calls", new { destination = "no-such-agent" }), HttpStatusCode.NotFound);
    }

    private sealed record Desktop(HubConnection Connection, Channel<CallView> Offers, Channel<CallView> States) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Connection.DisposeAsync();
    }

    private async Task<Desktop> ConnectAsync(string agentId)
    {
        var token = (await Host.LoginAsync(agentId, Password)).AccessToken;
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(Host.BaseAddress, "hubs/agent"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .AddJsonProtocol(o => Acd.Frontend.Hosting.FrontendExtensions.Configure(o.PayloadSerializerOptions))
            .Build();
        var desktop = new Desktop(connection, Channel.CreateUnbounded<CallView>(), Channel.CreateUnbounded<CallView>());
        connection.On<CallView>("CallOffered", c => desktop.Offers.Writer.TryWrite(c));
        connection.On<CallView>("CallState", c => desktop.States.Writer.TryWrite(c));
        await connection.StartAsync();
        return desktop;
    }

    private static async Task<T> NextAsync<T>(Channel<T> channel, Func<T, bool> match)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var item = await channel.Reader.ReadAsync(timeout.Token);
            if (match(item))
            {
                return item;
            }
        }
    }
}

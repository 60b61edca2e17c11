using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Acd.Agents;
using Acd.Frontend.Hosting;
using Acd.Frontend.Hubs;
using Acd.Frontend.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Acd.Frontend.Tests;

/// <summary>
/// A SignalR connection belongs to the user who negotiated it: another signed-in user holding its connection token
/// (the id in the hub URL) can neither read its traffic nor invoke hub methods on it, on any transport.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class HubOwnershipTests(HostFixture fixture)
{
    private const char RecordSeparator = '\u001e';

    private AcdHost Host => fixture.Host;

    public static TheoryData<HttpTransportType> Transports =>
        [HttpTransportType.WebSockets, HttpTransportType.ServerSentEvents, HttpTransportType.LongPolling];

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Another_user_with_the_connection_id_is_refused_and_reads_nothing(HttpTransportType transport)
    {
        using var admin = await Host.AdminAsync();
        var (queueId, _) = await fixture.CreateQueueAsync(admin);
        var victim = await fixture.CreateAgentAsync(admin, queueId);
        var intruder = await fixture.CreateAgentAsync(admin, queueId);
        var victimToken = (await Host.LoginAsync(victim, "agent-pass-1")).AccessToken;
        var intruderToken = (await Host.LoginAsync(intruder, "agent-pass-1")).AccessToken;
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"api/v1/agents/{victim}/login", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"api/v1/agents/{victim}/ready", null)).StatusCode);

        var capture = new NegotiateCapture();
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(Host.BaseAddress, "hubs/agent"), transport, o =>
            {
                o.AccessTokenProvider = () => Task.FromResult<string?>(victimToken);
                o.HttpMessageHandlerFactory = inner => capture.Wrap(inner);
            })
            .AddJsonProtocol(o => FrontendExtensions.Configure(o.PayloadSerializerOptions))
            .Build();
        await hub.StartAsync();
        Assert.Equal(AgentStatus.Ready, (await hub.InvokeAsync<AgentDesktopSnapshot>("GetSnapshot")).Agent.Status);
        var id = await capture.Token.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var url = $"hubs/agent?id={Uri.EscapeDataString(id)}";

        using var intruderHttp = Host.Client(intruderToken);
        var invocation = $$"""{"type":1,"invocationId":"99","target":"NotReady","arguments":["break"]}""" + RecordSeparator;
        var attempts = new List<(string What, HttpResponseMessage Response)>
        {
            ("invoke (POST)", await intruderHttp.PostAsync(url, new StringContent(invocation, Encoding.UTF8, "text/plain"))),
            ("poll (GET)", await intruderHttp.GetAsync(url)),
            ("close (DELETE)", await intruderHttp.DeleteAsync(url)),
        };
        using (var sse = new HttpRequestMessage(HttpMethod.Get, url))
        {
            sse.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            attempts.Add(("event stream (GET)", await intruderHttp.SendAsync(sse, HttpCompletionOption.ResponseHeadersRead)));
        }

        foreach (var (what, response) in attempts)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{transport} {what}: {(int)response.StatusCode} {body}");
            Assert.DoesNotContain(victim, body, StringComparison.Ordinal);
            response.Dispose();
        }

        // A WebSocket onto the connection, raw and through the SignalR client (WebSockets may skip negotiation).
        using (var socket = new ClientWebSocket())
        {
            socket.Options.CollectHttpResponseDetails = true;
            var ws = new UriBuilder(new Uri(Host.BaseAddress, url)) { Scheme = "ws" };
            ws.Query = $"id={Uri.EscapeDataString(id)}&access_token={intruderToken}";
            await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(ws.Uri, CancellationToken.None));
            Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
        }

        await using (var hijack = new HubConnectionBuilder()
            .WithUrl(new Uri(Host.BaseAddress, url), HttpTransportType.WebSockets, o =>
            {
                o.SkipNegotiation = true;
                o.AccessTokenProvider = () => Task.FromResult<string?>(intruderToken);
            })
            .Build())
        {
            await Assert.ThrowsAnyAsync<Exception>(() => hijack.StartAsync());
        }

        // The injected Not Ready never ran (invocations of one connection run in order), and the owner is still served.
        var after = await hub.InvokeAsync<AgentDesktopSnapshot>("GetSnapshot");
        Assert.Equal(victim, after.Agent.Id);
        Assert.Equal(AgentStatus.Ready, after.Agent.Status);
        Assert.Equal(HubConnectionState.Connected, hub.State);

        // The owner's own requests on the connection pass the check (a WebSocket connection refuses POSTs itself: 405).
        using var ownerHttp = Host.Client(victimToken);
        var ping = await ownerHttp.PostAsync(url, new StringContent("""{"type":6}""" + RecordSeparator, Encoding.UTF8, "text/plain"));
        Assert.Equal(transport == HttpTransportType.WebSockets ? HttpStatusCode.MethodNotAllowed : HttpStatusCode.OK, ping.StatusCode);
    }

    [Fact]
    public async Task Null_or_empty_ids_get_a_clear_hub_error()
    {
        using var admin = await Host.AdminAsync();
        var (queueId, _) = await fixture.CreateQueueAsync(admin);
        var agentId = await fixture.CreateAgentAsync(admin, queueId);
        var agentToken = (await Host.LoginAsync(agentId, "agent-pass-1")).AccessToken;
        var adminToken = (await Host.LoginAsync("admin", AcdHost.AdminPassword)).AccessToken;
        await using var agent = Connect("hubs/agent", agentToken);
        await agent.StartAsync();
        await using var supervisor = Connect("hubs/supervisor", adminToken);
        await supervisor.StartAsync();

        foreach (var method in new[] { "Answer", "Reject", "Hangup", "Hold", "Unhold", "CompleteTransfer", "CancelTransfer" })
        {
            foreach (var id in new string?[] { null, string.Empty, " ", "../x" })
            {
                var error = await Assert.ThrowsAsync<HubException>(() => agent.InvokeAsync<CommandResult>(method, id));
                Assert.Contains("callId is required", error.Message, StringComparison.Ordinal);
            }
        }

        var dtmf = await Assert.ThrowsAsync<HubException>(() => agent.InvokeAsync<CommandResult>("SendDtmf", null, "12"));
        Assert.Contains("callId", dtmf.Message, StringComparison.Ordinal);
        var transfer = await Assert.ThrowsAsync<HubException>(() => agent.InvokeAsync<CommandResult>("Transfer", "", "1000", "blind"));
        Assert.Contains("callId", transfer.Message, StringComparison.Ordinal);
        var badMode = await agent.InvokeAsync<CommandResult>("Transfer", "some-call", "1000", "warm");
        Assert.Equal("InvalidArgument", badMode.Error);
        var logout = await Assert.ThrowsAsync<HubException>(() => supervisor.InvokeAsync<CommandResult>("ForceLogout", (string?)null));
        Assert.Contains("agentId is required", logout.Message, StringComparison.Ordinal);
        var notReady = await Assert.ThrowsAsync<HubException>(() => supervisor.InvokeAsync<CommandResult>("ForceNotReady", "", "break"));
        Assert.Contains("agentId is required", notReady.Message, StringComparison.Ordinal);

        // The connections are still fine after the refusals.
        Assert.Equal(agentId, (await agent.InvokeAsync<AgentDesktopSnapshot>("GetSnapshot")).Agent.Id);
    }

    private HubConnection Connect(string path, string token) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(Host.BaseAddress, path), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .AddJsonProtocol(o => FrontendExtensions.Configure(o.PayloadSerializerOptions))
            .Build();
}

using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Threading.Channels;
using Acd.Frontend.Apis;
using Acd.Frontend.Hubs;
using Acd.Frontend.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Acd.Frontend.Tests;

[Collection(HostCollection.Name)]
public sealed class HubTests(HostFixture fixture)
{
    private AcdHost Host => fixture.Host;

    [Fact]
    public async Task Agent_sees_own_state_change_and_an_offered_call_with_customer()
    {
        using var admin = await Host.AdminAsync();
        var (queueId, number) = await fixture.CreateQueueAsync(admin);
        var agentId = await fixture.CreateAgentAsync(admin, queueId);
        var caller = HostFixture.NewNumber();
        await fixture.CreateCustomerAsync(admin, caller, "Linus T", "Kernel GmbH");
        var token = (await Host.LoginAsync(agentId, "agent-pass-1")).AccessToken;

        await using var hub = Connect("hubs/agent", token);
        var states = Channel.CreateUnbounded<AgentView>();
        var offers = Channel.CreateUnbounded<CallView>();
        hub.On<AgentView>("AgentState", a => states.Writer.TryWrite(a));
        hub.On<CallView>("CallOffered", c => offers.Writer.TryWrite(c));
        await hub.StartAsync();

        var snapshot = await hub.InvokeAsync<AgentDesktopSnapshot>("GetSnapshot");
        Assert.Equal(agentId, snapshot.Agent.Id);
        Assert.Contains(snapshot.Queues, q => q.Id == queueId);

        Assert.True((await hub.InvokeAsync<CommandResult>("Login")).Ok);
        var clock = Stopwatch.StartNew();
        Assert.True((await hub.InvokeAsync<CommandResult>("Ready")).Ok);
        var ready = await NextAsync(states, a => a.Status == Acd.Agents.AgentStatus.Ready);
        Assert.Equal(agentId, ready.Id);
        Assert.True(clock.ElapsedMilliseconds < 1000, $"state change took {clock.ElapsedMilliseconds} ms");

        var refused = await hub.InvokeAsync<CommandResult>("NotReady", "not-a-reason");
        Assert.False(refused.Ok);
        Assert.Equal("InvalidArgument", refused.Error);

        clock.Restart();
        var reported = await admin.PostAsJsonAsync("api/v1/calls/inbound", new { from = caller, to = number });
        Assert.Equal(HttpStatusCode.Created, reported.StatusCode);
        var offered = await NextAsync(offers, _ => true);
        Assert.True(clock.ElapsedMilliseconds < 2000, $"offer took {clock.ElapsedMilliseconds} ms");
        Assert.Equal("Linus T", offered.Customer?.Name);
        Assert.Equal("Kernel GmbH", offered.Customer?.Company);
        Assert.Equal(caller, offered.From);

        Assert.True((await hub.InvokeAsync<CommandResult>("Answer", offered.Id)).Ok);
        await NextAsync(states, a => a.Status == Acd.Agents.AgentStatus.OnCall);
        Assert.True((await hub.InvokeAsync<CommandResult>("Hangup", offered.Id)).Ok);
        await NextAsync(states, a => a.Status is Acd.Agents.AgentStatus.Ready or Acd.Agents.AgentStatus.WrapUp);
    }

    [Fact]
    public async Task Supervisor_sees_agent_changes_and_frontend_keeps_one_subscription_per_grain()
    {
        using var admin = await Host.AdminAsync();
        var (queueId, _) = await fixture.CreateQueueAsync(admin);
        var agentId = await fixture.CreateAgentAsync(admin, queueId);
        var agentToken = (await Host.LoginAsync(agentId, "agent-pass-1")).AccessToken;
        var adminToken = (await Host.LoginAsync("admin", AcdHost.AdminPassword)).AccessToken;

        await using var supervisor = Connect("hubs/supervisor", adminToken);
        var seen = Channel.CreateUnbounded<AgentView>();
        supervisor.On<AgentView>("AgentState", a => seen.Writer.TryWrite(a));
        await supervisor.StartAsync();
        var wallboard = await supervisor.InvokeAsync<WallboardSnapshot>("GetSnapshot");
        Assert.Contains(wallboard.Agents, a => a.Id == agentId);
        Assert.Contains(wallboard.Queues, q => q.Id == queueId);

        var relay = Host.Services.GetRequiredService<EventRelay>();
        await using var first = Connect("hubs/agent", agentToken);
        await first.StartAsync();
        var withOne = relay.SubscriptionCount;
        await using var second = Connect("hubs/agent", agentToken);
        await second.StartAsync();
        // The handshake completes before the hub's OnConnectedAsync (which joins the agent's group) has run; the hub
        // takes invocations only after it, so one round trip makes sure the second desktop is in the group.
        await second.InvokeAsync<AgentDesktopSnapshot>("GetSnapshot");
        Assert.Equal(withOne, relay.SubscriptionCount);

        var agentSeen = Channel.CreateUnbounded<AgentView>();
        second.On<AgentView>("AgentState", a => agentSeen.Writer.TryWrite(a));
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"api/v1/agents/{agentId}/login", null)).StatusCode);
        var change = await NextAsync(seen, a => a.Id == agentId && a.Status == Acd.Agents.AgentStatus.NotReady);
        Assert.Equal("login", change.ReasonCode);
        await NextAsync(agentSeen, a => a.Status == Acd.Agents.AgentStatus.NotReady);

        var forced = await supervisor.InvokeAsync<CommandResult>("ForceLogout", agentId);
        Assert.True(forced.Ok, forced.Message);
        await NextAsync(seen, a => a.Id == agentId && a.Status == Acd.Agents.AgentStatus.LoggedOut);

        // Supervisors only: an agent token cannot open the supervisor hub.
        await using var denied = Connect("hubs/supervisor", agentToken);
        await Assert.ThrowsAnyAsync<Exception>(() => denied.StartAsync());
    }

    [Fact]
    public async Task Queue_state_pushes_are_coalesced_and_the_latest_state_always_arrives()
    {
        using var admin = await Host.AdminAsync();
        var (queueId, number) = await fixture.CreateQueueAsync(admin);
        var adminToken = (await Host.LoginAsync("admin", AcdHost.AdminPassword)).AccessToken;
        await using var supervisor = Connect("hubs/supervisor", adminToken);
        var pushes = Channel.CreateUnbounded<QueueView>();
        supervisor.On<QueueView>("QueueState", q => pushes.Writer.TryWrite(q));
        await supervisor.StartAsync();
        await supervisor.InvokeAsync<WallboardSnapshot>("GetSnapshot"); // in the supervisors' group from here on

        // No agent is Ready, so each reported call waits: one queue change per call, sent back to back.
        const int calls = 8;
        for (var i = 0; i < calls; i++)
        {
            var reported = await admin.PostAsJsonAsync("api/v1/calls/inbound", new { from = HostFixture.NewNumber(), to = number });
            Assert.Equal(HttpStatusCode.Created, reported.StatusCode);
        }

        var last = await NextAsync(pushes, q => q.Id == queueId && q.Stats.Waiting == calls);
        Assert.Equal(calls, last.WaitingCalls.Count);
        // Nothing older follows the latest state: one more call is the marker, and every push of this queue read on the way
        // to it is the latest state or the marker's.
        var marker = await admin.PostAsJsonAsync("api/v1/calls/inbound", new { from = HostFixture.NewNumber(), to = number });
        Assert.Equal(HttpStatusCode.Created, marker.StatusCode);
        var seen = new List<int>();
        await NextAsync(pushes, q =>
        {
            if (q.Id == queueId)
            {
                seen.Add(q.Stats.Waiting);
            }

            return q.Id == queueId && q.Stats.Waiting == calls + 1;
        });
        Assert.All(seen, waiting => Assert.True(waiting >= calls, $"an older state ({waiting} waiting) came after the latest: {string.Join(", ", seen)}"));
    }

    [Fact]
    public async Task State_changes_reach_the_agent_within_100_ms()
    {
        using var admin = await Host.AdminAsync();
        var (queueId, _) = await fixture.CreateQueueAsync(admin);
        var agentId = await fixture.CreateAgentAsync(admin, queueId);
        var token = (await Host.LoginAsync(agentId, "agent-pass-1")).AccessToken;
        await using var hub = Connect("hubs/agent", token);
        var delays = Channel.CreateUnbounded<(AgentView View, DateTimeOffset ReceivedAt)>();
        hub.On<AgentView>("AgentState", a => delays.Writer.TryWrite((a, DateTimeOffset.UtcNow)));
        await hub.StartAsync();
        Assert.True((await hub.InvokeAsync<CommandResult>("Login")).Ok);
        await NextAsync(delays, d => d.View.Status == Acd.Agents.AgentStatus.NotReady);

        // Driven from outside (REST), measured from the grain's transition time to arrival at the .NET SignalR client.
        var samples = new List<double>();
        for (var i = 0; i < 6; i++)
        {
            var ready = i % 2 == 0;
            var response = ready
                ? await admin.PostAsync($"api/v1/agents/{agentId}/ready", null)
                : await admin.PostAsJsonAsync($"api/v1/agents/{agentId}/not-ready", new { reason = "break" });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var (view, receivedAt) = await NextAsync(delays,
                d => d.View.Status == (ready ? Acd.Agents.AgentStatus.Ready : Acd.Agents.AgentStatus.NotReady));
            samples.Add((receivedAt - view.StateSince).TotalMilliseconds);
        }

        samples.Sort();
        var median = samples[samples.Count / 2];
        Assert.True(median < 100, $"median grain-to-client delay {median:0.0} ms (samples: {string.Join(", ", samples.Select(x => x.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))})");
    }

    [Fact]
    public async Task Relay_renews_subscriptions_and_events_still_arrive_after_the_renewal()
    {
        using var admin = await Host.AdminAsync();
        var (queueId, _) = await fixture.CreateQueueAsync(admin);
        var agentId = await fixture.CreateAgentAsync(admin, queueId);
        var token = (await Host.LoginAsync(agentId, "agent-pass-1")).AccessToken;
        await using var hub = Connect("hubs/agent", token);
        var states = Channel.CreateUnbounded<AgentView>();
        hub.On<AgentView>("AgentState", a => states.Writer.TryWrite(a));
        await hub.StartAsync();
        Assert.True((await hub.InvokeAsync<CommandResult>("Login")).Ok);
        await NextAsync(states, a => a.Status == Acd.Agents.AgentStatus.NotReady);

        var relay = Host.Services.GetRequiredService<EventRelay>();
        var before = relay.SubscriptionCount;
        Assert.True(before > 0, "the connected agent's grain is subscribed");
        await relay.RefreshAsync(CancellationToken.None);
        Assert.Equal(before, relay.SubscriptionCount);

        // The renewed subscription still carries the agent's events.
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"api/v1/agents/{agentId}/ready", null)).StatusCode);
        await NextAsync(states, a => a.Status == Acd.Agents.AgentStatus.Ready);
    }

    private HubConnection Connect(string path, string token) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(Host.BaseAddress, path), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .AddJsonProtocol(o => Acd.Frontend.Hosting.FrontendExtensions.Configure(o.PayloadSerializerOptions))
            .Build();

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

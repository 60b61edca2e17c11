using Acd.Agents;
using Acd.Calls;
using Acd.Queues;
using Acd.Reporting.Queries;
using Acd.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Acd.Silo.Tests;

/// <summary>Drives the real ACD grains through their interfaces in a product host.</summary>
internal static class AcdScenario
{
    public static async Task ConfigureQueueAsync(IGrainFactory grains, string queueId)
    {
        var result = await grains.GetGrain<IQueueGrain>(queueId).ConfigureAsync(QueueConfig.Create($"Queue {queueId}", ringTimeoutSeconds: 60));
        Assert.True(result.IsSuccess, result.ToString());
    }

    public static async Task ReadyAgentAsync(IGrainFactory grains, string agentId, string queueId)
    {
        var agent = grains.GetGrain<IAgentGrain>(agentId);
        var configured = await agent.ConfigureAsync(AgentProfile.Create($"Agent {agentId}", "1" + agentId.Length.ToString(), queues: [queueId]));
        Assert.True(configured.IsSuccess, configured.ToString());
        Assert.True((await agent.LoginAsync()).IsSuccess);
        var ready = await agent.SetReadyAsync();
        Assert.True(ready.IsSuccess, ready.ToString());
    }

    /// <summary>A CTI-style inbound call (no SIP edge, so no registered phone is needed).</summary>
    public static async Task<CallSnapshot> StartCallAsync(IGrainFactory grains, string callId, string queueId)
    {
        var info = new CallInfo("+4930" + callId.Length, "700", "Caller " + callId, CallDirection.Inbound, 0, queueId,
            CustomerSnapshot.Unknown("+4930"), EdgeId: null);
        var started = await grains.GetGrain<ICallGrain>(callId).StartInboundAsync(info);
        Assert.True(started.IsSuccess, started.ToString());
        return started.Value!;
    }
}

/// <summary>Restart of the embedded product: agents, queues and unfinished calls (state and records) survive.</summary>
public sealed class EmbeddedProductRestartTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Restart_keeps_agents_queues_and_unfinished_calls()
    {
        using (var host = HostFactory.Embedded(_folder.Path))
        {
            await host.StartAsync();
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            await AcdScenario.ConfigureQueueAsync(grains, "support");
            await AcdScenario.ReadyAgentAsync(grains, "ada", "support");

            var first = await AcdScenario.StartCallAsync(grains, "call-1", "support");
            Assert.Equal(CallStatus.Offered, first.Status);
            Assert.Equal("ada", first.AgentId);
            Assert.True((await grains.GetGrain<ICallGrain>("call-1").AnswerAsync("ada")).IsSuccess);

            var second = await AcdScenario.StartCallAsync(grains, "call-2", "support"); // ada is busy: it waits
            Assert.Equal(CallStatus.Queued, second.Status);
            await host.StopAsync();
        }

        using (var host = HostFactory.Embedded(_folder.Path))
        {
            await host.StartAsync();
            var grains = host.Services.GetRequiredService<IGrainFactory>();

            var agent = await grains.GetGrain<IAgentGrain>("ada").GetAsync();
            Assert.Equal("Agent ada", agent.Profile?.Name);
            Assert.Equal(AgentStatus.OnCall, agent.Status);
            Assert.Equal("call-1", agent.CallId);

            var queue = await grains.GetGrain<IQueueGrain>("support").GetAsync();
            Assert.Equal("Queue support", queue.Config?.Name);
            Assert.Contains(queue.Waiting, c => c.CallId == "call-2");

            var call1 = await grains.GetGrain<ICallGrain>("call-1").GetAsync();
            Assert.Equal(CallStatus.Connected, call1.Status);
            Assert.Equal("ada", call1.AgentId);
            Assert.Equal(CallStatus.Queued, (await grains.GetGrain<ICallGrain>("call-2").GetAsync()).Status);

            // The reporting rows written before the restart are there too.
            var reporting = host.Services.GetRequiredService<IReportingQueries>();
            Assert.Equal(CallStatus.Connected, (await reporting.GetCallAsync("call-1"))?.Status);
            Assert.Equal(CallStatus.Queued, (await reporting.GetCallAsync("call-2"))?.Status);
            var activities = await reporting.GetAgentActivitiesAsync("ada", call1.ArrivedAt!.Value.AddHours(-1), call1.ArrivedAt.Value.AddHours(1));
            Assert.Contains(activities, a => a.Status == AgentStatus.NotReady && a.ReasonCode == ReasonCodes.Login);
            Assert.Contains(activities, a => a.Status == AgentStatus.Ready);
            Assert.Contains(activities, a => a.Status == AgentStatus.Reserved && a.CallId == "call-1");

            // And the product carries on: the first call ends, ada gets the waiting one.
            Assert.True((await grains.GetGrain<ICallGrain>("call-1").HangupAsync(HangupSide.Caller)).IsSuccess);
            await PostgresClusterTests.Eventually(async () =>
            {
                var call2 = await grains.GetGrain<ICallGrain>("call-2").GetAsync();
                Assert.Equal(CallStatus.Offered, call2.Status);
                Assert.Equal("ada", call2.AgentId);
            }, TimeSpan.FromSeconds(10));
            await host.StopAsync();
        }
    }
}

/// <summary>A multi-silo cluster on PostgreSQL keeps routing calls to agents after one silo stops.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresRoutingTests(PostgresServer server)
{
    [Fact]
    public async Task Cluster_keeps_routing_calls_after_a_silo_stops()
    {
        var connectionString = await server.CreateDatabaseAsync("routing");
        var clusterId = "r-" + Guid.NewGuid().ToString("N")[..8];
        var silos = new List<IHost>();
        IHost? client = null;
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var silo = HostFactory.PostgresSilo(connectionString, clusterId);
                await silo.StartAsync();
                silos.Add(silo);
            }

            client = HostFactory.PostgresClient(connectionString, clusterId);
            await client.StartAsync();
            var grains = client.Services.GetRequiredService<IClusterClient>();

            await AcdScenario.ConfigureQueueAsync(grains, "sales");
            var agents = Enumerable.Range(1, 6).Select(i => $"agent-{i}").ToList();
            foreach (var agent in agents)
            {
                await AcdScenario.ReadyAgentAsync(grains, agent, "sales");
            }

            var callNumber = 0;
            async Task RouteOneCallAsync()
            {
                var callId = $"call-{++callNumber}";
                var call = await AcdScenario.StartCallAsync(grains, callId, "sales");
                Assert.Equal(CallStatus.Offered, call.Status);
                Assert.Contains(call.AgentId, agents);
                Assert.True((await grains.GetGrain<ICallGrain>(callId).AnswerAsync(call.AgentId!)).IsSuccess);
                Assert.True((await grains.GetGrain<ICallGrain>(callId).HangupAsync(HangupSide.Caller)).IsSuccess);
                Assert.Equal(CallStatus.Ended, (await grains.GetGrain<ICallGrain>(callId).GetAsync()).Status);
            }

            for (var i = 0; i < 6; i++)
            {
                await RouteOneCallAsync();
            }

            await silos[1].StopAsync();
            silos[1].Dispose();
            silos.RemoveAt(1);

            // Bounded wait for the client to see the new membership; then routing goes on as before.
            await PostgresClusterTests.Eventually(RouteOneCallAsync, TimeSpan.FromSeconds(60));
            for (var i = 0; i < 12; i++)
            {
                await RouteOneCallAsync();
            }

            foreach (var agent in agents)
            {
                var snapshot = await grains.GetGrain<IAgentGrain>(agent).GetAsync();
                Assert.Equal(AgentStatus.Ready, snapshot.Status);
            }
        }
        finally
        {
            if (client is not null)
            {
                await client.StopAsync();
                client.Dispose();
            }

            foreach (var silo in silos)
            {
                await silo.StopAsync();
                silo.Dispose();
            }
        }
    }
}

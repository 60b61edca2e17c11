using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace Acd.Cluster.Tests;

/// <summary>
/// A frontend that stops tells its SignalR clients to reconnect (close message with allowReconnect, which browsers built
/// with withAutomaticReconnect() obey), and the agent's state is the same on the other frontend: it lives in the grains.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FrontendHandoffTests(ClusterFixture cluster)
{
    [Fact]
    public async Task A_stopping_frontend_hands_its_agents_to_another_with_their_state_intact()
    {
        var (queueId, _) = await cluster.CreateQueueAsync("handoff", ringTimeoutSeconds: 20);
        var agentId = $"h{Guid.NewGuid().ToString("N")[..8]}";
        await cluster.ApiAsync(HttpMethod.Post, "/agents", new
        {
            id = agentId,
            name = "Agent " + agentId,
            password = "agent-pass-1",
            extension = Random.Shared.Next(100, 999).ToString(CultureInfo.InvariantCulture),
            queues = new[] { queueId },
        });
        await cluster.ApiAsync(HttpMethod.Post, $"/agents/{agentId}/login");
        await cluster.ApiAsync(HttpMethod.Post, $"/agents/{agentId}/not-ready", new { reason = "lunch" });

        var leaving = cluster.Frontends[1];
        var token = await cluster.TokenAsync(agentId, "agent-pass-1", frontend: 1);
        var told = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var first = Connect(leaving.BaseUrl, token);
        first.Reconnecting += _ =>
        {
            told.TrySetResult();
            return Task.CompletedTask;
        };
        var closed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        first.Closed += ex =>
        {
            closed.TrySetResult(ex?.Message ?? "closed without error");
            return Task.CompletedTask;
        };
        await first.StartAsync();
        var before = await first.InvokeAsync<JsonElement>("GetSnapshot");
        Assert.Equal("notReady", before.GetProperty("agent").GetProperty("status").GetString());

        try
        {
            await leaving.StopAsync(TimeSpan.FromSeconds(45));
            // Reconnecting (not Closed) means the server closed with allowReconnect: a browser retries through the
            // load balancer, which now sends it to a frontend that is still up.
            var outcome = await Task.WhenAny(told.Task, closed.Task, Task.Delay(TimeSpan.FromSeconds(10)));
            Assert.True(outcome == told.Task, closed.Task.IsCompleted
                ? $"the client was closed instead of told to reconnect: {await closed.Task}"
                : "the client noticed nothing within 10 s");

            await using var second = Connect(cluster.Frontends[0].BaseUrl, token);
            await second.StartAsync();
            var after = await second.InvokeAsync<JsonElement>("GetSnapshot");
            Assert.Equal(agentId, after.GetProperty("agent").GetProperty("id").GetString());
            Assert.Equal("notReady", after.GetProperty("agent").GetProperty("status").GetString());
            Assert.Equal("lunch", after.GetProperty("agent").GetProperty("reasonCode").GetString());

            // The new connection gets live events: the agent's next state change arrives on it.
            var changed = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
            second.On<JsonElement>("AgentState", agent =>
            {
                if (agent.GetProperty("status").GetString() == "ready")
                {
                    changed.TrySetResult(agent);
                }
            });
            await cluster.ApiAsync(HttpMethod.Post, $"/agents/{agentId}/ready");
            await changed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            leaving.Start();
            await leaving.WaitHealthyAsync(cluster.Http, "/health/ready", TimeSpan.FromSeconds(90));
        }
    }

    private static HubConnection Connect(string baseUrl, string token) =>
        new HubConnectionBuilder()
            .WithUrl(baseUrl + "/hubs/agent", o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .WithAutomaticReconnect([TimeSpan.Zero, TimeSpan.FromSeconds(1)])
            .Build();
}

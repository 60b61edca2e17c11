using System.Globalization;
using Xunit.Abstractions;

namespace Acd.Cluster.Tests;

/// <summary>
/// Every agent is reachable from every edge: agents whose phones only frontend 2 can reach (a browser-style WebSocket
/// phone and a TCP phone, whose flows that frontend holds) take the calls SIPp places on frontend 1. Frontend 1 rings
/// them through frontend 2 (a signed edge-to-edge hop onto the flow); nobody is set Not Ready for a phone it could not reach.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class EdgeReachTests(ClusterFixture cluster, ITestOutputHelper output)
{
    private const int Calls = 6;

    [Fact]
    public async Task Calls_on_one_frontend_reach_browser_and_tcp_phones_held_by_the_other()
    {
        var (queueId, number) = await cluster.CreateQueueAsync("reach", ringTimeoutSeconds: 15);
        var agents = new List<string>();
        var phones = new List<FlowPhone>();
        try
        {
            foreach (var overWebSocket in new[] { true, false })
            {
                var agentId = await cluster.CreateAgentWithoutPhoneAsync(queueId);
                agents.Add(agentId);
                phones.Add(overWebSocket
                    ? await FlowPhone.OverWebSocketAsync(cluster.Frontends[1].BaseUrl, agentId, ClusterFixture.SipPassword, "127.0.0.1")
                    : await FlowPhone.OverTcpAsync(cluster.SipPorts[1], agentId, ClusterFixture.SipPassword, "127.0.0.1"));
                await ClusterFixture.Eventually(async () => (await cluster.AgentAsync(agentId)).GetProperty("phoneRegistered").GetBoolean(),
                    $"{agentId}'s phone registered", TimeSpan.FromSeconds(15));
                await cluster.ApiAsync(HttpMethod.Post, $"/agents/{agentId}/login");
                await cluster.ApiAsync(HttpMethod.Post, $"/agents/{agentId}/ready");
            }

            await using var callers = Sipp.Start("reach-callers", "caller.xml", cluster.SipPorts[0], Sipp.FreeUdpPort(), number, cluster.LogDirectory,
            [
                "-set", "prefix", "700",
                "-m", Calls.ToString(CultureInfo.InvariantCulture),
                "-r", "1", "-rp", "1500",
                "-d", "1500",
                "-timeout", "90s",
            ]);
            Assert.True(await callers.WaitForExitAsync(TimeSpan.FromSeconds(100)) == 0, $"callers failed:\n{callers.Output()}");
            var (successful, failed) = callers.Totals();
            Assert.Equal((Calls, 0), (successful, failed));

            await ClusterFixture.Eventually(async () => (await cluster.CallsAsync(queueId)).Count(r => r.Status == "Ended") == Calls,
                $"{Calls} ended call records", TimeSpan.FromSeconds(30));
            var rows = await cluster.CallsAsync(queueId);
            Assert.All(rows, r => Assert.Equal("Answered", r.Disposition));
            Assert.All(rows, r => Assert.Contains(r.AgentId, agents));
            // Both kinds of flow carried calls: the hop works onto a WebSocket and onto a TCP connection.
            Assert.All(phones, p => Assert.True(p.Answered > 0, "a phone on frontend 2 answered no call"));
            Assert.Equal(Calls, phones.Sum(p => p.Answered));

            // Every silo serves /metrics; their sum counts each call once, wherever its grains ran.
            var queue = $"queue=\"{queueId}\"";
            Assert.Equal(Calls, await cluster.MetricSumAsync(cluster.Silos, "acd_queue_calls_offered_total", queue));
            Assert.Equal(Calls, await cluster.MetricSumAsync(cluster.Silos, "acd_queue_calls_answered_total", queue));
            Assert.True(await cluster.MetricSumAsync(cluster.Frontends.Take(1), "acd_sip_transactions_total", "method=\"INVITE\"") >= Calls,
                "the callers' INVITEs counted on frontend 1");

            foreach (var agentId in agents)
            {
                var agent = await cluster.AgentAsync(agentId);
                Assert.NotEqual("notReady", agent.GetProperty("status").GetString());
            }

            output.WriteLine($"REACH: {Calls} calls placed on frontend 1 answered by phones held by frontend 2 " +
                             $"(WebSocket {phones[0].Answered}, TCP {phones[1].Answered}); no agent Not Ready");
        }
        finally
        {
            foreach (var phone in phones)
            {
                await phone.DisposeAsync();
            }
        }
    }
}

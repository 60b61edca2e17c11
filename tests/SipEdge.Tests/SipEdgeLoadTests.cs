using System.Globalization;
using Acd.Agents;
using Acd.Calls;
using Acd.Reporting.Queries;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Acd.SipEdge.Tests;

/// <summary>
/// Many calls at once through the edge: two queues with overlapping agents (some serve both), one SIPp process
/// answering for every agent's phone, two SIPp callers. Every call must be answered and recorded once, and every agent
/// must be Ready again at the end (nobody stuck Reserved, on a call or Not Ready "no answer").
/// </summary>
[Collection(EdgeCollection.Name)]
public sealed class SipEdgeLoadTests(EdgeHost host, ITestOutputHelper output)
{
    private const int CallsPerQueue = 100;

    [Fact]
    public async Task Two_hundred_calls_over_two_queues_and_twelve_agents_all_answered_with_every_agent_ready_at_the_end()
    {
        var (sales, salesNumber) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var (support, supportNumber) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var agents = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            // Four agents per queue, four in both: the queues compete for the shared ones.
            agents.Add(i switch
            {
                < 4 => await host.CreateAgentAsync(sales),
                < 8 => await host.CreateAgentAsync(support),
                _ => await host.CreateAgentAsync(sales, support),
            });
        }

        var phonePort = Sipp.FreeUdpPort();
        foreach (var agent in agents)
        {
            await host.RegisterPhoneAsync(agent, phonePort);
        }

        await using var phones = Sipp.Start("agent-answer.xml", host.SipPort, phonePort, "agents", 240, calls: 2 * CallsPerQueue);
        await phones.WaitListeningAsync();
        foreach (var agent in agents)
        {
            Assert.True((await host.Grains.GetGrain<IAgentGrain>(agent).SetReadyAsync()).IsSuccess);
        }

        string[] pace = ["-r", "5", "-l", "40"];
        var started = DateTime.UtcNow;
        await using var salesCallers = Sipp.Start("caller-hangup.xml", host.SipPort, Sipp.FreeUdpPort(), salesNumber, 240, pace, CallsPerQueue);
        await using var supportCallers = Sipp.Start("caller-hangup.xml", host.SipPort, Sipp.FreeUdpPort(), supportNumber, 240, pace, CallsPerQueue);
        await salesCallers.AssertSucceededAsync(240);
        await supportCallers.AssertSucceededAsync(240);
        await phones.AssertSucceededAsync(60);
        var elapsed = DateTime.UtcNow - started;

        var records = (await RecordsAsync(sales)).Concat(await RecordsAsync(support)).ToList();
        Assert.Equal(2 * CallsPerQueue, records.Count);
        Assert.All(records, r => Assert.Equal(CallDisposition.Answered, r.Disposition));
        Assert.Equal(records.Count, records.Select(r => r.CallId).Distinct().Count());

        await EdgeHost.Eventually(async () =>
        {
            foreach (var agent in agents)
            {
                if ((await host.AgentAsync(agent)).Status != AgentStatus.Ready)
                {
                    return false;
                }
            }

            return true;
        }, "every agent to be Ready again", 30);
        await EdgeHost.Eventually(() => Task.FromResult(host.Edge.ActiveCalls == 0), "the edge to carry no call any more");

        var perAgent = records.GroupBy(r => r.AgentId).ToDictionary(g => g.Key ?? "-", g => g.Count());
        Assert.Equal(agents.Count, perAgent.Count); // every agent took calls: the shared ones from both queues
        var waits = records.Select(r => r.WaitSeconds ?? 0).Order().ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{records.Count} calls answered in {elapsed.TotalSeconds:F1} s; wait p50 {waits[waits.Count / 2]:F2} s, max {waits[^1]:F2} s; " +
            $"calls per agent {string.Join(", ", perAgent.Values.Order())}"));
    }

    private async Task<List<CallRecord>> RecordsAsync(string queueId)
    {
        var queries = host.App.Services.GetRequiredService<IReportingQueries>();
        var all = new List<CallRecord>();
        await EdgeHost.Eventually(async () =>
        {
            all.Clear();
            for (var page = 1; ; page++)
            {
                var result = await queries.GetCallsAsync(new CallHistoryQuery(QueueId: queueId, Page: page, PageSize: 100));
                all.AddRange(result.Items);
                if (result.Items.Count < 100)
                {
                    break;
                }
            }

            return all.Count >= CallsPerQueue && all.All(r => r.Status == CallStatus.Ended);
        }, $"the call records of queue {queueId}", 30);
        return all;
    }
}

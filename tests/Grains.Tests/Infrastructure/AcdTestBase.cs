using System.Collections.Immutable;
using Acd.Agents;
using Acd.Calls;
using Acd.Common;
using Acd.Queues;

namespace Acd.Grains.Tests.Infrastructure;

/// <summary>Builds agents, queues and calls with unique ids so tests can share one cluster.</summary>
public abstract class AcdTestBase(AcdCluster fixture)
{
    protected AcdCluster Fixture { get; } = fixture;

    protected IClusterClient Client => Fixture.Client;

    protected string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    protected IAgentGrain Agent(string id) => Client.GetGrain<IAgentGrain>(id);

    protected ICallGrain Call(string id) => Client.GetGrain<ICallGrain>(id);

    protected IQueueGrain Queue(string id) => Client.GetGrain<IQueueGrain>(id);

    protected async Task<string> NewQueueAsync(Func<QueueConfig, QueueConfig>? tweak = null)
    {
        var id = Unique("q");
        var config = QueueConfig.Create(id, ringTimeoutSeconds: 20);
        Ok(await Queue(id).ConfigureAsync(tweak is null ? config : tweak(config)));
        return id;
    }

    protected async Task<string> NewAgentAsync(IEnumerable<string> queues, IDictionary<string, int>? skills = null,
        bool ready = true, string? id = null)
    {
        id ??= Unique("a");
        Ok(await Agent(id).ConfigureAsync(AgentProfile.Create(id, "100", skills, queues)));
        Ok(await Agent(id).LoginAsync());
        if (ready)
        {
            Ok(await Agent(id).SetReadyAsync());
        }

        return id;
    }

    /// <summary>Attaches a recording edge to the call, as the SIP edge does before it starts a call it carries.</summary>
    protected async Task<RecordingEdge> AttachEdgeAsync(string callId)
    {
        var edge = new RecordingEdge();
        await Call(callId).AttachEdgeAsync(Client.CreateObjectReference<ICallEdgeObserver>(edge));
        return edge;
    }

    protected async Task<string> NewCallAsync(string queueId, int priority = 0, string ani = "+15550100", RecordingEdge? edge = null)
    {
        var id = Unique("c");
        if (edge is not null)
        {
            await Call(id).AttachEdgeAsync(Client.CreateObjectReference<ICallEdgeObserver>(edge));
        }

        var started = await Call(id).StartInboundAsync(
            new CallInfo(ani, "1000", "Caller", CallDirection.Inbound, priority, queueId, null, null));
        Assert.True(started.IsSuccess, started.ToString());
        return id;
    }

    protected async Task<AgentStatus> StatusOf(string agentId) => (await Agent(agentId).GetAsync()).Status;

    protected async Task<CallStatus> StatusOfCall(string callId) => (await Call(callId).GetAsync()).Status;

    /// <summary>Moves the fake clock; grain timers due by then fire on their grains' schedulers.</summary>
    protected Task AdvanceAsync(TimeSpan by)
    {
        Fixture.Time.Advance(by);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Waits for messages already sent (one-way matching, timer callbacks) to be processed. This waits on
    /// message delivery between grains, never on the clock: the fake clock does not move.
    /// </summary>
    protected static async Task Eventually(Func<Task<bool>> condition, string because, Func<Task<string>>? describe = null, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {because}.{(describe is null ? "" : " " + await describe())}");
            }

            await Task.Delay(20);
        }
    }

    protected Task UntilAgent(string agentId, AgentStatus status) =>
        Eventually(async () => await StatusOf(agentId) == status, $"agent {agentId} is {status}");

    protected Task UntilCall(string callId, CallStatus status) =>
        Eventually(async () => await StatusOfCall(callId) == status, $"call {callId} is {status}");

    protected static void Ok(Result result) => Assert.True(result.IsSuccess, result.ToString());

    protected static void Ok<T>(Result<T> result) => Assert.True(result.IsSuccess, result.ToString());

    protected static void Fails(Result result, AcdError error) =>
        Assert.True(result.Error == error, $"expected {error}, got {result}");

    protected static ImmutableDictionary<string, int> Skills(params (string Name, int Level)[] skills) =>
        skills.ToImmutableDictionary(s => s.Name, s => s.Level);
}

using Acd.Calls;
using Orleans.Core.Internal;
using Acd.Grains.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Acd.Grains.Tests;

/// <summary>The queue's recovery reminder: there while calls are, and not rewritten for every call that passes.</summary>
[Collection(AcdCollection.Name)]
public sealed class RecoveryReminderTests(AcdCluster fixture) : AcdTestBase(fixture)
{
    [Fact]
    public async Task The_reminder_outlives_an_emptied_queue_until_its_own_tick_finds_it_empty()
    {
        var queue = await NewQueueAsync();
        Assert.False(await HasRecoveryReminderAsync(queue));

        var call = await NewCallAsync(queue);
        Assert.True(await HasRecoveryReminderAsync(queue));

        Ok(await Call(call).HangupAsync(HangupSide.Caller));
        Assert.True(await HasRecoveryReminderAsync(queue));

        var next = await NewCallAsync(queue);
        await TickAsync(queue);
        Assert.True(await HasRecoveryReminderAsync(queue));

        Ok(await Call(next).HangupAsync(HangupSide.Caller));
        await TickAsync(queue);
        Assert.False(await HasRecoveryReminderAsync(queue));
    }

    private Task TickAsync(string queue) =>
        Queue(queue).AsReference<IRemindable>().ReceiveReminder("recover", new TickStatus(DateTime.UtcNow, TimeSpan.FromMinutes(1), DateTime.UtcNow));

    private async Task<bool> HasRecoveryReminderAsync(string queue)
    {
        var table = Fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>();
        var entry = await table.ReadRow(Queue(queue).GetGrainId(), "recover");
        return entry is not null;
    }
}

/// <summary>Queues keep their members in memory and only who they are in storage.</summary>
[Collection(AcdCollection.Name)]
public sealed class QueueRosterTests(AcdCluster fixture) : AcdTestBase(fixture)
{
    [Fact]
    public async Task A_queue_activated_again_knows_its_agents_before_its_first_call()
    {
        var queue = await NewQueueAsync();
        var busy = await NewAgentAsync([queue], ready: false);
        var ready = await NewAgentAsync([queue]);
        Assert.Equal(1, (await Queue(queue).GetStatsAsync()).ReadyAgents);

        await Queue(queue).Cast<IGrainManagementExtension>().DeactivateOnIdle();
        // The new activation asks the agents on its roster before it answers anything.
        var stats = await Queue(queue).GetStatsAsync();
        Assert.Equal(2, stats.LoggedInAgents);
        Assert.Equal(1, stats.ReadyAgents);

        var call = await NewCallAsync(queue);
        Assert.Equal(ready, (await Call(call).GetAsync()).AgentId);
        Assert.Equal(Acd.Agents.AgentStatus.NotReady, await StatusOf(busy));
    }
}

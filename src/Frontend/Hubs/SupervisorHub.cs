using Acd.Agents;
using Acd.Calls;
using Acd.Catalog;
using Acd.Frontend.Apis;
using Acd.Frontend.Auth;
using Acd.Frontend.Scoping;
using Acd.Queues;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Acd.Frontend.Hubs;

/// <summary>
/// /hubs/supervisor: the agents' states, the queues' live KPIs and calls in progress that the supervisor's scope holds;
/// force Not Ready / log out within that scope. A scoped supervisor joins one group per agent and queue it sees, taken
/// at connect time (a reconnect picks up later changes of scope or team).
/// </summary>
[Authorize(Policy = Policies.Supervisor)]
public sealed class SupervisorHub(EventRelay relay, IGrainFactory grains, AgentCommands agents, ScopeResolver scopes, TimeProvider time)
    : Hub<IAcdClient>
{
    public override async Task OnConnectedAsync()
    {
        var scope = await scopes.ForAsync(Context.User!);
        if (scope.All)
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, EventRelay.SupervisorsGroup);
        }
        else
        {
            var (agentSnapshots, queueIds) = await LoadAsync();
            foreach (var agent in agentSnapshots.Where(a => a.IsConfigured && scope.SeesAgent(a.Profile)))
            {
                await Groups.AddToGroupAsync(Context.ConnectionId, EventRelay.ScopedAgentGroup(agent.AgentId));
            }

            foreach (var queueId in queueIds.Where(scope.SeesQueue))
            {
                await Groups.AddToGroupAsync(Context.ConnectionId, EventRelay.ScopedQueueGroup(queueId));
            }
        }

        await relay.AcquireSupervisorScopeAsync();
        await base.OnConnectedAsync();
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        await relay.ReleaseSupervisorScopeAsync();
        await base.OnDisconnectedAsync(exception);
    }

    public async Task<WallboardSnapshot> GetSnapshot()
    {
        var scope = await scopes.ForAsync(Context.User!);
        var (agentSnapshots, queueIds) = await LoadAsync();
        var visibleAgents = agentSnapshots.Where(a => a.IsConfigured && scope.SeesAgent(a.Profile)).ToList();
        var queueSnapshots = await Task.WhenAll(queueIds.Where(scope.SeesQueue).Select(id => grains.GetGrain<IQueueGrain>(id).GetAsync()));
        var calls = await Task.WhenAll(visibleAgents.Where(a => a.CallId is not null)
            .Select(a => grains.GetGrain<ICallGrain>(a.CallId!).GetAsync()));
        var now = time.GetUtcNow();
        return new WallboardSnapshot(
            visibleAgents.Select(a => AgentView.From(a, now)).OrderBy(a => a.Id, StringComparer.Ordinal).ToList(),
            queueSnapshots.Where(q => q.Config is not null).Select(QueueView.From).OrderBy(q => q.Id, StringComparer.Ordinal).ToList(),
            calls.Where(c => !c.IsEnded).Select(CallView.Of).ToList());
    }

    public async Task<CommandResult> ForceNotReady(string agentId, string? reason)
    {
        if (!await scopes.MayActForAgentAsync(Context.User!, agentId))
        {
            return new CommandResult(false, "Forbidden", "This agent is outside your scope.");
        }

        var code = string.IsNullOrWhiteSpace(reason) ? ReasonCodes.Supervisor : reason.Trim();
        var result = await agents.RunAsync(agentId, a => a.SetNotReadyAsync(code));
        return CommandResult.From(result.Error, result.Message);
    }

    public async Task<CommandResult> ForceLogout(string agentId)
    {
        if (!await scopes.MayActForAgentAsync(Context.User!, agentId))
        {
            return new CommandResult(false, "Forbidden", "This agent is outside your scope.");
        }

        var result = await agents.RunAsync(agentId, a => a.LogoutAsync());
        return CommandResult.From(result.Error, result.Message);
    }

    private async Task<(AgentSnapshot[] Agents, System.Collections.Immutable.ImmutableArray<string> Queues)> LoadAsync()
    {
        var catalog = grains.GetGrain<ICatalogGrain>(CatalogKeys.Default);
        var agentIds = await catalog.ListAgentsAsync();
        var queueIds = await catalog.ListQueuesAsync();
        return (await Task.WhenAll(agentIds.Select(id => grains.GetGrain<IAgentGrain>(id).GetAsync())), queueIds);
    }
}

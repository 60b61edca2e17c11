using Acd.Agents;
using Acd.Calls;
using Acd.Catalog;
using Acd.Common;
using Acd.Frontend.Apis;
using Acd.Frontend.Auth;
using Acd.Queues;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Acd.Frontend.Hubs;

/// <summary>/hubs/supervisor: every agent's state, every queue's live KPIs, calls in progress; force Not Ready / log out.</summary>
[Authorize(Policy = Policies.Supervisor)]
public sealed class SupervisorHub(EventRelay relay, IGrainFactory grains, AgentCommands agents, TimeProvider time) : Hub<IAcdClient>
{
    public override async Task OnConnectedAsync()
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, EventRelay.SupervisorsGroup);
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
        var catalog = grains.GetGrain<ICatalogGrain>(CatalogKeys.Default);
        var agentIds = await catalog.ListAgentsAsync();
        var queueIds = await catalog.ListQueuesAsync();
        var agentSnapshots = await Task.WhenAll(agentIds.Select(id => grains.GetGrain<IAgentGrain>(id).GetAsync()));
        var queueSnapshots = await Task.WhenAll(queueIds.Select(id => grains.GetGrain<IQueueGrain>(id).GetAsync()));
        var calls = await Task.WhenAll(agentSnapshots.Where(a => a.CallId is not null)
            .Select(a => grains.GetGrain<ICallGrain>(a.CallId!).GetAsync()));
        var now = time.GetUtcNow();
        return new WallboardSnapshot(
            agentSnapshots.Where(a => a.IsConfigured).Select(a => AgentView.From(a, now)).OrderBy(a => a.Id, StringComparer.Ordinal).ToList(),
            queueSnapshots.Where(q => q.Config is not null).Select(QueueView.From).OrderBy(q => q.Id, StringComparer.Ordinal).ToList(),
            calls.Where(c => !c.IsEnded).Select(CallView.Of).ToList());
    }

    public async Task<CommandResult> ForceNotReady(string agentId, string? reason)
    {
        var code = string.IsNullOrWhiteSpace(reason) ? ReasonCodes.Supervisor : reason.Trim();
        var result = await agents.RunAsync(agentId, a => a.SetNotReadyAsync(code));
        return CommandResult.From(result.Error, result.Message);
    }

    public async Task<CommandResult> ForceLogout(string agentId)
    {
        var result = await agents.RunAsync(agentId, a => a.LogoutAsync());
        return CommandResult.From(result.Error, result.Message);
    }
}

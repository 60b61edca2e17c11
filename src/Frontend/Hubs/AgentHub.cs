using Acd.Agents;
using Acd.CallControl.Calls;
using Acd.Calls;
using Acd.Catalog;
using Acd.Common;
using Acd.Frontend.Apis;
using Acd.Frontend.Auth;
using Acd.Queues;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Acd.Frontend.Hubs;

/// <summary>
/// /hubs/agent: the signed-in agent's own state, offered calls with the customer popup, call state changes and the
/// statistics of its queues; accepts the same commands as the REST API.
/// </summary>
[Authorize(Policy = Policies.Agent)]
public sealed class AgentHub(EventRelay relay, IGrainFactory grains, AgentCommands agents, CallCommands calls, TimeProvider time)
    : Hub<IAcdClient>
{
    private const string WatchesKey = "watches";

    public override async Task OnConnectedAsync()
    {
        var agentId = Context.User?.AgentId();
        if (agentId is null)
        {
            throw new HubException("This login has no agent.");
        }

        var snapshot = await grains.GetGrain<IAgentGrain>(agentId).GetAsync();
        List<WatchKey> watches = [new(WatchKind.Agent, agentId)];
        await Groups.AddToGroupAsync(Context.ConnectionId, EventRelay.AgentGroup(agentId));
        foreach (var queueId in snapshot.Profile?.Queues ?? [])
        {
            watches.Add(new WatchKey(WatchKind.Queue, queueId));
            await Groups.AddToGroupAsync(Context.ConnectionId, EventRelay.QueueGroup(queueId));
        }

        Context.Items[WatchesKey] = watches;
        foreach (var key in watches)
        {
            await relay.AcquireAsync(key);
        }

        await base.OnConnectedAsync();
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        if (Context.Items.TryGetValue(WatchesKey, out var value) && value is List<WatchKey> watches)
        {
            foreach (var key in watches)
            {
                await relay.ReleaseAsync(key);
            }
        }

        await base.OnDisconnectedAsync(exception);
    }

    /// <summary>Everything the desktop shows, fetched after (re)connecting.</summary>
    public async Task<AgentDesktopSnapshot> GetSnapshot()
    {
        var agent = await grains.GetGrain<IAgentGrain>(AgentId).GetAsync();
        CallView? call = agent.CallId is { } callId ? CallView.Of(await grains.GetGrain<ICallGrain>(callId).GetAsync()) : null;
        var queues = await Task.WhenAll((agent.Profile?.Queues ?? []).Select(q => grains.GetGrain<IQueueGrain>(q).GetAsync()));
        var reasons = await grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).GetReasonCodesAsync();
        return new AgentDesktopSnapshot(AgentView.From(agent, time.GetUtcNow()), call,
            queues.Where(q => q.Config is not null).Select(QueueView.From).ToList(),
            reasons.Where(r => !ReasonCodes.System.Contains(r, StringComparer.OrdinalIgnoreCase)).ToList());
    }

    public Task<CommandResult> Login() => Agent(a => a.LoginAsync());

    public Task<CommandResult> Logout() => Agent(a => a.LogoutAsync());

    public Task<CommandResult> Ready() => Agent(a => a.SetReadyAsync());

    public Task<CommandResult> EndWrapUp() => Agent(a => a.EndWrapUpAsync());

    public async Task<CommandResult> NotReady(string? reason)
    {
        var code = string.IsNullOrWhiteSpace(reason) ? ReasonCodes.Break : reason.Trim();
        return await agents.IsKnownReasonAsync(code, Context.User!)
            ? await Agent(a => a.SetNotReadyAsync(code))
            : CommandResult.From(AcdError.InvalidArgument, $"Unknown reason code '{code}'.");
    }

    public Task<CommandResult> Answer(string callId) => Call(calls.RunAsync(callId, Context.User!, CallAction.Answer));

    public Task<CommandResult> Reject(string callId) => Call(calls.RunAsync(callId, Context.User!, CallAction.Reject));

    public Task<CommandResult> Hangup(string callId) => Call(calls.RunAsync(callId, Context.User!, CallAction.Hangup));

    public Task<CommandResult> Hold(string callId) => Call(calls.RunAsync(callId, Context.User!, CallAction.Hold));

    public Task<CommandResult> Unhold(string callId) => Call(calls.RunAsync(callId, Context.User!, CallAction.Unhold));

    public Task<CommandResult> CompleteTransfer(string callId) => Call(calls.RunAsync(callId, Context.User!, CallAction.CompleteTransfer));

    public Task<CommandResult> CancelTransfer(string callId) => Call(calls.RunAsync(callId, Context.User!, CallAction.CancelTransfer));

    public Task<CommandResult> SendDtmf(string callId, string digits) =>
        DtmfDigits.IsValid(digits)
            ? Call(calls.SendDtmfAsync(callId, Context.User!, digits))
            : Task.FromResult(CommandResult.From(AcdError.InvalidArgument, DtmfDigits.Rule + "."));

    public Task<CommandResult> Transfer(string callId, string target, string? mode)
    {
        if (string.IsNullOrWhiteSpace(target))
        {
            return Task.FromResult(CommandResult.From(AcdError.InvalidArgument, "A target is required."));
        }

        var attended = string.Equals(mode, "attended", StringComparison.OrdinalIgnoreCase);
        if (!attended && mode is not null && !string.Equals(mode, "blind", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(CommandResult.From(AcdError.InvalidArgument, "mode: blind (default) or attended."));
        }

        return Call(calls.TransferAsync(callId, Context.User!, target.Trim(), attended ? TransferMode.Attended : TransferMode.Blind, null));
    }

    /// <summary>
    /// The dial pad: a number (click-to-dial) or a colleague's extension (an internal call); either rings the agent's own
    /// phone first. On success the message is the call's id, so a browser phone can answer that ring itself.
    /// </summary>
    public async Task<CommandResult> Dial(string destination)
    {
        if (destination is null || !DialTargets.IsPhoneNumber(destination))
        {
            return CommandResult.From(AcdError.InvalidArgument, "Dial digits only (optional leading +).");
        }

        var result = await calls.DialAsync(AgentId, destination, Context.ConnectionAborted);
        return CommandResult.From(result.Error, result.IsSuccess ? result.Value!.CallId : result.Message);
    }

    private string AgentId => Context.User!.AgentId()!;

    private async Task<CommandResult> Agent(Func<IAgentGrain, Task<Result>> action)
    {
        var result = await agents.RunAsync(AgentId, action);
        return CommandResult.From(result.Error, result.Message);
    }

    private static async Task<CommandResult> Call(Task<Result<CallSnapshot>> command)
    {
        var result = await command;
        return CommandResult.From(result.Error, result.Message);
    }
}

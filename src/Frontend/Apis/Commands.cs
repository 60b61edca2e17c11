using System.Security.Claims;
using Acd.Agents;
using Acd.CallControl;
using Acd.CallControl.Calls;
using Acd.CallControl.Customers;
using Acd.Calls;
using Acd.Catalog;
using Acd.Common;
using Acd.Frontend.Auth;
using Acd.SipEdge.Hosting;
using Acd.ThreeCxEdge;

namespace Acd.Frontend.Apis;

/// <summary>Agent commands shared by the REST API and the SignalR hubs.</summary>
public sealed class AgentCommands(IGrainFactory grains, TimeProvider time)
{
    public async Task<Result<AgentView>> RunAsync(string agentId, Func<IAgentGrain, Task<Result>> action)
    {
        var agent = grains.GetGrain<IAgentGrain>(agentId);
        if (!(await agent.GetAsync()).IsConfigured)
        {
            return Result.Fail(AcdError.NotFound, $"Agent '{agentId}' does not exist.");
        }

        var result = await action(agent);
        return result.IsSuccess
            ? Result<AgentView>.Ok(AgentView.From(await agent.GetAsync(), time.GetUtcNow()))
            : result;
    }

    /// <summary>Operator reason codes, plus the system codes for supervisors ("supervisor", ...).</summary>
    public async Task<bool> IsKnownReasonAsync(string reason, ClaimsPrincipal user)
    {
        var codes = await grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).GetReasonCodesAsync();
        return codes.Contains(reason, StringComparer.OrdinalIgnoreCase)
            || (user.IsSupervisor() && ReasonCodes.System.Contains(reason, StringComparer.OrdinalIgnoreCase));
    }
}

public enum CallAction
{
    Answer,
    Reject,
    Hangup,
    Hold,
    Unhold,
    CompleteTransfer,
    CancelTransfer,
    Park,
}

/// <summary>Call commands shared by the REST API and the SignalR hubs.</summary>
public sealed class CallCommands(IGrainFactory grains, ICustomerLookup customers, InboundCalls inbound, DialTargets targets,
    CallControlMetrics metrics, IServiceProvider services)
{
    /// <summary>A PBX/CTI integration reports a new inbound call: resolve the queue, look the caller up, start the call.</summary>
    public Task<Result<CallSnapshot>> StartInboundAsync(string from, string to, string? callerName, int priority,
        CancellationToken cancellationToken) =>
        inbound.StartAsync(CallIds.New(), new InboundCall(from, to, callerName, priority), "api", cancellationToken: cancellationToken);

    /// <summary>
    /// Click-to-dial: an internal call when <paramref name="destination"/> is a colleague's agent id or extension, otherwise
    /// an outbound call for the agent.
    /// </summary>
    public async Task<Result<CallSnapshot>> DialAsync(string agentId, string destination, CancellationToken cancellationToken)
    {
        var agent = await grains.GetGrain<IAgentGrain>(agentId).GetAsync();
        if (!agent.IsConfigured)
        {
            return Result.Fail(AcdError.NotFound, $"Agent '{agentId}' does not exist.");
        }

        if (await targets.ResolveAsync(destination, TransferTargetKind.Agent) is { IsSuccess: true, Value: { } colleague })
        {
            return await DialInternalAsync(agent, colleague.Value, destination);
        }

        if (!DialTargets.IsPhoneNumber(destination))
        {
            return Result.Fail(AcdError.NotFound, $"No agent is '{destination}', and it is no phone number.");
        }

        var customer = await customers.LookupAsync(destination, cancellationToken);
        var info = new CallInfo(agent.Profile!.Extension is { Length: > 0 } ext ? ext : agentId, destination, customer.Name,
            CallDirection.Outbound, 0, null, customer, null);
        // From the agent's 3CX extension when it has one (3CX places it); through the SIP edge when it can carry the call
        // (trunk configured, agent's phone registered); CTI-only otherwise, where a PBX integration places the call and
        // reports its progress.
        var result = agent.Profile.ThreeCxExtension is { Length: > 0 } extension && services.GetService<ThreeCxCalls>() is { } threeCx
                     && await threeCx.DialAsync(agentId, extension, info) is { } fromPbx
            ? fromPbx
            : services.GetService<SipEdgeService>() is { } edge && await edge.DialAsync(agentId, info) is { } placed
                ? placed
                : await grains.GetGrain<ICallGrain>(CallIds.New()).StartOutboundAsync(agentId, info);
        metrics.CallStarted(CallDirection.Outbound, "api", result.IsSuccess);
        return result;
    }

    /// <summary>
    /// An internal call from the desktop, always through the SIP edge: the caller's phone rings first, then the colleague's.
    /// Without a phone the edge can reach there is nothing to talk on, so it is refused rather than left to a CTI integration.
    /// </summary>
    private async Task<Result<CallSnapshot>> DialInternalAsync(AgentSnapshot caller, string calleeId, string dialled)
    {
        var info = new CallInfo(caller.AgentId, dialled, caller.Profile!.Name, CallDirection.Internal, 0, null, null, null);
        var result = services.GetService<SipEdgeService>() is not { } edge
            ? Result.Fail(AcdError.Conflict, "Internal calls ring the agents' phones through the SIP edge, and this frontend has none (Sip:Enabled).")
            : await edge.DialInternalAsync(caller.AgentId, calleeId, info)
              ?? Result.Fail(AcdError.Conflict,
                  $"Agent '{caller.AgentId}' needs a registered phone to call a colleague: that phone rings first, then the colleague's.");
        metrics.CallStarted(CallDirection.Internal, "api", result.IsSuccess);
        return result;
    }

    /// <summary>The call, if it exists and the user may see/act on it.</summary>
    public async Task<Result<CallSnapshot>> GetForAsync(string callId, ClaimsPrincipal user)
    {
        var snapshot = await grains.GetGrain<ICallGrain>(callId).GetAsync();
        if (snapshot.Info is null)
        {
            return Result.Fail(AcdError.NotFound, $"Call '{callId}' does not exist.");
        }

        if (!user.IsSupervisor() && !IsAgentOf(snapshot, user.AgentId()))
        {
            return Result.Fail(AcdError.NotFound, $"Call '{callId}' does not exist.");
        }

        return Result<CallSnapshot>.Ok(snapshot);
    }

    public async Task<Result<CallSnapshot>> RunAsync(string callId, ClaimsPrincipal user, CallAction action, HangupSide side = HangupSide.Agent,
        string? reason = null)
    {
        var found = await GetForAsync(callId, user);
        if (!found.IsSuccess)
        {
            return found;
        }

        var snapshot = found.Value!;
        if (CarrierRefuses(snapshot, action switch
            {
                CallAction.Hold or CallAction.Unhold => "hold",
                CallAction.Park => "park",
                CallAction.CompleteTransfer or CallAction.CancelTransfer => "attended (consultation) transfer",
                CallAction.Answer => "answer from the desktop (the agent answers on the 3CX phone)",
                _ => null,
            }) is { } refused)
        {
            return refused;
        }

        var call = grains.GetGrain<ICallGrain>(callId);
        var agentId = snapshot.AgentId ?? user.AgentId();
        if (action is CallAction.Answer or CallAction.Reject && snapshot.CallerAgentId is { } caller && caller == user.AgentId() &&
            !user.IsSupervisor())
        {
            // Only the colleague answers an internal call; its caller may hang up.
            return Result.Fail(AcdError.IllegalTransition, "You placed this internal call: only the called agent answers or rejects it.");
        }

        var result = action switch
        {
            CallAction.Answer or CallAction.Reject when agentId is null =>
                Result.Fail(AcdError.IllegalTransition, "The call is not offered to an agent."),
            CallAction.Answer => await call.AnswerAsync(agentId!),
            CallAction.Reject => await call.RejectAsync(agentId!),
            CallAction.Hangup => await call.HangupAsync(side, reason),
            CallAction.Hold => await call.HoldAsync(),
            CallAction.Unhold => await call.UnholdAsync(),
            CallAction.CompleteTransfer => await call.CompleteTransferAsync(),
            CallAction.CancelTransfer => await call.CancelTransferAsync(),
            CallAction.Park => Plain(await call.ParkAsync()),
            _ => Result.Fail(AcdError.InvalidArgument, "Unknown action."),
        };
        return result.IsSuccess ? Result<CallSnapshot>.Ok(await call.GetAsync()) : result;
    }

    /// <summary>
    /// An agent takes a call that is not its own: directed pickup of a call ringing at another agent, or retrieval of a
    /// parked call. Agents act for themselves, supervisors for anyone; the agent's phone rings for it.
    /// </summary>
    public async Task<Result<CallSnapshot>> TakeAsync(string callId, string agentId, ClaimsPrincipal user, bool parked)
    {
        if (!user.MayActForAgent(agentId))
        {
            return Result.Fail(AcdError.Conflict, "Agents take calls for themselves only.");
        }

        var call = grains.GetGrain<ICallGrain>(callId);
        if ((await call.GetAsync()).Info is null)
        {
            return Result.Fail(AcdError.NotFound, $"Call '{callId}' does not exist.");
        }

        var result = parked ? await call.RetrieveAsync(agentId) : await call.PickupAsync(agentId);
        return result.IsSuccess ? Result<CallSnapshot>.Ok(await call.GetAsync()) : result;
    }

    private static Result Plain<T>(Result<T> result) => result.IsSuccess ? Result.Ok : Result.Fail(result.Error, result.Message ?? "failed");

    public async Task<Result<CallSnapshot>> SendDtmfAsync(string callId, ClaimsPrincipal user, string digits)
    {
        var found = await GetForAsync(callId, user);
        if (!found.IsSuccess)
        {
            return found;
        }

        if (CarrierRefuses(found.Value!, "DTMF towards the caller") is { } refused)
        {
            return refused;
        }

        var call = grains.GetGrain<ICallGrain>(callId);
        var result = await call.SendDtmfAsync(digits);
        return result.IsSuccess ? Result<CallSnapshot>.Ok(await call.GetAsync()) : result;
    }

    /// <summary>Transfers to an agent, a queue or an external number; the kind is inferred when not given.</summary>
    public async Task<Result<CallSnapshot>> TransferAsync(string callId, ClaimsPrincipal user, string target, TransferMode mode,
        TransferTargetKind? kind)
    {
        var found = await GetForAsync(callId, user);
        if (!found.IsSuccess)
        {
            return found;
        }

        var resolved = await targets.ResolveAsync(target, kind);
        if (!resolved.IsSuccess)
        {
            return Result.Fail(resolved.Error, resolved.Message!);
        }

        // 3CX transfers blind to a number (transferto); agents and queues of the ACD and consultations it cannot reach.
        if (CallCarriers.IsThreeCx(found.Value!.Info?.EdgeId)
            && (mode != TransferMode.Blind || resolved.Value!.Kind != DialTargetKind.External)
            && CarrierRefuses(found.Value!, mode != TransferMode.Blind ? "attended (consultation) transfer" : "transfer to an ACD agent or queue") is { } refused)
        {
            return refused;
        }

        var call = grains.GetGrain<ICallGrain>(callId);
        var result = await call.TransferAsync(resolved.Value!.ToTransferTarget(), mode);
        return result.IsSuccess ? Result<CallSnapshot>.Ok(await call.GetAsync()) : result;
    }

    /// <summary>The call's carrier cannot do <paramref name="action"/> (null: no limit applies).</summary>
    private static Result<CallSnapshot>? CarrierRefuses(CallSnapshot call, string? action) =>
        action is not null && CallCarriers.IsThreeCx(call.Info?.EdgeId)
            ? Result.Fail(AcdError.NotSupported, ThreeCxCarrier.Unsupported(action))
            : null;

    /// <summary>An agent sees the calls it has, had or placed to a colleague, and parked calls, which any agent may retrieve.</summary>
    private static bool IsAgentOf(CallSnapshot call, string? agentId) =>
        agentId is not null && (string.Equals(call.AgentId, agentId, StringComparison.Ordinal)
            || string.Equals(call.FirstAgentId, agentId, StringComparison.Ordinal)
            || string.Equals(call.CallerAgentId, agentId, StringComparison.Ordinal)
            || call.Status == CallStatus.Parked);
}

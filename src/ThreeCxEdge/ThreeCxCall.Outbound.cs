using Acd.Calls;
using Acd.Common;
using Acd.ThreeCx;
using Acd.ThreeCx.Rest;

namespace Acd.ThreeCxEdge;

/// <summary>
/// Click-to-dial from the agent's 3CX extension: the grain's PlaceOutbound becomes <c>makecall</c> on the extension
/// (3CX rings the agent's phone and dials the number); the extension's participant turning Connected is the answer,
/// its removal before that a call not answered.
/// </summary>
internal sealed partial class ThreeCxCall
{
    private Routing? _placing;

    /// <summary>A call the agent places from <paramref name="extension"/>; start it with <see cref="StartOutboundAsync"/>.</summary>
    public static ThreeCxCall Outbound(ThreeCxEdgeContext ctx, ThreeCxPbx pbx, string extension, Action<ThreeCxCall> ended) =>
        new(ctx, pbx, ended) { _agentDn = extension };

    /// <summary>The extension the agent places the call from (outbound calls).</summary>
    public string? Extension => _agentDn;

    public bool IsOutbound => Caller is null;

    /// <summary>Attaches this call to a new outbound call grain and starts it (the agent is reserved there).</summary>
    public Task<Result<CallSnapshot>> StartOutboundAsync(string agentId, CallInfo info)
    {
        var done = new TaskCompletionSource<Result<CallSnapshot>>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(async () =>
        {
            try
            {
                _reference = _ctx.Grains.CreateObjectReference<ICallEdgeObserver>(this);
                await _grain.AttachEdgeAsync(_reference);
                var started = await _grain.StartOutboundAsync(agentId, info with { EdgeId = ThreeCxEdgeContext.EdgeIdOf(_pbx) });
                done.TrySetResult(started);
                if (!started.IsSuccess)
                {
                    await EndAsync("the outbound call could not be started: " + started.Message);
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                done.TrySetException(ex);
                await EndAsync("the outbound call could not be started");
            }
        });
        return done.Task;
    }

    public Task PlaceOutboundAsync(PlaceOutbound command)
    {
        Post(() => PlaceAsync(command));
        return Task.CompletedTask;
    }

    private async Task PlaceAsync(PlaceOutbound command)
    {
        if (State != ThreeCxCallState.Starting || _agentDn is not { } extension)
        {
            return;
        }

        var seconds = Math.Max(1, (int)Math.Ceiling(command.RingTimeout.TotalSeconds));
        ThreeCxActionResult? result;
        try
        {
            result = await Client.MakeCallAsync(extension, new ThreeCxMakeCallRequest { Destination = command.Destination, Timeout = seconds });
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogActionFailed(CallId, "makecall", ex.Message);
            result = null;
        }

        if (result is not { Succeeded: true, Result: { } leg })
        {
            LogActionRefused(CallId, "place the call from extension " + extension, result?.Reason ?? result?.ReasonText ?? "no answer from the PBX");
            await SafeAsync(() => _grain.RejectAsync(command.AgentId, command.Sequence, OfferFailure.Declined));
            await EndAsync(null);
            return;
        }

        _placing = new Routing(command.AgentId, extension, command.Sequence);
        _agentParticipant = leg.Id;
        PbxCallId = leg.CallId;
        State = ThreeCxCallState.Routing;
        LogPlacing(CallId, command.AgentId, extension, command.Destination);
        if (leg.IsConnected)
        {
            await OnPlacedCallAnsweredAsync();
        }
    }

    private async Task OnPlacedCallAnsweredAsync()
    {
        if (_placing is not { } placing || State != ThreeCxCallState.Routing)
        {
            return;
        }

        _placing = null;
        var accepted = await SafeAsync(() => _grain.AnswerAsync(placing.AgentId, placing.Ring));
        if (accepted is not { IsSuccess: true })
        {
            LogAnswerRefused(CallId, placing.AgentId, accepted?.ToString() ?? "the cluster did not answer");
            await DropAgentLegAsync(placing.Extension);
            await EndAsync(null);
            return;
        }

        State = ThreeCxCallState.Connected;
        LogConnected(CallId, placing.AgentId, placing.Extension);
    }

    private async Task OnPlacedCallFailedAsync(string why)
    {
        if (_placing is not { } placing)
        {
            return;
        }

        _placing = null;
        LogEnded(CallId, why);
        await SafeAsync(() => _grain.RejectAsync(placing.AgentId, placing.Ring, OfferFailure.Declined));
        await EndAsync(null);
    }
}

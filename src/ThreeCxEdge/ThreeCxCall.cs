using System.Threading.Channels;
using Acd.Agents;
using Acd.CallControl.Calls;
using Acd.Calls;
using Acd.Common;
using Acd.Queues;
using Acd.ThreeCx;
using Acd.ThreeCx.Events;
using Acd.ThreeCx.Rest;
using Microsoft.Extensions.Logging;

namespace Acd.ThreeCxEdge;

/// <summary>How far a 3CX-carried call has come.</summary>
internal enum ThreeCxCallState
{
    /// <summary>The caller rings on the Route Point; the connector answers it and starts the ACD call.</summary>
    Starting,

    /// <summary>In line: the caller hears the queue's music and announcements streamed by the connector.</summary>
    Waiting,

    /// <summary>A <c>routeto</c> to the offered agent's extension is under way (3CX holds it open until answered or rung out).</summary>
    Routing,

    /// <summary>The agent's extension has the caller; the Route Point leg is dropped.</summary>
    Connected,

    Ended,
}

/// <summary>
/// One ACD call carried by a 3CX PBX: the grain's commands become Call Control API actions (ring = <c>routeto</c> the
/// agent's extension, hang up = <c>drop</c>, transfer out = <c>transferto</c>) and the PBX's participant changes become
/// grain calls (answered, rung out, caller gone, digits). Everything runs one item at a time in the call's own queue,
/// so the state needs no locks; a <c>routeto</c>, which 3CX holds open for the whole ring, runs beside the queue and
/// posts its outcome back into it.
/// </summary>
internal sealed partial class ThreeCxCall : ICallEdgeObserver
{
    private readonly ThreeCxEdgeContext _ctx;
    private readonly ILogger _logger;
    private readonly ThreeCxPbx _pbx;
    private readonly Action<ThreeCxCall> _ended;
    private readonly Channel<Func<Task>> _work = Channel.CreateUnbounded<Func<Task>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ICallGrain _grain;
    private ICallEdgeObserver? _reference;
    private WaitingAudioStream? _audio;
    private Routing? _routing;
    private string? _agentDn;
    private int? _agentParticipant;

    /// <summary>A caller ringing on a Route Point (start it with <see cref="Start"/>).</summary>
    public ThreeCxCall(ThreeCxEdgeContext ctx, ThreeCxPbx pbx, ThreeCxParticipant caller, string queueId, Action<ThreeCxCall> ended)
        : this(ctx, pbx, ended)
    {
        Caller = caller;
        PbxCallId = caller.CallId;
        QueueId = queueId;
    }

    private ThreeCxCall(ThreeCxEdgeContext ctx, ThreeCxPbx pbx, Action<ThreeCxCall> ended)
    {
        _ctx = ctx;
        _logger = ctx.Logger;
        _pbx = pbx;
        _ended = ended;
        CallId = CallIds.New();
        _grain = ctx.Grains.GetGrain<ICallGrain>(CallId);
        _ = Task.Run(PumpAsync);
    }

    public string CallId { get; }

    public string QueueId { get; } = "";

    /// <summary>The caller's participant on the Route Point; null on a call the agent placed from its extension.</summary>
    public ThreeCxParticipant? Caller { get; }

    /// <summary>3CX's own call id, shared by every leg of the call (the agent's extension leg after a routeto); 0 until known.</summary>
    public int PbxCallId { get; private set; }

    public ThreeCxCallState State { get; private set; } = ThreeCxCallState.Starting;

    /// <summary>Frames of waiting audio sent to 3CX so far (0 once the caller is connected and the stream is gone).</summary>
    public long AudioFramesSent => _audio?.FramesSent ?? 0;

    private ThreeCxClient Client => _pbx.Client;

    private string RoutePoint => Caller!.Dn;

    private int CallerLeg => Caller!.Id;

    /// <summary>An offer on its way to an agent's extension.</summary>
    private sealed record Routing(string AgentId, string Extension, CommandSequence Ring);

    // ---- start -----------------------------------------------------------------------------------

    /// <summary>Answers the caller on the Route Point (so it can hear the queue) and starts the ACD call.</summary>
    public void Start() => Post(async () =>
    {
        LogArrived(CallId, _pbx.Name, Caller!.PartyCallerId ?? "", RoutePoint, QueueId);
        var answered = await ActAsync(() => Client.AnswerAsync(RoutePoint, CallerLeg), "answer the caller on the Route Point");
        if (!answered)
        {
            await EndAsync("the caller could not be answered on the Route Point");
            return;
        }

        _reference = _ctx.Grains.CreateObjectReference<ICallEdgeObserver>(this);
        var dialled = string.IsNullOrEmpty(Caller!.PartyDid) ? RoutePoint : Caller!.PartyDid;
        var request = new InboundCall(Caller!.PartyCallerId ?? "anonymous", dialled, Caller!.PartyCallerName, QueueId: QueueId,
            EdgeId: ThreeCxEdgeContext.EdgeIdOf(_pbx));
        Result<CallSnapshot>? started;
        try
        {
            started = await _ctx.Inbound.StartAsync(CallId, request, "3cx", grain => grain.AttachEdgeAsync(_reference));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogStartFailed(CallId, ex.Message);
            started = null;
        }

        if (started is not { IsSuccess: true })
        {
            LogStartFailed(CallId, started?.ToString() ?? "the cluster did not answer");
            await ActAsync(() => Client.DropAsync(RoutePoint, CallerLeg), "drop the caller");
            await EndAsync("the ACD call could not be started");
            return;
        }

        if (State == ThreeCxCallState.Starting)
        {
            State = ThreeCxCallState.Waiting;
        }

        if (State is ThreeCxCallState.Waiting or ThreeCxCallState.Routing)
        {
            await StartWaitingAudioAsync();
        }
    });

    private async Task StartWaitingAudioAsync()
    {
        if (_audio is not null)
        {
            return;
        }

        QueueConfig? config = null;
        try
        {
            config = (await _ctx.Grains.GetGrain<IQueueGrain>(QueueId).GetAsync()).Config;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogUnexpected(ex, CallId); // the defaults play instead
        }

        _audio = new WaitingAudioStream(_ctx.Media, _ctx.Audio, Client, RoutePoint, CallerLeg, QueueId, CallId, config, _ctx.Logger);
    }

    private async Task StopWaitingAudioAsync()
    {
        if (_audio is { } audio)
        {
            _audio = null;
            await audio.DisposeAsync();
        }
    }

    // ---- commands from the grain -------------------------------------------------------------------

    public Task RingAgentAsync(RingAgent command)
    {
        Post(() => RingAsync(command));
        return Task.CompletedTask;
    }

    private async Task RingAsync(RingAgent command)
    {
        if (State is ThreeCxCallState.Ended or ThreeCxCallState.Connected)
        {
            return;
        }

        var extension = await ExtensionOfAsync(command.AgentId);
        if (extension is null)
        {
            // Not Unreachable (which leaves the agent Ready): the queue would offer the same agent again at once.
            LogNoExtension(CallId, command.AgentId);
            await SafeAsync(() => _grain.RejectAsync(command.AgentId, command.Sequence, OfferFailure.Declined));
            return;
        }

        var routing = new Routing(command.AgentId, extension, command.Sequence);
        _routing = routing;
        State = ThreeCxCallState.Routing;
        LogRouting(CallId, command.AgentId, extension, (int)command.RingTimeout.TotalSeconds);
        var seconds = Math.Max(1, (int)Math.Ceiling(command.RingTimeout.TotalSeconds));
        _ = Task.Run(async () =>
        {
            ThreeCxActionResult? result;
            try
            {
                result = await Client.RouteToAsync(RoutePoint, CallerLeg, extension, seconds);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogActionFailed(CallId, "routeto", ex.Message);
                result = null;
            }

            Post(() => OnRoutedAsync(routing, result));
        });
    }

    private async Task OnRoutedAsync(Routing routing, ThreeCxActionResult? result)
    {
        var delivered = result is { Succeeded: true };
        if (State == ThreeCxCallState.Ended || !ReferenceEquals(_routing, routing))
        {
            // The call or the offer moved on meanwhile (caller gone, the grain's ring timer): an agent who picked up late
            // has nobody on the ACD's side; its leg is dropped, the caller (if still there) keeps waiting.
            if (delivered)
            {
                LogAnsweredTooLate(CallId, routing.AgentId);
                await DropAgentLegAsync(routing.Extension);
            }

            return;
        }

        _routing = null;
        if (!delivered)
        {
            // A failed routeto is a ring-no-answer: the caller keeps its place on the Route Point and in line.
            LogRouteFailed(CallId, routing.AgentId, result?.Reason ?? result?.ReasonText ?? "no answer");
            State = ThreeCxCallState.Waiting;
            await SafeAsync(() => _grain.RejectAsync(routing.AgentId, routing.Ring, OfferFailure.NoAnswer));
            return;
        }

        var accepted = await SafeAsync(() => _grain.AnswerAsync(routing.AgentId, routing.Ring));
        if (accepted is not { IsSuccess: true })
        {
            LogAnswerRefused(CallId, routing.AgentId, accepted?.ToString() ?? "the cluster did not answer");
            await DropAgentLegAsync(routing.Extension);
            State = ThreeCxCallState.Waiting;
            return;
        }

        State = ThreeCxCallState.Connected;
        _agentDn = routing.Extension;
        await StopWaitingAudioAsync();
        _agentParticipant ??= await FindAgentLegAsync(routing.Extension);
        // THREECX.md's Route Point pattern: once routeto delivered the call, the app drops its own Route Point leg.
        await ActAsync(() => Client.DropAsync(RoutePoint, CallerLeg), "drop the Route Point leg");
        LogConnected(CallId, routing.AgentId, routing.Extension);
    }

    public Task CancelAgentAsync(CancelAgent command)
    {
        Post(() =>
        {
            // 3CX cannot withdraw a routeto: its own timeout (the ring timeout) ends it; what it then reports is stale.
            if (_routing is { } routing && routing.AgentId == command.AgentId && routing.Ring <= command.Ring)
            {
                _routing = null;
                if (State == ThreeCxCallState.Routing)
                {
                    State = ThreeCxCallState.Waiting;
                }
            }

            return Task.CompletedTask;
        });
        return Task.CompletedTask;
    }

    public Task DropAgentAsync(DropAgent command)
    {
        Post(async () =>
        {
            if (_agentDn is { } dn)
            {
                await DropAgentLegAsync(dn);
            }
        });
        return Task.CompletedTask;
    }

    public Task HangUpAsync(HangUpCall command)
    {
        Post(async () =>
        {
            if (State == ThreeCxCallState.Ended)
            {
                return;
            }

            LogHangUp(CallId, command.Disposition.ToString());
            await StopWaitingAudioAsync();
            if (State != ThreeCxCallState.Connected)
            {
                await ActAsync(() => Client.DropAsync(RoutePoint, CallerLeg), "drop the caller");
            }

            if (_agentDn is { } dn)
            {
                await DropAgentLegAsync(dn);
            }

            await EndAsync(null);
        });
        return Task.CompletedTask;
    }

    public Task TransferOutAsync(TransferOut command)
    {
        Post(async () =>
        {
            if (State != ThreeCxCallState.Connected || _agentDn is not { } dn || _agentParticipant is not { } id)
            {
                LogUnsupported(CallId, "a transfer before the agent has the call");
                return;
            }

            // transferto on the agent's leg hands its other party, the caller, to the number; the ACD call ends transferred.
            var moved = await ActAsync(() => Client.TransferToAsync(dn, id, command.Number), "transfer the caller");
            LogTransferred(CallId, command.Number, moved);
            await EndAsync(null);
        });
        return Task.CompletedTask;
    }

    public Task HoldAsync(HoldCall command) => Unsupported("hold");

    public Task ResumeAsync(ResumeCall command) => Unsupported("resume");

    public Task SendDtmfAsync(SendDtmf command) => Unsupported("DTMF towards the caller");

    public Task ConsultAgentAsync(RingAgent command) => Unsupported("consultation");

    public Task CompleteConsultationAsync(CompleteConsultation command) => Unsupported("consultation");

    public Task PlaceInternalAsync(PlaceInternal command) => Unsupported("an internal leg on an inbound call");

    /// <summary>The API refuses these on 3CX-carried calls before the grain acts; one arriving anyway is only logged.</summary>
    private Task Unsupported(string what)
    {
        LogUnsupported(CallId, what);
        return Task.CompletedTask;
    }

    // ---- what the PBX reports ------------------------------------------------------------------------

    /// <summary>A leg of this 3CX call on another DN (the agent's extension after routeto).</summary>
    public void OnLegChanged(ThreeCxParticipant participant) => Post(async () =>
    {
        if (participant.Dn == (_agentDn ?? _routing?.Extension))
        {
            _agentParticipant = participant.Id;
        }

        if (_placing is not null && participant.Id == _agentParticipant && participant.IsConnected)
        {
            await OnPlacedCallAnsweredAsync();
        }
    });

    /// <summary>The caller's Route Point participant is gone: before an agent had it, the caller hung up.</summary>
    public void OnCallerRemoved(ThreeCxRemoval removal) => Post(async () =>
    {
        if (State is ThreeCxCallState.Connected or ThreeCxCallState.Ended)
        {
            return; // dropped by us after the routeto
        }

        var reason = removal.Reason == ThreeCxRemovalReason.MissingFromSnapshot
            ? "the caller's call ended while the 3CX connector could not see the PBX"
            : "the caller hung up";
        LogCallerGone(CallId, reason);
        await StopWaitingAudioAsync();
        await SafeAsync(() => _grain.HangupAsync(HangupSide.Caller, reason));
        await EndAsync(null);
    });

    /// <summary>A leg of this 3CX call on another DN is gone: once connected, the agent's leg ending ends the call.</summary>
    public void OnLegRemoved(ThreeCxRemoval removal) => Post(async () =>
    {
        if (State == ThreeCxCallState.Routing && _placing is not null && removal.Id == _agentParticipant)
        {
            await OnPlacedCallFailedAsync("the 3CX call ended before the destination answered");
            return;
        }

        if (State != ThreeCxCallState.Connected || removal.Dn != _agentDn || (_agentParticipant is { } id && id != removal.Id))
        {
            return;
        }

        var reason = removal.Reason == ThreeCxRemovalReason.MissingFromSnapshot
            ? "the call ended while the 3CX connector could not see the PBX"
            : "the 3CX call ended";
        LogLegEnded(CallId, removal.Dn, reason);
        _agentDn = null;
        await SafeAsync(() => _grain.HangupAsync(HangupSide.Agent, reason));
        await EndAsync(null);
    });

    /// <summary>Digits the caller pressed on the Route Point (3CX's event type 2).</summary>
    public void OnDigits(string digits) => Post(() =>
    {
        foreach (var digit in digits)
        {
            if (DtmfDigits.IsDigit(digit))
            {
                _grain.ReportDigitAsync(digit, fromCustomer: true);
            }
        }

        return Task.CompletedTask;
    });

    // ---- plumbing ----------------------------------------------------------------------------------------

    private async Task<string?> ExtensionOfAsync(string agentId)
    {
        var agent = await SafeAsync(async () => await _ctx.Grains.GetGrain<IAgentGrain>(agentId).GetAsync());
        return agent?.Profile?.ThreeCxExtension;
    }

    private async Task<int?> FindAgentLegAsync(string extension)
    {
        try
        {
            var legs = await Client.GetParticipantsAsync(extension);
            return legs.FirstOrDefault(p => p.CallId == PbxCallId)?.Id;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogActionFailed(CallId, "find the agent's leg", ex.Message);
            return null;
        }
    }

    private async Task DropAgentLegAsync(string extension)
    {
        var id = _agentParticipant ?? await FindAgentLegAsync(extension);
        if (id is { } leg)
        {
            await ActAsync(() => Client.DropAsync(extension, leg), "drop the agent's leg");
        }

        _agentParticipant = null;
    }

    private async Task<bool> ActAsync(Func<Task<ThreeCxActionResult>> action, string what)
    {
        try
        {
            var result = await action();
            if (!result.Succeeded)
            {
                LogActionRefused(CallId, what, result.Reason ?? result.ReasonText ?? $"HTTP {result.HttpStatus}");
            }

            return result.Succeeded;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogActionFailed(CallId, what, ex.Message);
            return false;
        }
    }

    private async Task<T?> SafeAsync<T>(Func<Task<T>> call) where T : class
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogUnexpected(ex, CallId);
            return null;
        }
    }

    private async Task<Result?> SafeAsync(Func<Task<Result>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogUnexpected(ex, CallId);
            return null;
        }
    }

    private async Task EndAsync(string? why)
    {
        if (State == ThreeCxCallState.Ended)
        {
            return;
        }

        if (why is not null)
        {
            LogEnded(CallId, why);
        }

        State = ThreeCxCallState.Ended;
        await StopWaitingAudioAsync();
        _work.Writer.TryComplete();
        if (_reference is { } reference)
        {
            _reference = null;
            // Commands the grain sent just before it ended may still be on their way: let them land first.
            _ = Task.Delay(TimeSpan.FromSeconds(30), _ctx.Time).ContinueWith(_ => _ctx.Grains.DeleteObjectReference<ICallEdgeObserver>(reference),
                CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }

        _ended(this);
    }

    private void Post(Func<Task> work) => _work.Writer.TryWrite(work);

    private async Task PumpAsync()
    {
        await foreach (var work in _work.Reader.ReadAllAsync())
        {
            try
            {
                await work();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogUnexpected(ex, CallId);
            }
        }
    }
}

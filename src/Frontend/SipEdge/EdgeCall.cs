using System.Collections.Immutable;
using System.Globalization;
using Acd.Agents;
using Acd.CallControl.Calls;
using Acd.Calls;
using Acd.Common;
using Acd.Events;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Transactions;
using Acd.Sip.Transports;
using Acd.Sip.Uris;

namespace Acd.Frontend.SipEdge;

/// <summary>
/// One ACD call on this edge: the caller's leg (the inbound INVITE, later its dialog) and the agent legs the call grain
/// asks for. It observes its CallGrain and turns commands into SIP (INVITE/CANCEL/BYE) and SIP outcomes into grain calls.
/// Every entry point (grain event, SIP callback, finished agent INVITE) runs under one gate, so the legs' state needs
/// no further locking; an agent INVITE waits outside the gate so CANCELs and hang-ups are never held up by it.
/// </summary>
internal sealed partial class EdgeCall : ICallEdgeObserver
{
    private readonly SipEdgeService _edge;
    /// <summary>The caller's INVITE for inbound calls; null when the customer's leg is one the edge places (outbound).</summary>
    private readonly SipIncomingCall? _caller;
    private readonly bool _trustedSource;
    private readonly ILogger<EdgeCall> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, AgentLeg> _legs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CommandSequence> _cancelledRing = new(StringComparer.Ordinal);
    private readonly ICallGrain _grain;
    private ICallEdgeObserver? _reference;
    private SipDialog? _callerDialog;
    private readonly HashSet<SipDialog> _seenByProbe = [];
    private readonly LegSdp _callerSdp = new();
    private AgentLeg? _bridged;
    private AgentLeg? _consult;
    private HoldState _hold;
    private bool _callerGone;
    private bool _callerByeSent;
    private bool _ended;

    public EdgeCall(SipEdgeService edge, string callId, string queueId, string dialled, SipIncomingCall caller, bool trustedSource, ILogger<EdgeCall> logger)
    {
        _edge = edge;
        CallId = callId;
        QueueId = queueId;
        Dialled = dialled;
        _caller = caller;
        _trustedSource = trustedSource;
        _logger = logger;
        _grain = edge.Grains.GetGrain<ICallGrain>(callId);
        (CallerNumber, CallerName) = Identify(caller.Invite);
        _callerSdp.Remote = caller.Invite.BodyText;
    }

    /// <summary>
    /// An outbound call to <paramref name="destination"/> through the trunk: click-to-dial (the edge rings the agent's
    /// phone first) or dialled from the agent's phone (<paramref name="agentInvite"/>, the agent's own INVITE).
    /// </summary>
    public EdgeCall(SipEdgeService edge, string callId, string agentId, string destination, SipIncomingCall? agentInvite, ILogger<EdgeCall> logger)
    {
        _edge = edge;
        CallId = callId;
        QueueId = "";
        Dialled = destination;
        _logger = logger;
        _grain = edge.Grains.GetGrain<ICallGrain>(callId);
        CallerNumber = destination;
        Origin = agentInvite is null ? CallOrigin.ClickToDial : CallOrigin.AgentPhone;
        if (agentInvite is not null)
        {
            var leg = new AgentLeg(agentId, TimeSpan.FromSeconds(OutboundLegSeconds + edge.Options.RingGraceSeconds), edge.Time)
            {
                Incoming = agentInvite,
            };
            leg.Sdp.Remote = agentInvite.Invite.BodyText;
            _legs[agentId] = leg;
        }
    }

    public string CallId { get; }

    public CallOrigin Origin { get; } = CallOrigin.Inbound;

    public string QueueId { get; }

    public string Dialled { get; }

    public string CallerNumber { get; }

    public string? CallerName { get; }

    // ---- start --------------------------------------------------------------------------------

    public Task StartAsync() => RunAsync(async () =>
    {
        // A CANCEL from the caller surfaces here; the transaction layer has already answered 487.
        _caller!.Transaction.AddObserver(new OnCancel(() => _ = RunAsync(OnCallerCancelledAsync)));
        _caller.Ring();
        LogCallerArrived(CallId, CallerNumber, Dialled, QueueId);

        // Subscribe before starting: the grain may offer the call (RingAgent) inside StartInbound itself.
        _reference = _edge.Grains.CreateObjectReference<ICallEdgeObserver>(this);
        string? refused;
        try
        {
            var request = new InboundCall(CallerNumber, Dialled, CallerName, QueueId: QueueId, EdgeId: _edge.EdgeId);
            // Retried across a silo failure (Safe): attaching is idempotent, and a start that went through before its
            // answer was lost shows up as a conflict with the call already under way.
            var started = await Safe(() => _edge.Inbound.StartAsync(CallId, request, "sip", grain => grain.AttachEdgeAsync(_reference)));
            refused = started switch
            {
                null => "call grain unreachable",
                { IsSuccess: true } => null,
                { Error: AcdError.Conflict } when await IsUnderWayAsync() => null,
                var failed => failed.ToString(),
            };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            refused = ex.Message;
        }

        if (refused is not null)
        {
            LogStartRefused(CallId, refused);
            _ended = true;
            _callerGone = true;
            _caller!.Reject(503);
            // If the start only timed out, the call may exist after all: end it rather than let it wait for nobody.
            await Safe(() => _grain.FailAsync("the SIP edge could not start the call"));
            await FinishAsync();
        }
    });

    private async Task<bool> IsUnderWayAsync()
    {
        var snapshot = await Safe(async () => (await _grain.GetAsync()).Status);
        return snapshot is CallStatus.Queued or CallStatus.Offered or CallStatus.Connected;
    }

    /// <summary>
    /// Called periodically: a caller on TCP/TLS/WebSocket whose connection closed is gone, even though no CANCEL or
    /// BYE could arrive (UDP legs need session timers or OPTIONS probes, part 2).
    /// </summary>
    public Task CheckCallerFlowAsync()
    {
        if (_caller is null)
        {
            return Task.CompletedTask; // outbound: the customer's leg is ours, the OPTIONS probe watches it
        }

        var source = _caller.Transaction.Source;
        if (_ended || _callerGone || source.FlowId == 0 || _edge.Stack.IsFlowAlive(source.FlowId))
        {
            return Task.CompletedTask;
        }

        return RunAsync(async () =>
        {
            if (_ended || _callerGone)
            {
                return;
            }

            _callerGone = true;
            LogCallerHungUp(CallId, "connection closed");
            foreach (var leg in _legs.Values)
            {
                if (leg.Dialog is null)
                {
                    StopLeg(leg);
                }
                else
                {
                    Bye(leg);
                }
            }

            await HangupAsync(HangupSide.Caller, "caller connection closed");
        });
    }

    /// <summary>The edge is shutting down: end the call (failed) and its legs.</summary>
    public Task AbortAsync(string reason) => RunAsync(async () =>
    {
        if (_ended)
        {
            return;
        }

        TearDown(480);
        await Safe(() => _grain.FailAsync(reason));
        await FinishAsync();
    });

    // ---- grain commands -----------------------------------------------------------------------

    // One-way from the grain: never block its delivery; the gate orders the work.
    public Task RingAgentAsync(RingAgent command) => Enqueue(command, () => RingAsync(command));

    public Task CancelAgentAsync(CancelAgent command) => Enqueue(command, async () =>
    {
        if (!_cancelledRing.TryGetValue(command.AgentId, out var cancelled) || cancelled < command.Ring)
        {
            _cancelledRing[command.AgentId] = command.Ring;
        }

        if (_legs.TryGetValue(command.AgentId, out var leg) && (leg.Ring is null || leg.Ring <= command.Ring))
        {
            LogCancellingAgent(CallId, command.AgentId, command.Reason.ToString());
            if (leg == _consult)
            {
                await EndConsultAsync(leg);
            }
            else
            {
                StopLeg(leg);
            }
        }
    });

    public Task DropAgentAsync(DropAgent command) => Enqueue(command, async () =>
    {
        DropAgent(command.AgentId);
        if (command.Reason == DropReason.Parked)
        {
            await ParkCallerAsync();
        }
    });

    public Task HoldAsync(HoldCall command) => Enqueue(command, () => HoldAsync(true));

    public Task ResumeAsync(ResumeCall command) => Enqueue(command, () => HoldAsync(false));

    public Task SendDtmfAsync(SendDtmf command) => Enqueue(command, () => SendDtmfAsync(command.Digits));

    public Task ConsultAgentAsync(RingAgent command) => Enqueue(command, () => ConsultAsync(command));

    public Task CompleteConsultationAsync(CompleteConsultation command) => Enqueue(command, () => CompleteConsultAsync(command.AgentId));

    public Task PlaceOutboundAsync(PlaceOutbound command) => Enqueue(command, () => PlaceOutboundAsync(command.AgentId, command.Devices, command.RingTimeout));

    public Task TransferOutAsync(TransferOut command) => Enqueue(command, () =>
    {
        TransferOut(command.AgentId, command.Number);
        return Task.CompletedTask;
    });

    public Task HangUpAsync(HangUpCall command) => Enqueue(command, async () =>
    {
        if (command.Disposition == CallDisposition.Transferred && _external is not null)
        {
            await DetachAsync();
        }
        else if (!_ended)
        {
            LogEnded(CallId, command.Disposition.ToString());
            TearDown(command.Disposition == CallDisposition.Failed ? 503 : 480);
            await FinishAsync();
        }
    });

    private Task Enqueue(ICallCommand command, Func<Task> work)
    {
        if (command.CallId == CallId)
        {
            _ = RunAsync(work);
        }

        return Task.CompletedTask;
    }

    // ---- agent legs ---------------------------------------------------------------------------

    private async Task RingAsync(RingAgent command)
    {
        var agentId = command.AgentId;
        if (_ended || _callerGone || _bridged is not null)
        {
            return;
        }

        // Commands are one-way and may overtake each other: a CancelAgent already seen for this offer wins.
        if (_cancelledRing.TryGetValue(agentId, out var cancelled) && cancelled >= command.Sequence)
        {
            return;
        }

        if (_legs.TryGetValue(agentId, out var existing) && !existing.Finished)
        {
            return;
        }

        if (StartLeg(agentId, command.Devices, command.RingTimeout, _callerSdp.Remote, command.Sequence) is null)
        {
            await Safe(() => _grain.RejectAsync(agentId, command.Sequence, OfferFailure.Unreachable));
        }
    }

    /// <summary>INVITEs the agent's phone with <paramref name="media"/> as the offer; null when the agent has no reachable phone.</summary>
    private AgentLeg? StartLeg(string agentId, ImmutableArray<DeviceBinding> devices, TimeSpan ringTimeout, string? media, CommandSequence? ring,
        bool consult = false, SdpShape shape = SdpShape.Active)
    {
        var device = _edge.FindDevice(agentId, devices);
        if (device is not { } found)
        {
            LogNoDevice(CallId, agentId);
            return null;
        }

        // The leg's own limit is a safety net only: normally the grain's ring timer sends CancelAgent first.
        var leg = new AgentLeg(agentId, ringTimeout + TimeSpan.FromSeconds(_edge.Options.RingGraceSeconds), _edge.Time) { IsConsult = consult, Ring = ring };
        _legs[agentId] = leg;
        var offer = media is null ? null : leg.Sdp.Prepare(media, shape);
        LogRingingAgent(CallId, agentId, found.Contact.ToString(), found.Target.ToString());
        _ = Task.Run(() => InviteAgentAsync(leg, found.Contact, found.Target, offer));
        return leg;
    }

    private async Task InviteAgentAsync(AgentLeg leg, SipUri contact, SipTarget target, string? offer)
    {
        SipCallResult? result = null;
        Exception? error = null;
        try
        {
            var from = new SipNameAddress(new SipUri("sip", CallerNumber, _edge.Domain), CallerName);
            var to = new SipNameAddress(new SipUri("sip", leg.AgentId, _edge.Domain));
            result = await _edge.UserAgent.InviteAsync(contact, from, to, offer, target, configure: invite =>
            {
                invite.Headers.Add("P-Asserted-Identity", from.ToString());
                invite.Headers.Add("X-Call-Id", CallId);
            }, cancellationToken: leg.Cancellation.Token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            error = ex;
        }

        await RunAsync(() => OnAgentFinalAsync(leg, result, error));
    }

    private async Task OnAgentFinalAsync(AgentLeg leg, SipCallResult? result, Exception? error)
    {
        if (result is { Success: true, Dialog: { } dialog })
        {
            leg.Dialog = dialog;
            leg.Sdp.Remote = result.FinalResponse.BodyText;
            _edge.Track(dialog, this);
            if (leg.IsConsult && !leg.StopRequested && !_ended && !_callerGone)
            {
                await OnConsultAnsweredAsync(leg);
                return;
            }

            if (leg.StopRequested || _ended || _callerGone || (_bridged is not null && _bridged != leg))
            {
                // The phone's 200 crossed our CANCEL (or the call moved on): release it at once.
                LogAnsweredTooLate(CallId, leg.AgentId);
                Bye(leg);
                return;
            }

            var answered = await Safe(() => _grain.AnswerAsync(leg.AgentId, leg.Ring));
            if (answered is not { IsSuccess: true })
            {
                LogAnswerRefused(CallId, leg.AgentId, answered?.ToString() ?? "grain unreachable");
                Bye(leg);
                return;
            }

            _bridged = leg;
            if (_callerDialog is { } answeredCaller)
            {
                // A transferred or requeued caller is already in a dialog: point its media at the new agent.
                await ReofferAsync(answeredCaller, _callerSdp, leg.Sdp.Remote, SdpShape.Active);
                _hold = HoldState.None;
                LogConnected(CallId, leg.AgentId);
                return;
            }

            if (_caller is null)
            {
                // Click-to-dial: the agent's phone is up; now the destination is called through the trunk.
                await OnAgentReadyToDialAsync(leg);
                return;
            }

            var callerDialog = _caller.Answer(_callerSdp.Prepare(leg.Sdp.Remote ?? "", SdpShape.AsIs));
            if (callerDialog is null)
            {
                // The caller's CANCEL won the race against our 200: the agent answered nobody.
                _bridged = null;
                LogCallerGoneAtAnswer(CallId, leg.AgentId);
                _callerGone = true;
                Bye(leg);
                await HangupAsync(HangupSide.Caller, "caller cancelled");
                return;
            }

            _callerDialog = callerDialog;
            _edge.Track(callerDialog, this);
            LogConnected(CallId, leg.AgentId);
            return;
        }

        leg.Finished = true;
        var status = result?.FinalResponse.StatusCode;
        var reason = error?.Message ?? $"{status} {result?.FinalResponse.ReasonPhrase}";
        if (leg.StopRequested || _ended || _callerGone)
        {
            LogAgentLegCancelled(CallId, leg.AgentId, reason);
            return;
        }

        // Busy, declined, unreachable or timed out: the offer failed, so the call goes back in line (never stuck ringing).
        if (leg.Cancellation.IsCancellationRequested)
        {
            LogRingLimit(CallId, leg.AgentId);
        }

        LogAgentLegFailed(CallId, leg.AgentId, reason);
        if (leg == _bridged)
        {
            // The transfer was completed while the consulted agent still rang, and it never answered.
            _bridged = null;
            await HangupAsync(HangupSide.Agent, "transfer target did not answer");
            return;
        }

        if (leg.IsConsult)
        {
            // The consulted agent did not take the consultation: the caller goes back to the agent who has it.
            _consult = null;
            await Safe(() => _grain.CancelTransferAsync());
            return;
        }

        await Safe(() => _grain.RejectAsync(leg.AgentId, leg.Ring));
    }

    private void StopLeg(AgentLeg leg)
    {
        leg.StopRequested = true;
        if (leg.Dialog is null && leg.Incoming is { } incoming)
        {
            // The agent's own INVITE (a call it dialled) that was never answered.
            leg.Finished = true;
            incoming.Reject(480);
        }
        else if (leg.Dialog is null)
        {
            // CANCEL now if the phone sent a provisional, or as soon as it does (RFC 3261 9.1).
            leg.Cancellation.Cancel();
        }
        else if (leg != _bridged)
        {
            Bye(leg);
        }
    }

    private void Bye(AgentLeg leg)
    {
        leg.Finished = true;
        if (leg.Dialog is { State: not SipDialogState.Terminated } dialog && !leg.ByeSent)
        {
            leg.ByeSent = true;
            LogByeAgent(CallId, leg.AgentId);
            _ = SendByeAsync(dialog);
        }
    }

    private async Task SendByeAsync(SipDialog dialog)
    {
        try
        {
            await _edge.UserAgent.ByeAsync(dialog);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogByeFailed(CallId, ex.Message);
        }
    }

    // ---- caller leg ---------------------------------------------------------------------------

    private async Task OnCallerCancelledAsync()
    {
        if (_callerGone || _callerDialog is not null)
        {
            return;
        }

        _callerGone = true;
        LogCallerCancelled(CallId);
        foreach (var leg in _legs.Values)
        {
            StopLeg(leg);
        }

        await HangupAsync(HangupSide.Caller, "caller cancelled");
    }

    /// <summary>A dialog of this call ended: BYE received, or the leg died (ACK timeout, 408/481 on a request).</summary>
    public void OnDialogTerminated(SipDialog dialog, bool byRemoteBye) => _ = RunAsync(async () =>
    {
        if (dialog == _callerDialog)
        {
            if (_callerByeSent)
            {
                return;
            }

            _callerGone = true;
            LogCallerHungUp(CallId, byRemoteBye ? "BYE" : "leg lost");
            foreach (var leg in _legs.Values)
            {
                if (leg.Dialog is null)
                {
                    StopLeg(leg);
                }
                else
                {
                    Bye(leg);
                }
            }

            await HangupAsync(HangupSide.Caller, byRemoteBye ? null : "caller leg lost");
            return;
        }

        var ended = _legs.Values.FirstOrDefault(l => l.Dialog == dialog);
        if (ended is null || ended.ByeSent)
        {
            return;
        }

        ended.Finished = true;
        ended.ByeSent = true;
        LogAgentHungUp(CallId, ended.AgentId, byRemoteBye ? "BYE" : "leg lost");
        if (ended == _consult)
        {
            // The consulted agent hung up: the transfer is off, the caller returns to the transferring agent.
            await Safe(() => _grain.CancelTransferAsync());
            await EndConsultAsync(ended);
            return;
        }

        if (ended == _bridged && _consult is { Dialog: not null })
        {
            // The transferring agent hung up while talking to the consulted one: that completes the transfer.
            _bridged = null;
            var completed = await Safe(() => _grain.CompleteTransferAsync());
            if (completed is { IsSuccess: true })
            {
                return;
            }

            _bridged = ended;
        }

        if (ended == _bridged)
        {
            ByeCaller();
            await HangupAsync(HangupSide.Agent, byRemoteBye ? null : "agent leg lost");
        }
    });

    private void ByeCaller()
    {
        if (_callerDialog is { State: not SipDialogState.Terminated } dialog && !_callerByeSent && !_callerGone)
        {
            _callerByeSent = true;
            LogByeCaller(CallId);
            _ = SendByeAsync(dialog);
        }
    }

    // ---- ending -------------------------------------------------------------------------------

    /// <summary>Tells the grain who hung up, then ends the legs here without waiting for the grain's Hangup command.</summary>
    private async Task HangupAsync(HangupSide side, string? reason)
    {
        // A caller transferred out is no longer an ACD call: only the legs are left to end.
        var result = _detached ? Result.Ok : await Safe(() => _grain.HangupAsync(side, reason));
        if (result is not { IsSuccess: true })
        {
            LogHangupFailed(CallId, side.ToString(), result?.ToString() ?? "grain unreachable");
        }

        if (!_ended)
        {
            TearDown(480);
            await FinishAsync();
        }
    }

    /// <summary>Stops every leg still up: CANCEL ringing agents, BYE answered ones, and answer or BYE the caller.</summary>
    private void TearDown(int callerStatus)
    {
        _ended = true;
        foreach (var leg in _legs.Values)
        {
            StopLeg(leg);
            if (leg == _bridged)
            {
                Bye(leg);
            }
        }

        if (_callerGone)
        {
            return;
        }

        if (_callerDialog is null)
        {
            // Still waiting (overflowed, failed, hung up by a supervisor): a final response ends the INVITE; an outbound
            // customer leg still being set up is cancelled.
            _callerGone = true;
            LogRejectCaller(CallId, callerStatus);
            _caller?.Reject(callerStatus);
            _trunkCancellation?.Cancel();
        }
        else
        {
            ByeCaller();
        }
    }

    private async Task FinishAsync()
    {
        _ended = true;
        _edge.Forget(this);
        if (_reference is { } reference)
        {
            _reference = null;
            // Commands the grain sent before it ended (its HangUp) may still be in flight: deleting the reference at once
            // would make Orleans log them as errors. Let them land first.
            _ = Task.Delay(TimeSpan.FromSeconds(30), _edge.Time).ContinueWith(
                _ => _edge.Grains.DeleteObjectReference<ICallEdgeObserver>(reference), CancellationToken.None,
                TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    // ---- plumbing -----------------------------------------------------------------------------

    private async Task RunAsync(Func<Task> work)
    {
        await _gate.WaitAsync();
        try
        {
            await work();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogUnexpected(ex, CallId);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A grain call, retried across a silo failure (GrainRetry; the edge's calls are idempotent: answer, reject, hang up, fail).</summary>
    private async Task<T?> Safe<T>(Func<Task<T>> call) where T : struct
    {
        try
        {
            return await GrainRetry.RunAsync(call, _edge.Time);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogGrainCallFailed(ex, CallId);
            return null;
        }
    }

    private async Task Safe(Func<Task> call) => await Safe(async () =>
    {
        await call();
        return true;
    });

    /// <summary>Caller number and name: P-Asserted-Identity from a trusted trunk, else From.</summary>
    private (string Number, string? Name) Identify(Acd.Sip.Messages.SipRequest invite)
    {
        SipNameAddress? identity = null;
        if (_trustedSource && invite.Headers["P-Asserted-Identity"] is { } asserted && SipNameAddress.TryParse(asserted, out var parsed))
        {
            identity = parsed;
        }

        identity ??= invite.From;
        var number = identity?.Uri.UserUnescaped;
        return (string.IsNullOrWhiteSpace(number) ? "anonymous" : number, string.IsNullOrWhiteSpace(identity?.DisplayName) ? null : identity.DisplayName);
    }

    /// <summary>Runs an action when the INVITE it observes is cancelled.</summary>
    private sealed class OnCancel(Action cancelled) : ISipServerTransactionObserver
    {
        public void OnCancelled(SipServerTransaction transaction) => cancelled();
    }

    private sealed class AgentLeg(string agentId, TimeSpan ringLimit, TimeProvider time)
    {
        public string AgentId { get; } = agentId;

        public CancellationTokenSource Cancellation { get; } = new(ringLimit, time);

        public SipDialog? Dialog { get; set; }

        /// <summary>We asked this leg to stop (CancelAgent, caller gone, call ended): its failure is expected.</summary>
        public bool StopRequested { get; set; }

        public bool ByeSent { get; set; }

        public bool Finished { get; set; }

        /// <summary>The agent consulted in an attended transfer (talks to the transferring agent, not the caller).</summary>
        public bool IsConsult { get; set; }

        /// <summary>The grain's command that rang this leg, named when reporting the answer or the failure.</summary>
        public CommandSequence? Ring { get; init; }

        /// <summary>The agent's own INVITE when the agent dialled out from its phone; answered once the destination answers.</summary>
        public SipIncomingCall? Incoming { get; init; }

        /// <summary>The phone transferred the call with REFER and is expected to send its own BYE.</summary>
        public bool Referred { get; set; }

        public LegSdp Sdp { get; } = new();
    }

    private enum HoldState
    {
        None,
        /// <summary>Held from the API or desktop (or for a consultation): the edge re-INVITEd both legs.</summary>
        ByEdge,
        /// <summary>The agent's phone put the call on hold with its own re-INVITE, relayed to the caller.</summary>
        ByPhone,
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: caller {Caller} dialled {Dialled}, queue {QueueId}; 180 Ringing")]
    private partial void LogCallerArrived(string callId, string caller, string dialled, string queueId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: the call grain refused to start ({Reason}); caller rejected 503")]
    private partial void LogStartRefused(string callId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: ringing agent {AgentId} at {Contact} via {Target}")]
    private partial void LogRingingAgent(string callId, string agentId, string contact, string target);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} has no reachable phone; offer rejected")]
    private partial void LogNoDevice(string callId, string agentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: cancelling agent {AgentId} leg ({Reason})")]
    private partial void LogCancellingAgent(string callId, string agentId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} answered after the offer ended; sending BYE")]
    private partial void LogAnsweredTooLate(string callId, string agentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} answered but the grain refused ({Reason}); sending BYE")]
    private partial void LogAnswerRefused(string callId, string agentId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: caller cancelled as agent {AgentId} answered; sending BYE to the agent")]
    private partial void LogCallerGoneAtAnswer(string callId, string agentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: connected caller with agent {AgentId} (200 OK relayed)")]
    private partial void LogConnected(string callId, string agentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} leg ended as asked ({Reason})")]
    private partial void LogAgentLegCancelled(string callId, string agentId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} leg failed ({Reason}); offer rejected")]
    private partial void LogAgentLegFailed(string callId, string agentId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: agent {AgentId} still ringing past the ring timeout and the call grain did not cancel it; the edge cancelled the leg itself")]
    private partial void LogRingLimit(string callId, string agentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: BYE to agent {AgentId}")]
    private partial void LogByeAgent(string callId, string agentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: BYE to caller")]
    private partial void LogByeCaller(string callId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: caller rejected {Status}")]
    private partial void LogRejectCaller(string callId, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: BYE failed: {Reason}")]
    private partial void LogByeFailed(string callId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: caller cancelled before an answer")]
    private partial void LogCallerCancelled(string callId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: caller hung up ({How})")]
    private partial void LogCallerHungUp(string callId, string how);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} hung up ({How})")]
    private partial void LogAgentHungUp(string callId, string agentId, string how);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: ended by the ACD ({Disposition}); tearing down legs")]
    private partial void LogEnded(string callId, string disposition);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: hang-up ({Side}) not accepted by the grain: {Reason}")]
    private partial void LogHangupFailed(string callId, string side, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Call {CallId}: command {Kind} is not carried out by this edge yet")]
    private partial void LogUnsupportedCommand(string callId, string kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: grain call failed")]
    private partial void LogGrainCallFailed(Exception ex, string callId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Call {CallId}: unexpected error in the SIP edge")]
    private partial void LogUnexpected(Exception ex, string callId);
}

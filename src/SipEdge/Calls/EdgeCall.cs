using Acd.CallControl.Calls;
using Acd.Calls;
using Acd.Common;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.SipEdge.Bridging;
using Acd.SipEdge.Legs;
using Microsoft.Extensions.Logging;

namespace Acd.SipEdge.Calls;

/// <summary>How far an edge call has come.</summary>
internal enum EdgeCallState
{
    /// <summary>The caller is ringing and the call grain is being started.</summary>
    Starting,
    /// <summary>The call grain decides and the edge carries its commands out.</summary>
    Active,
    /// <summary>The ACD call ended as transferred out; the edge still bridges the caller and the external party.</summary>
    Detached,
    Ended,
}

/// <summary>Who put the call on hold, so a resume undoes the right thing.</summary>
internal enum HoldState
{
    None,
    /// <summary>The edge re-INVITEd both legs (hold from the API or desktop, a consultation, a park).</summary>
    ByEdge,
    /// <summary>The agent's phone held the call with its own re-INVITE, relayed to the caller.</summary>
    ByPhone,
}

/// <summary>
/// One ACD call on this edge: the customer's leg, the agent legs the call grain asks for, and the bridge between them.
/// It maps the grain's commands onto leg operations and the legs' SIP outcomes onto grain calls. Everything runs in the
/// call's mailbox, one item at a time, so the legs need no locks; commands first pass the sequencer, which restores the
/// order the grain issued them in.
/// </summary>
internal sealed partial class EdgeCall : ICallEdgeObserver, IDialogOwner, ICallMediaEvents
{
    private readonly EdgeContext _edge;
    private readonly ILogger _logger;
    private readonly CallMailbox _mailbox;
    private readonly CommandSequencer<ICallCommand> _commands;
    private readonly ICallGrain _grain;
    private readonly ICallMedia _media;
    private readonly Dictionary<string, Leg> _agents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CommandSequence> _cancelledRings = new(StringComparer.Ordinal);
    private readonly HashSet<SipDialog> _seenByProbe = [];
    private readonly List<SipDialogId> _tracked = [];

    /// <summary>The customer: the caller who dialled in, or the party an outbound call reached through the trunk.</summary>
    private Leg? _customer;

    /// <summary>The agent leg that has the customer.</summary>
    private Leg? _talking;

    /// <summary>The agent consulted in an attended transfer (talks to <see cref="_talking"/> while the customer waits).</summary>
    private Leg? _consulted;

    /// <summary>The number outside the ACD the customer was transferred to.</summary>
    private Leg? _external;

    private EdgeCallState _state = EdgeCallState.Starting;
    private HoldState _hold;
    private ICallEdgeObserver? _reference;

    private EdgeCall(EdgeContext edge, string callId, CallOrigin origin, string queueId, string dialled, string callerNumber, string? callerName)
    {
        _edge = edge;
        _logger = edge.Logger;
        CallId = callId;
        Origin = origin;
        QueueId = queueId;
        Dialled = dialled;
        CallerNumber = callerNumber;
        CallerName = callerName;
        _grain = edge.Grains.GetGrain<ICallGrain>(callId);
        _media = edge.Media.Create(callId, queueId.Length > 0 ? queueId : null, this);
        _mailbox = new CallMailbox(ex => LogUnexpected(ex, CallId));
        _commands = new CommandSequencer<ICallCommand>(c => _mailbox.Post(() => ApplyAsync(c)),
            (last, next) => LogCommandGap(CallId, last.ToString(), next.ToString()), edge.Time);
        BeginTrace();
    }

    /// <summary>A caller's INVITE to a queue number.</summary>
    public static EdgeCall Inbound(EdgeContext edge, string callId, string queueId, string dialled, SipIncomingCall invite, string callerNumber,
        string? callerName)
    {
        var call = new EdgeCall(edge, callId, CallOrigin.Inbound, queueId, dialled, callerNumber, callerName);
        call._customer = Leg.FromInvite(LegKind.Caller, callerNumber, invite, edge.Ua);
        return call;
    }

    public string CallId { get; }

    public CallOrigin Origin { get; }

    public string QueueId { get; }

    public string Dialled { get; }

    public string CallerNumber { get; }

    public string? CallerName { get; }

    /// <summary>Every leg the call holds now (for the probe, shutdown and the dialog lookups).</summary>
    private IEnumerable<Leg> Legs => new[] { _customer, _external }.OfType<Leg>().Concat(_agents.Values);

    // ---- inbound start ------------------------------------------------------------------------------

    /// <summary>
    /// The caller already heard 180 Ringing (sent before any grain call, so a silo failure never leaves it in silence).
    /// The grain is started outside the mailbox: commands it sends while starting (an offer at once) are not held up.
    /// </summary>
    public async Task StartInboundAsync()
    {
        var caller = _customer!;
        caller.Invite!.Transaction.AddObserver(new InviteListener(this));
        LogCallerArrived(CallId, CallerNumber, Dialled, QueueId);
        if (!OpenCustomerMedia(caller))
        {
            return;
        }

        _reference = _edge.Grains.CreateObjectReference<ICallEdgeObserver>(this);
        var request = new InboundCall(CallerNumber, Dialled, CallerName, QueueId: QueueId, EdgeId: _edge.EdgeId);
        string? refused;
        try
        {
            // Retried across a silo failure: attaching is idempotent, and a start that went through before its answer was
            // lost shows up as a conflict with the call already under way.
            using var span = Span("acd.call.start");
            var started = await GrainCalls.RunAsync(() => _edge.Inbound.StartAsync(CallId, request, "sip",
                grain => grain.AttachEdgeAsync(_reference)), _edge.Time);
            refused = started switch
            {
                { IsSuccess: true } => null,
                { Error: AcdError.Conflict } when await IsUnderWayAsync() => null,
                var failed => failed.ToString(),
            };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            refused = ex.Message;
        }

        await _mailbox.RunAsync(async () =>
        {
            if (refused is null)
            {
                if (_state == EdgeCallState.Starting)
                {
                    _state = EdgeCallState.Active;
                }

                return;
            }

            LogStartRefused(CallId, refused);
            caller.Stop("the call could not be started", rejectWith: 503);
            // If the start only timed out, the call may exist after all: end it rather than let it wait for nobody.
            await SafeAsync(() => _grain.FailAsync("the SIP edge could not start the call"));
            await FinishAsync();
        });
    }

    /// <summary>
    /// The caller's media: anchored, the engine answers its offer now and the caller hears the queue's music as early
    /// media (183) until an agent answers. A dry port pool or an offer the engine cannot take refuses this call only.
    /// </summary>
    private bool OpenCustomerMedia(Leg caller)
    {
        var opened = _media.Open(caller);
        if (!opened.Ok)
        {
            LogMediaRefused(CallId, opened.Reason ?? "media refused");
            caller.Stop("media refused", opened.Status);
            _media.Dispose();
            _state = EdgeCallState.Ended;
            _edge.Calls.Forget(this, _tracked);
            EndTrace();
            return false;
        }

        if (_media.IsAnchored && _media.AnswerFor(caller, null) is { } early)
        {
            caller.Progress(early);
            _media.Waiting(caller);
        }

        return true;
    }

    private async Task<bool> IsUnderWayAsync()
    {
        var status = await SafeAsync(async () => (await _grain.GetAsync()).Status);
        return status is CallStatus.Queued or CallStatus.Offered or CallStatus.Connected;
    }

    // ---- commands from the grain --------------------------------------------------------------------

    public Task RingAgentAsync(RingAgent command) => Accept(command);

    public Task CancelAgentAsync(CancelAgent command) => Accept(command);

    public Task DropAgentAsync(DropAgent command) => Accept(command);

    public Task HoldAsync(HoldCall command) => Accept(command);

    public Task ResumeAsync(ResumeCall command) => Accept(command);

    public Task SendDtmfAsync(SendDtmf command) => Accept(command);

    public Task ConsultAgentAsync(RingAgent command) => Accept(new Consultation(command));

    public Task CompleteConsultationAsync(CompleteConsultation command) => Accept(command);

    public Task PlaceOutboundAsync(PlaceOutbound command) => Accept(command);

    public Task PlaceInternalAsync(PlaceInternal command) => Accept(command);

    public Task TransferOutAsync(TransferOut command) => Accept(command);

    public Task HangUpAsync(HangUpCall command) => Accept(command);

    /// <summary>One-way from the grain: never hold its delivery up; the sequencer orders, the mailbox runs.</summary>
    private Task Accept(ICallCommand command)
    {
        if (command.CallId == CallId)
        {
            _commands.Accept(command);
        }

        return Task.CompletedTask;
    }

    private async Task ApplyAsync(ICallCommand command)
    {
        if (_state == EdgeCallState.Ended)
        {
            return;
        }

        if (_state == EdgeCallState.Detached && command is not HangUpCall)
        {
            return; // the ACD is done with this call; only the bridge to the external party is left
        }

        using var span = Span(CommandSpanName(command));
        await (command switch
        {
            RingAgent ring => RingAsync(ring, consultation: false),
            Consultation consult => RingAsync(consult.Ring, consultation: true),
            CancelAgent cancel => CancelAsync(cancel),
            DropAgent drop => DropAsync(drop),
            HoldCall => HoldAsync(true),
            ResumeCall => HoldAsync(false),
            SendDtmf dtmf => SendDigitsAsync(dtmf.Digits),
            CompleteConsultation complete => CompleteConsultationAsync(complete.AgentId),
            PlaceOutbound place => PlaceAsync(place),
            PlaceInternal place => RingCallerPhoneAsync(place),
            TransferOut transfer => HandOutAsync(transfer),
            HangUpCall hangUp => HangUpAsync(hangUp.Disposition),
            _ => Task.CompletedTask,
        });
    }

    private static string CommandSpanName(ICallCommand command) => command switch
    {
        RingAgent => "acd.edge.ring_agent",
        Consultation => "acd.edge.consult_agent",
        CancelAgent => "acd.edge.cancel_agent",
        DropAgent => "acd.edge.drop_agent",
        HoldCall => "acd.edge.hold",
        ResumeCall => "acd.edge.resume",
        SendDtmf => "acd.edge.send_dtmf",
        CompleteConsultation => "acd.edge.complete_consultation",
        PlaceOutbound => "acd.edge.place_outbound",
        PlaceInternal => "acd.edge.place_internal",
        TransferOut => "acd.edge.transfer_out",
        HangUpCall => "acd.edge.hang_up",
        _ => "acd.edge.command",
    };

    /// <summary>A consultation ring, told apart from an offer as it passes the sequencer.</summary>
    private sealed record Consultation(RingAgent Ring) : ICallCommand
    {
        public string CallId => Ring.CallId;

        public CommandSequence Sequence => Ring.Sequence;
    }

    private async Task HangUpAsync(CallDisposition disposition)
    {
        if (disposition == CallDisposition.Transferred && _external is { IsGone: false })
        {
            // Handed outside the ACD: the grain is done, the edge keeps bridging until one of the two hangs up.
            _state = EdgeCallState.Detached;
            LogDetached(CallId);
            return;
        }

        LogEnded(CallId, disposition.ToString());
        TearDown(disposition == CallDisposition.Failed ? 503 : 480);
        await FinishAsync();
    }

    // ---- SIP events on the call's legs ---------------------------------------------------------------

    /// <summary>The caller's CANCEL while its INVITE waited (the INVITE has been answered 487).</summary>
    private void OnCallerCancelled() => _mailbox.Post(async () =>
    {
        using var span = Span("acd.edge.caller_cancelled");
        if (_customer is not { State: LegState.Incoming } caller)
        {
            return;
        }

        caller.OnCancelled();
        LogCallerCancelled(CallId);
        StopAgents("caller cancelled");
        await ReportHangupAsync(HangupSide.Caller, "caller cancelled");
    });

    /// <summary>A dialog of this call ended: BYE received, or the leg died (ACK timeout, 408/481, probe).</summary>
    public void OnDialogTerminated(SipDialog dialog, bool byRemoteBye) => _mailbox.Post(async () =>
    {
        using var span = Span("acd.edge.dialog_ended");
        span?.SetTag("acd.by_remote_bye", byRemoteBye);
        var leg = Legs.FirstOrDefault(l => l.Dialog == dialog);
        if (leg is null || leg.State == LegState.Ended)
        {
            return;
        }

        var wasEnding = leg.State == LegState.Ending;
        leg.OnDialogEnded(byRemoteBye ? "BYE" : "leg lost");
        _media.Remove(leg);
        if (wasEnding)
        {
            return; // we ended it ourselves; its BYE's 200 (or failure) is all this is
        }

        await OnLegLostAsync(leg, byRemoteBye ? null : leg.Kind == LegKind.Agent ? "agent leg lost" : "caller leg lost");
    });

    /// <summary>A leg the call still needed is gone: the other side follows, or a transfer completes.</summary>
    private async Task OnLegLostAsync(Leg leg, string? reason)
    {
        if (leg == _customer || leg == _external)
        {
            LogCallerHungUp(CallId, leg.Party, reason ?? "BYE");
            if (_state == EdgeCallState.Detached)
            {
                TearDown(480);
                await FinishAsync();
                return;
            }

            StopAgents("caller hung up");
            if (leg == _external)
            {
                _customer?.Stop("transfer partner hung up");
            }

            await ReportHangupAsync(HangupSide.Caller, reason);
            return;
        }

        LogAgentHungUp(CallId, leg.Party, reason ?? "BYE");
        if (leg == _consulted)
        {
            // The consulted agent hung up: the transfer is off, the caller returns to the transferring agent.
            await SafeAsync(() => _grain.CancelTransferAsync());
            await EndConsultationAsync(leg);
            return;
        }

        if (leg == _talking && _consulted is { IsUp: true })
        {
            // The transferring agent hung up while talking to the consulted one: that completes the transfer.
            var completed = await SafeAsync(() => _grain.CompleteTransferAsync());
            if (completed is { IsSuccess: true })
            {
                return; // the grain's CompleteConsultation hands the caller over
            }
        }

        if (leg == _talking)
        {
            _talking = null;
            _customer?.Stop("agent hung up");
            await ReportHangupAsync(HangupSide.Agent, reason);
        }
    }

    // ---- ending ---------------------------------------------------------------------------------------

    /// <summary>Tells the grain who hung up, then ends the legs here without waiting for its HangUp command.</summary>
    private async Task ReportHangupAsync(HangupSide side, string? reason)
    {
        if (_state is EdgeCallState.Active or EdgeCallState.Starting)
        {
            var result = await SafeAsync(() => _grain.HangupAsync(side, reason));
            if (result is not { IsSuccess: true })
            {
                LogHangupFailed(CallId, side.ToString(), result?.ToString() ?? "grain unreachable");
            }
        }

        if (_state != EdgeCallState.Ended)
        {
            TearDown(480);
            await FinishAsync();
        }
    }

    /// <summary>Stops every leg still up: cancels ringing agents, BYEs answered ones, rejects or BYEs the caller.</summary>
    private void TearDown(int callerStatus)
    {
        StopAgents("call ended");
        _external?.Stop("call ended");
        _customer?.Stop("call ended", callerStatus);
    }

    private void StopAgents(string why)
    {
        foreach (var leg in _agents.Values)
        {
            if (!leg.EndsByItself)
            {
                leg.Stop(why);
            }
        }
    }

    private async Task FinishAsync()
    {
        if (_state == EdgeCallState.Ended)
        {
            return;
        }

        _state = EdgeCallState.Ended;
        _edge.Calls.Forget(this, _tracked);
        _commands.Dispose();
        _media.Dispose();
        EndTrace();
        if (_reference is { } reference)
        {
            _reference = null;
            // Commands the grain sent before it ended (its HangUp) may still be in flight: deleting the reference at once
            // would make Orleans log them as errors. Let them land first.
            _ = Task.Delay(TimeSpan.FromSeconds(30), _edge.Time).ContinueWith(
                _ => _edge.Grains.DeleteObjectReference<ICallEdgeObserver>(reference), CancellationToken.None,
                TaskContinuationOptions.None, TaskScheduler.Default);
        }

        await Task.CompletedTask;
    }

    /// <summary>
    /// The edge is shutting down: end the call and its legs. A conversation under way ends as the answered call it was
    /// (hung up by the system, with the reason); a call nobody answered yet failed.
    /// </summary>
    public Task AbortAsync(string reason) => _mailbox.RunAsync(async () =>
    {
        if (_state == EdgeCallState.Ended)
        {
            return;
        }

        var talking = _talking is { State: LegState.Connected };
        TearDown(480);
        if (_state != EdgeCallState.Detached)
        {
            var ended = talking ? await SafeAsync(() => _grain.HangupAsync(HangupSide.System, reason)) : null;
            if (ended is not { IsSuccess: true })
            {
                await SafeAsync(() => _grain.FailAsync(reason));
            }
        }

        await FinishAsync();
    });

    // ---- plumbing -------------------------------------------------------------------------------------

    /// <summary>Makes <paramref name="leg"/>'s dialog this call's, so its in-dialog requests and its end come here.</summary>
    private void Track(Leg leg)
    {
        if (leg.Dialog is { } dialog)
        {
            Track(dialog);
        }
    }

    private void Track(SipDialog dialog)
    {
        _edge.Calls.Track(dialog, this);
        _tracked.Add(dialog.Id);
    }

    /// <summary>A grain call, bounded and retried across a silo failure (the edge's calls are idempotent: answer, reject, hang up, fail).</summary>
    private async Task<T?> SafeAsync<T>(Func<Task<T>> call) where T : struct
    {
        try
        {
            return await GrainCalls.RunAsync(call, _edge.Time);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogGrainCallFailed(ex, CallId);
            return null;
        }
    }

    private Task SafeAsync(Func<Task> call) => SafeAsync(async () =>
    {
        await call();
        return true;
    });

    /// <summary>The caller's INVITE transaction: its CANCEL, and the ACK that brings the answer to a late offer.</summary>
    private sealed class InviteListener(EdgeCall call) : Acd.Sip.Transactions.ISipServerTransactionObserver
    {
        public void OnCancelled(Acd.Sip.Transactions.SipServerTransaction transaction) => call.OnCallerCancelled();

        public void OnAckReceived(Acd.Sip.Transactions.SipServerTransaction transaction, SipRequest ack)
        {
            if (ack.Body.Length > 0)
            {
                call.OnLateAnswer(ack.BodyText);
            }
        }
    }

    /// <summary>The caller's INVITE had no offer: its answer came in the ACK.</summary>
    private void OnLateAnswer(string answer) => _mailbox.Post(() =>
    {
        if (_customer is { Invite: not null } caller && _media.IsAnchored)
        {
            caller.Sdp.Remote = answer;
            _media.Answered(caller);
        }
    });
}

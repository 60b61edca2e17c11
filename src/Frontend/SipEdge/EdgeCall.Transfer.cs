using System.Globalization;
using Acd.Agents;
using Acd.CallControl.Calls;
using Acd.Calls;
using Acd.Catalog;
using Acd.Common;
using Acd.Events;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Transactions;

namespace Acd.Frontend.SipEdge;

/// <summary>
/// Transfers on the wire. Blind: the grain drops the agent (its leg ends) and offers the caller elsewhere; the next
/// agent's answer is re-INVITEd to the caller. Attended: the consulted agent is rung with the transferring agent's
/// media, both agents talk while the caller waits on hold, then the caller is re-pointed at the consulted agent
/// (complete) or back (cancel). A phone's REFER becomes a blind transfer, reported back with NOTIFY sipfrag (RFC 3515).
/// </summary>
internal sealed partial class EdgeCall
{
    /// <summary>How long a phone that REFERred its call may take to send its own BYE before the edge sends one.</summary>
    private static readonly TimeSpan TransferorByeGrace = TimeSpan.FromSeconds(4);

    /// <summary>The agent left the call (blind transfer): its leg ends, the caller waits for whoever the grain offers next.</summary>
    private void DropAgent(string agentId)
    {
        if (!_legs.TryGetValue(agentId, out var leg) || leg.Finished)
        {
            return;
        }

        if (leg == _bridged)
        {
            _bridged = null;
        }

        if (_consult == leg)
        {
            _consult = null;
        }

        LogDroppingAgent(CallId, agentId);
        if (leg.Referred && leg.Dialog is not null)
        {
            // The transferring phone ends its own dialog after the final NOTIFY (RFC 5589); BYE only if it does not.
            _ = ByeLaterAsync(leg);
            return;
        }

        StopLeg(leg);
    }

    private async Task ByeLaterAsync(AgentLeg leg)
    {
        await Task.Delay(TransferorByeGrace, _edge.Time);
        await RunAsync(() =>
        {
            Bye(leg);
            return Task.CompletedTask;
        });
    }

    /// <summary>Attended transfer: ring the consulted agent with the transferring agent's media.</summary>
    private async Task ConsultAsync(RingAgent command)
    {
        var agentId = command.AgentId;
        if (_ended || _callerGone || _bridged is not { Dialog: not null } transferring || _consult is not null)
        {
            LogConsultImpossible(CallId, agentId);
            await Safe(() => _grain.CancelTransferAsync());
            return;
        }

        var leg = StartLeg(agentId, command.Devices, command.RingTimeout, transferring.Sdp.Remote, command.Sequence, consult: true);
        if (leg is null)
        {
            await Safe(() => _grain.CancelTransferAsync());
            return;
        }

        _consult = leg;
    }

    /// <summary>The consulted agent answered: the caller waits on hold and the two agents talk.</summary>
    private async Task OnConsultAnsweredAsync(AgentLeg leg)
    {
        if (_consult != leg || _bridged is not { Dialog: { } transferringDialog } transferring)
        {
            LogAnsweredTooLate(CallId, leg.AgentId);
            Bye(leg);
            return;
        }

        var answered = await Safe(() => _grain.AnswerAsync(leg.AgentId, leg.Ring));
        if (answered is not { IsSuccess: true })
        {
            LogAnswerRefused(CallId, leg.AgentId, answered?.ToString() ?? "grain unreachable");
            _consult = null;
            Bye(leg);
            return;
        }

        LogConsultConnected(CallId, transferring.AgentId, leg.AgentId);
        var holdCaller = _callerDialog is { } callerDialog && _hold == HoldState.None
            ? ReofferAsync(callerDialog, _callerSdp, transferring.Sdp.Remote, SdpShape.Held)
            : Task.FromResult(true);
        _hold = HoldState.ByEdge;
        await Task.WhenAll(holdCaller, ReofferAsync(transferringDialog, transferring.Sdp, leg.Sdp.Remote, SdpShape.Active));
    }

    /// <summary>The grain completed the attended transfer: the consulted agent takes the caller, the transferring agent leaves.</summary>
    private async Task CompleteConsultAsync(string agentId)
    {
        if (!_legs.TryGetValue(agentId, out var leg) || leg.Finished || _ended)
        {
            return;
        }

        var previous = _bridged;
        _consult = null;
        leg.IsConsult = false;
        _bridged = leg;
        if (previous is not null && previous != leg)
        {
            Bye(previous);
        }

        LogTransferCompleted(CallId, previous?.AgentId ?? "-", agentId);
        if (leg.Dialog is not { } dialog)
        {
            // Completed while the consulted phone still rings: it takes the caller when it answers.
            return;
        }

        _hold = HoldState.None;
        var toCaller = _callerDialog is { } callerDialog
            ? ReofferAsync(callerDialog, _callerSdp, leg.Sdp.Remote, SdpShape.Active)
            : Task.FromResult(true);
        await Task.WhenAll(toCaller, ReofferAsync(dialog, leg.Sdp, _callerSdp.Remote, SdpShape.Active));
    }

    /// <summary>The consultation ended without a transfer: the transferring agent and the caller talk again.</summary>
    private async Task EndConsultAsync(AgentLeg leg)
    {
        if (_consult != leg)
        {
            StopLeg(leg);
            return;
        }

        _consult = null;
        var wasTalking = leg.Dialog is not null;
        StopLeg(leg);
        if (!wasTalking || _ended || _callerGone || _bridged is not { Dialog: { } transferringDialog } transferring)
        {
            return;
        }

        LogConsultEnded(CallId, leg.AgentId);
        _hold = HoldState.None;
        var toCaller = _callerDialog is { } callerDialog
            ? ReofferAsync(callerDialog, _callerSdp, transferring.Sdp.Remote, SdpShape.Active)
            : Task.FromResult(true);
        await Task.WhenAll(toCaller, ReofferAsync(transferringDialog, transferring.Sdp, _callerSdp.Remote, SdpShape.Active));
    }

    // ---- park and pickup -----------------------------------------------------------------------

    /// <summary>The call was parked: the agent's leg is gone, the caller waits on hold until someone retrieves it.</summary>
    private async Task ParkCallerAsync()
    {
        if (_ended || _callerGone || _callerDialog is not { } callerDialog || _callerSdp.LastSent is not { } current)
        {
            return;
        }

        LogParked(CallId);
        _hold = HoldState.ByEdge;
        await ReofferAsync(callerDialog, _callerSdp, current, SdpShape.Held);
    }

    /// <summary>
    /// An agent's phone dialled the park slot or the pickup code of this call: the grain connects the agent at once, the
    /// phone's INVITE is answered with the caller's media and the caller is pointed at the phone.
    /// </summary>
    public Task TakeFromPhoneAsync(SipIncomingCall incoming, string agentId, bool pickup) => RunAsync(async () =>
    {
        if (_ended || _callerGone)
        {
            incoming.Reject(404);
            return;
        }

        var taken = await Safe(() => pickup ? _grain.PickupAsync(agentId, ring: false) : _grain.RetrieveAsync(agentId, ring: false));
        if (taken is not { IsSuccess: true })
        {
            LogTakeRefused(CallId, agentId, taken?.ToString() ?? "grain unreachable");
            incoming.Reject(taken?.Error is AcdError.Busy or AcdError.Conflict or AcdError.IllegalTransition ? 486 : 404);
            return;
        }

        var leg = new AgentLeg(agentId, TimeSpan.FromSeconds(_edge.Options.RingGraceSeconds + 30), _edge.Time) { Incoming = incoming };
        leg.Sdp.Remote = incoming.Invite.BodyText;
        _legs[agentId] = leg;
        var dialog = incoming.Answer(leg.Sdp.Prepare(_callerSdp.Remote ?? "", SdpShape.Active));
        if (dialog is null)
        {
            leg.Finished = true;
            await HangupAsync(HangupSide.Agent, "agent cancelled");
            return;
        }

        leg.Dialog = dialog;
        _edge.Track(dialog, this);
        _bridged = leg;
        LogTakenFromPhone(CallId, agentId, pickup ? "pickup" : "park retrieval");
        if (_callerDialog is { } callerDialog)
        {
            _hold = HoldState.None;
            await ReofferAsync(callerDialog, _callerSdp, leg.Sdp.Remote, SdpShape.Active);
            return;
        }

        // Picked up while the caller still heard ringing: its INVITE is answered now.
        var answered = _caller?.Answer(_callerSdp.Prepare(leg.Sdp.Remote ?? "", SdpShape.AsIs));
        if (answered is null)
        {
            _callerGone = true;
            Bye(leg);
            await HangupAsync(HangupSide.Caller, "caller cancelled");
            return;
        }

        _callerDialog = answered;
        _edge.Track(answered, this);
    });

    // ---- REFER from a phone -------------------------------------------------------------------

    /// <summary>
    /// The answering agent's phone transfers the call (blind REFER): the target is an agent id, a queue number or an
    /// external number; the outcome goes back as NOTIFY message/sipfrag and the phone then hangs up its leg.
    /// </summary>
    private async Task OnReferAsync(SipServerTransaction tx, SipDialog dialog)
    {
        var leg = _legs.Values.FirstOrDefault(l => l.Dialog == dialog);
        if (leg is null || leg != _bridged || _consult is not null || _ended)
        {
            // Callers and trunks do not move calls around inside the ACD; neither does an agent who is not on the call.
            tx.Respond(tx.CreateResponse(403, "Forbidden - only the agent on the call can transfer it"));
            return;
        }

        var referTo = tx.Request.Headers[SipHeaderNames.ReferTo];
        if (referTo is null || !SipNameAddress.TryParse(referTo, out var address) || address is null ||
            string.IsNullOrWhiteSpace(address.Uri.UserUnescaped))
        {
            tx.Respond(tx.CreateResponse(400, "Bad Request - Refer-To needs a user part (agent id, queue number or number)"));
            return;
        }

        if (address.Uri.Headers.TryGet("Replaces", out var replacesValue))
        {
            await OnAttendedReferAsync(tx, dialog, leg, Uri.UnescapeDataString(replacesValue ?? ""));
            return;
        }

        var user = address.Uri.UserUnescaped!;
        tx.Respond(tx.CreateResponse(202));
        await NotifyReferAsync(dialog, 100, "Trying");
        var target = await ClassifyTargetAsync(user);
        if (target is null)
        {
            LogReferRefused(CallId, leg.AgentId, user, "no agent, queue or phone number has that name");
            await NotifyReferAsync(dialog, 404, null);
            return;
        }

        if (target.Kind == TransferTargetKind.External && !_edge.CanCallOut)
        {
            LogReferRefused(CallId, leg.AgentId, user, "no agent or queue has that number and no outbound trunk is configured");
            await NotifyReferAsync(dialog, 404, null);
            return;
        }

        var result = await Safe(() => _grain.TransferAsync(target, TransferMode.Blind));
        if (result is { IsSuccess: true })
        {
            leg.Referred = true;
            if (_bridged == leg)
            {
                _bridged = null;
            }

            LogReferAccepted(CallId, leg.AgentId, target.Kind.ToString(), target.Value);
            await NotifyReferAsync(dialog, 200, "OK");
            return;
        }

        var status = result?.Error switch
        {
            AcdError.NotFound => 404,
            AcdError.Conflict or AcdError.IllegalTransition or AcdError.Busy => 486,
            AcdError.InvalidArgument => 400,
            _ => 503,
        };
        LogReferRefused(CallId, leg.AgentId, user, result?.ToString() ?? "grain unreachable");
        await NotifyReferAsync(dialog, status, null);
    }

    /// <summary>
    /// Attended transfer set up on the phone (RFC 3891): the agent called into the ACD from its phone (a queue number),
    /// talked to the agent who answered, and now REFERs its customer call with Replaces naming that consultation dialog.
    /// The edge is the transferee and the target at once, so no new INVITE is needed: the consulted agent's leg moves
    /// into this call, the customer and that agent are re-INVITEd towards each other, and both of the transferring
    /// phone's dialogs end (the consultation one with BYE, the customer one after the final NOTIFY).
    /// </summary>
    private async Task OnAttendedReferAsync(SipServerTransaction tx, SipDialog dialog, AgentLeg transferring, string replacesValue)
    {
        if (!SipReplaces.TryParse(replacesValue, out var replaces) || replaces is null)
        {
            tx.Respond(tx.CreateResponse(400, "Bad Request - malformed Replaces in Refer-To"));
            return;
        }

        var consultation = _edge.FindByDialog(replaces);
        if (consultation is null || consultation == this)
        {
            // Consultations the edge does not carry (straight to another phone, through another PBX) cannot be joined here.
            LogReferRefused(CallId, transferring.AgentId, replacesValue, "the Replaces dialog is not a call this edge carries");
            tx.Respond(tx.CreateResponse(481, "Call/Transaction Does Not Exist - the consultation must be a call through the ACD"));
            return;
        }

        tx.Respond(tx.CreateResponse(202));
        await NotifyReferAsync(dialog, 100, "Trying");
        var consulted = await consultation.ReleaseAnsweringLegAsync(replaces);
        if (consulted is null)
        {
            LogReferRefused(CallId, transferring.AgentId, replacesValue, "the consultation has no answered agent leg");
            await NotifyReferAsync(dialog, 481, null);
            return;
        }

        var result = await Safe(() => _grain.TakeOverFromAsync(consultation.CallId));
        if (result is not { IsSuccess: true })
        {
            LogReferRefused(CallId, transferring.AgentId, replacesValue, result?.ToString() ?? "grain unreachable");
            await consultation.RestoreAnsweringLegAsync(consulted);
            await NotifyReferAsync(dialog, 503, null);
            return;
        }

        // From here the consulted agent's leg belongs to this call (its BYE, re-INVITEs and probes come here).
        _legs[consulted.AgentId] = consulted;
        _edge.Track(consulted.Dialog!, this);
        transferring.Referred = true;
        _bridged = consulted;
        _hold = HoldState.None;
        LogAttendedReferCompleted(CallId, transferring.AgentId, consulted.AgentId, consultation.CallId);
        var toCaller = _callerDialog is { } callerDialog
            ? ReofferAsync(callerDialog, _callerSdp, consulted.Sdp.Remote, SdpShape.Active)
            : Task.FromResult(true);
        await Task.WhenAll(toCaller, ReofferAsync(consulted.Dialog!, consulted.Sdp, _callerSdp.Remote, SdpShape.Active));
        await NotifyReferAsync(dialog, 200, "OK");
    }

    /// <summary>
    /// This call is the consultation a phone's attended transfer names (its caller dialog is <paramref name="replaces"/>):
    /// gives up the answering agent's leg, which another call takes over, so ending this call will not BYE it.
    /// </summary>
    private async Task<AgentLeg?> ReleaseAnsweringLegAsync(SipReplaces replaces)
    {
        AgentLeg? released = null;
        await RunAsync(() =>
        {
            if (!_ended && _callerDialog is { } callerDialog && replaces.Designates(callerDialog) &&
                _bridged is { Dialog: { State: SipDialogState.Confirmed } } bridged && _consult is null)
            {
                released = bridged;
                _bridged = null;
                _legs.Remove(bridged.AgentId);
            }

            return Task.CompletedTask;
        });
        return released;
    }

    /// <summary>The takeover failed: the consultation gets its agent leg back as it was.</summary>
    private Task RestoreAnsweringLegAsync(AgentLeg leg) => RunAsync(() =>
    {
        if (!_ended && _bridged is null)
        {
            _legs[leg.AgentId] = leg;
            _bridged = leg;
        }
        else
        {
            Bye(leg);
        }

        return Task.CompletedTask;
    });

    /// <summary>A REFER's target, resolved as the API resolves transfer targets (agent, queue, number).</summary>
    private async Task<TransferTarget?> ClassifyTargetAsync(string user)
    {
        try
        {
            var resolved = await _edge.Targets.ResolveAsync(user);
            return resolved.IsSuccess ? resolved.Value!.ToTransferTarget() : null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogGrainCallFailed(ex, CallId);
            return null;
        }
    }

    private async Task NotifyReferAsync(SipDialog dialog, int status, string? reason)
    {
        if (dialog.State == SipDialogState.Terminated)
        {
            return;
        }

        try
        {
            var notify = dialog.CreateReferNotify(status, reason);
            var response = await _edge.UserAgent.SendInDialogAsync(dialog, notify);
            if (!response.IsSuccess)
            {
                LogNotifyFailed(CallId, response.StatusCode.ToString(CultureInfo.InvariantCulture));
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogNotifyFailed(CallId, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: parked; caller on hold")]
    private partial void LogParked(string callId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} took the call from its phone ({How})")]
    private partial void LogTakenFromPhone(string callId, string agentId, string how);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} could not take the call from its phone: {Reason}")]
    private partial void LogTakeRefused(string callId, string agentId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} left the call (transfer); ending its leg")]
    private partial void LogDroppingAgent(string callId, string agentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: cannot consult agent {AgentId}: no agent is talking to the caller")]
    private partial void LogConsultImpossible(string callId, string agentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {Transferring} consults agent {Consulted}; caller on hold")]
    private partial void LogConsultConnected(string callId, string transferring, string consulted);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: transfer completed from agent {From} to agent {To}")]
    private partial void LogTransferCompleted(string callId, string from, string to);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: consultation with agent {AgentId} ended; caller back with the transferring agent")]
    private partial void LogConsultEnded(string callId, string agentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} REFERred the call to {Kind} {Target}")]
    private partial void LogReferAccepted(string callId, string agentId, string kind, string target);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId}'s phone joined it to its consultation {Consultation}; agent {ConsultedAgentId} takes the caller (REFER with Replaces)")]
    private partial void LogAttendedReferCompleted(string callId, string agentId, string consultedAgentId, string consultation);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: REFER from agent {AgentId} to {Target} refused: {Reason}")]
    private partial void LogReferRefused(string callId, string agentId, string target, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: NOTIFY for a REFER failed: {Reason}")]
    private partial void LogNotifyFailed(string callId, string reason);
}

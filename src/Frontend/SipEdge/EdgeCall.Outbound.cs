using System.Collections.Immutable;
using System.Globalization;
using Acd.Agents;
using Acd.Calls;
using Acd.Common;
using Acd.Events;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Transports;
using Acd.Sip.Uris;

namespace Acd.Frontend.SipEdge;

/// <summary>How an edge call came about.</summary>
internal enum CallOrigin
{
    /// <summary>A caller dialled a queue number.</summary>
    Inbound,
    /// <summary>Click-to-dial from the API or desktop: the agent's phone is rung first, then the destination.</summary>
    ClickToDial,
    /// <summary>The agent dialled an outside number on its own phone.</summary>
    AgentPhone,
}

/// <summary>
/// Legs through the outbound trunk: the customer's leg of outbound calls (click-to-dial, or dialled from the agent's
/// phone) and the far leg of a blind transfer to an external number. Media follows third-party call control
/// (RFC 3725): the agent's phone is rung with a placeholder (inactive) offer, the trunk gets the phone's media, and
/// the phone is then re-INVITEd with the trunk's answer.
/// </summary>
internal sealed partial class EdgeCall
{
    /// <summary>How long the agent's own outgoing INVITE may wait for the destination before the edge gives up on it.</summary>
    private const int OutboundLegSeconds = 60;

    private CancellationTokenSource? _trunkCancellation;
    private string _agentNumber = "";
    private AgentLeg? _external;
    private bool _detached;

    /// <summary>Subscribes, then starts the outbound call in its grain (which answers with PlaceOutbound).</summary>
    public async Task<Result<CallSnapshot>> StartOutboundAsync(string agentId, CallInfo info)
    {
        await _gate.WaitAsync();
        try
        {
            if (Origin == CallOrigin.AgentPhone && _legs.GetValueOrDefault(agentId)?.Incoming is { } incoming)
            {
                incoming.Transaction.AddObserver(new OnCancel(() => _ = RunAsync(() => OnAgentCancelledDialAsync(agentId))));
            }

            _agentNumber = info.Ani;
            _reference = _edge.Grains.CreateObjectReference<ICallEdgeObserver>(this);
            await _grain.AttachEdgeAsync(_reference);
            var started = await _grain.StartOutboundAsync(agentId, info with { EdgeId = _edge.EdgeId });
            if (!started.IsSuccess)
            {
                LogStartRefused(CallId, started.ToString());
                _ended = true;
                _legs.GetValueOrDefault(agentId)?.Incoming?.Reject(started.Error == AcdError.NotFound ? 404 : 486);
                await FinishAsync();
            }

            return started;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogGrainCallFailed(ex, CallId);
            _ended = true;
            _legs.GetValueOrDefault(agentId)?.Incoming?.Reject(503);
            await FinishAsync();
            return Result.Fail(AcdError.Conflict, "The outbound call could not be started: " + ex.Message);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The grain's PlaceOutbound: ring the agent's phone (click-to-dial) or, when the agent dialled, the destination.</summary>
    private async Task PlaceOutboundAsync(string agentId, ImmutableArray<DeviceBinding> devices, TimeSpan ringTimeout)
    {
        if (_ended)
        {
            return;
        }

        if (Origin == CallOrigin.AgentPhone)
        {
            if (_legs.GetValueOrDefault(agentId) is { Incoming: { } incoming } own)
            {
                incoming.Ring();
                StartTrunkLeg(own.Sdp.Remote, external: null);
            }

            return;
        }

        // Nothing to talk to yet: the phone gets an inactive placeholder and is re-INVITEd once the destination answers.
        var leg = StartLeg(agentId, devices, ringTimeout, PlaceholderSdp(), ring: null, shape: SdpShape.AsIs);
        if (leg is null)
        {
            await Safe(() => _grain.RejectAsync(agentId));
        }
    }

    /// <summary>Click-to-dial: the agent's phone answered; now the destination is called.</summary>
    private Task OnAgentReadyToDialAsync(AgentLeg leg)
    {
        _bridged = leg;
        LogDialling(CallId, leg.AgentId, Dialled);
        StartTrunkLeg(leg.Sdp.Remote, external: null);
        return Task.CompletedTask;
    }

    /// <summary>The agent hung up its own outgoing call before the destination answered.</summary>
    private async Task OnAgentCancelledDialAsync(string agentId)
    {
        if (_ended || _legs.GetValueOrDefault(agentId) is not { Dialog: null } leg)
        {
            return;
        }

        leg.Finished = true;
        LogAgentHungUp(CallId, agentId, "CANCEL");
        await HangupAsync(HangupSide.Agent, "agent cancelled");
    }

    /// <summary>The grain handed the caller to an external number (blind transfer out): drop the agent, call the number.</summary>
    private void TransferOut(string agentId, string number)
    {
        if (_ended || _callerGone || _callerDialog is null || !_edge.CanCallOut)
        {
            LogCannotTransferOut(CallId, number);
            return; // the grain's Hangup follows and ends the caller's leg
        }

        if (_legs.GetValueOrDefault(agentId) is { } agentLeg)
        {
            if (_bridged == agentLeg)
            {
                _bridged = null;
            }

            Bye(agentLeg);
        }

        var external = new AgentLeg("external:" + number, TimeSpan.FromSeconds(OutboundLegSeconds), _edge.Time);
        _legs[external.AgentId] = external;
        _external = external;
        LogTransferringOut(CallId, number);
        StartTrunkLeg(_callerSdp.Remote, external);
    }

    /// <summary>The call ended in the ACD as transferred out: the caller and the external party keep talking through the edge.</summary>
    private async Task DetachAsync()
    {
        _detached = true;
        LogDetached(CallId);
        _reference = null;
        await Task.CompletedTask;
    }

    private void StartTrunkLeg(string? media, AgentLeg? external)
    {
        var number = external is null ? Dialled : external.AgentId["external:".Length..];
        SipUri uri;
        SipTarget target;
        try
        {
            uri = _edge.TrunkUri(number);
            target = _edge.Stack.ResolveTarget(new Acd.Sip.Messages.SipRequest(Acd.Sip.Messages.SipMethods.Invite, uri));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogTrunkFailed(CallId, number, ex.Message);
            _ = RunAsync(() => OnTrunkFinalAsync(null, external));
            return;
        }

        var offer = external is null ? _callerSdp.Prepare(media ?? PlaceholderSdp(), SdpShape.Active) : external.Sdp.Prepare(media ?? "", SdpShape.Active);
        var cancellation = external?.Cancellation ?? (_trunkCancellation = new CancellationTokenSource());
        var fromNumber = external is null ? _edge.TrunkCallerId(_agentNumber) : CallerNumber;
        _ = Task.Run(async () =>
        {
            SipCallResult? result = null;
            try
            {
                var from = new SipNameAddress(new SipUri("sip", fromNumber, _edge.Domain));
                var to = new SipNameAddress(new SipUri("sip", number, uri.Host));
                result = await _edge.UserAgent.InviteAsync(uri, from, to, offer, target, _edge.TrunkCredentials(),
                    invite => invite.Headers.Add("X-Call-Id", CallId), cancellation.Token);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogTrunkFailed(CallId, number, ex.Message);
            }

            await RunAsync(() => OnTrunkFinalAsync(result, external));
        });
    }

    private async Task OnTrunkFinalAsync(SipCallResult? result, AgentLeg? external)
    {
        if (result is { Success: true, Dialog: { } dialog })
        {
            _edge.Track(dialog, this);
            var answer = result.FinalResponse.BodyText;
            if (external is not null)
            {
                await OnExternalAnsweredAsync(external, dialog, answer);
                return;
            }

            if (_ended || _callerGone)
            {
                _ = SendByeAsync(dialog);
                return;
            }

            _callerDialog = dialog;
            _callerSdp.Remote = answer;
            await OnDestinationAnsweredAsync(answer);
            return;
        }

        var status = result?.FinalResponse.StatusCode ?? 503;
        LogTrunkFailed(CallId, external?.AgentId ?? Dialled, $"{status.ToString(CultureInfo.InvariantCulture)} {result?.FinalResponse.ReasonPhrase}");
        if (external is not null)
        {
            // The external party did not take the transferred caller; the ACD call is over already.
            external.Finished = true;
            _external = null;
            ByeCaller();
            await HangupAsync(HangupSide.Caller, "external transfer failed");
            return;
        }

        if (_ended)
        {
            return;
        }

        if (Origin == CallOrigin.AgentPhone && _legs.Values.FirstOrDefault(l => l.Incoming is not null) is { } own)
        {
            own.Finished = true;
            own.Incoming!.Reject(status is 486 or 404 or 403 or 603 ? status : 480);
        }

        var agentId = _legs.Values.FirstOrDefault(l => !l.AgentId.StartsWith("external:", StringComparison.Ordinal))?.AgentId;
        if (agentId is not null)
        {
            // Busy, unreachable or unanswered destination: the outbound call ends "not answered".
            await Safe(() => _grain.RejectAsync(agentId));
        }
    }

    /// <summary>The destination answered an outbound call: connect it with the agent's phone.</summary>
    private async Task OnDestinationAnsweredAsync(string answer)
    {
        var leg = _legs.Values.FirstOrDefault(l => !l.AgentId.StartsWith("external:", StringComparison.Ordinal));
        if (leg is null)
        {
            ByeCaller();
            return;
        }

        var answered = await Safe(() => _grain.AnswerAsync(leg.AgentId));
        if (answered is not { IsSuccess: true })
        {
            LogAnswerRefused(CallId, leg.AgentId, answered?.ToString() ?? "grain unreachable");
            ByeCaller();
            await HangupAsync(HangupSide.Caller, "the call ended before the destination answered");
            return;
        }

        LogConnected(CallId, leg.AgentId);
        if (leg.Incoming is { } incoming)
        {
            var dialog = incoming.Answer(leg.Sdp.Prepare(answer, SdpShape.AsIs));
            if (dialog is null)
            {
                // The agent's CANCEL crossed the destination's answer.
                ByeCaller();
                await HangupAsync(HangupSide.Agent, "agent cancelled");
                return;
            }

            leg.Dialog = dialog;
            _edge.Track(dialog, this);
            _bridged = leg;
            return;
        }

        _bridged = leg;
        if (leg.Dialog is { } agentDialog)
        {
            await ReofferAsync(agentDialog, leg.Sdp, answer, SdpShape.Active);
        }
    }

    private async Task OnExternalAnsweredAsync(AgentLeg external, SipDialog dialog, string answer)
    {
        external.Dialog = dialog;
        external.Sdp.Remote = answer;
        if (_callerGone || _callerDialog is not { } callerDialog)
        {
            Bye(external);
            return;
        }

        _bridged = external;
        LogExternalConnected(CallId, external.AgentId);
        await ReofferAsync(callerDialog, _callerSdp, answer, SdpShape.Active);
    }

    /// <summary>An offer with nothing behind it yet (inactive, discard port), so a phone can be rung before media exists.</summary>
    private string PlaceholderSdp()
    {
        var host = _edge.PublicHost;
        var family = host.Contains(':', StringComparison.Ordinal) ? "IP6" : "IP4";
        var id = ((uint)CallId.GetHashCode(StringComparison.Ordinal)).ToString(CultureInfo.InvariantCulture);
        return $"v=0\r\no=acd {id} 1 IN {family} {host}\r\ns=-\r\nc=IN {family} {host}\r\nt=0 0\r\n" +
               "m=audio 9 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n" +
               "a=fmtp:101 0-15\r\na=inactive\r\n";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} is on the line; dialling {Destination} through the trunk")]
    private partial void LogDialling(string callId, string agentId, string destination);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: trunk leg to {Destination} failed: {Reason}")]
    private partial void LogTrunkFailed(string callId, string destination, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: cannot transfer to {Number}: no outbound trunk or no caller dialog")]
    private partial void LogCannotTransferOut(string callId, string number);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: transferring the caller out to {Number}")]
    private partial void LogTransferringOut(string callId, string number);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: ended in the ACD as transferred out; the edge keeps bridging caller and external party")]
    private partial void LogDetached(string callId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: {Party} answered the transferred caller")]
    private partial void LogExternalConnected(string callId, string party);
}

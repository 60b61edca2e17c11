using Acd.Calls;
using Acd.Common;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Uris;
using Acd.SipEdge.Legs;
using Acd.SipEdge.Registration;
using Microsoft.Extensions.Logging;

namespace Acd.SipEdge.Calls;

/// <summary>
/// Internal calls: an agent calls a colleague. The calling agent's leg stands where a customer's would (the customer leg),
/// so ringing, answering, hanging up, hold and DTMF follow the inbound paths: dialled on the phone, that phone's INVITE is
/// the leg and the grain's RingAgent rings the colleague; placed from the desktop, the grain's PlaceInternal rings the
/// caller's own phone first, then the colleague. Anchored (the default), every phone gets the media engine's offer in
/// its own profile (WebRTC for a browser, RTP or SRTP for a desk phone) and the engine bridges the two, so any two
/// phones can talk. Direct, the colleague is rung with the caller's own offer, and a desktop-placed call rings the
/// caller with click-to-dial's placeholder (plain RTP) and re-INVITEs it with the colleague's answer.
/// </summary>
internal sealed partial class EdgeCall
{
    /// <summary>
    /// An internal call placed by <paramref name="callerAgentId"/> to the colleague it dialled as <paramref name="dialled"/>:
    /// from its phone (<paramref name="callerInvite"/>), or from its desktop (null: the phone is rung first).
    /// </summary>
    public static EdgeCall Internal(EdgeContext edge, string callId, string callerAgentId, string? callerName, string dialled,
        SipIncomingCall? callerInvite)
    {
        // The caller's id is the From of the colleague's INVITE (its AOR, which the colleague can dial back), its name the display name.
        var call = new EdgeCall(edge, callId, CallOrigin.Internal, "", dialled, callerAgentId, callerName);
        if (callerInvite is not null)
        {
            call._customer = Leg.FromInvite(LegKind.Agent, callerAgentId, callerInvite, edge.Ua);
        }

        return call;
    }

    /// <summary>Attaches, then starts the internal call in its grain (which answers with RingAgent or PlaceInternal).</summary>
    public async Task<Result<CallSnapshot>> StartInternalAsync(string calleeAgentId, CallInfo info)
    {
        var dialled = _customer;
        if (dialled?.Invite is { } invite)
        {
            invite.Transaction.AddObserver(new InviteListener(this));
            // Anchored, the engine answers the phone's offer now (a dry port pool or an offer it cannot take refuses the call).
            if (_media.Open(dialled) is { Ok: false } refused)
            {
                LogMediaRefused(CallId, refused.Reason ?? "media refused");
                dialled.Stop("media refused", refused.Status);
                await _mailbox.RunAsync(FinishAsync);
                return Result.Fail(AcdError.Conflict, "The call's media could not be set up: " + refused.Reason);
            }
        }

        _reference = _edge.Grains.CreateObjectReference<ICallEdgeObserver>(this);
        Result<CallSnapshot> started;
        var unreachable = false;
        try
        {
            // Retried across a silo failure: a start that went through before its answer was lost shows up as a conflict
            // with the call already under way.
            started = await GrainCalls.RunAsync(async () =>
            {
                await _grain.AttachEdgeAsync(_reference);
                return await _grain.StartInternalAsync(CallerNumber, calleeAgentId, info with { EdgeId = _edge.EdgeId },
                    ringCallerFirst: dialled is null);
            }, _edge.Time);
            if (started is { Error: AcdError.Conflict } && await IsUnderWayAsync())
            {
                started = Result<CallSnapshot>.Ok(await _grain.GetAsync());
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogGrainCallFailed(ex, CallId);
            started = Result.Fail(AcdError.Conflict, "The internal call could not be started: " + ex.Message);
            unreachable = true;
        }

        await _mailbox.RunAsync(async () =>
        {
            if (started.IsSuccess)
            {
                if (_state == EdgeCallState.Starting)
                {
                    _state = EdgeCallState.Active;
                }

                LogInternalStarted(CallId, CallerNumber, calleeAgentId, dialled is null ? "desktop" : "phone");
                dialled?.Ringing();
                return;
            }

            LogStartRefused(CallId, started.ToString());
            dialled?.Stop("refused", started.Error switch
            {
                AcdError.NotFound => 404,
                AcdError.Busy or AcdError.InvalidArgument => 486,
                _ => 480,
            });
            if (unreachable)
            {
                // The start may have gone through after all: end it rather than leave two agents held for nobody.
                await SafeAsync(() => _grain.FailAsync("the SIP edge could not start the internal call"));
            }

            await FinishAsync();
        });
        return started;
    }

    /// <summary>PlaceInternal: ring the caller's own phone; the colleague's rings once it answers.</summary>
    private Task RingCallerPhoneAsync(PlaceInternal command)
    {
        if (_customer is not null)
        {
            return Task.CompletedTask; // rung already
        }

        if (_edge.Phones.Choose(CallId, command.CallerDevices) is not { } route)
        {
            LogNoPhone(CallId, command.CallerAgentId);
            return ReportHangupAsync(HangupSide.Caller, "the caller's phone is unreachable");
        }

        var leg = Leg.ToPlace(LegKind.Agent, command.CallerAgentId, _edge.Ua, command.Sequence);
        // Anchored: the engine's offer in the phone's own profile (a browser phone gets WebRTC). Direct: there is nothing
        // to offer yet, so the phone gets the placeholder and is re-INVITEd once the colleague answers.
        var made = _media.Offer(leg, null, _edge.Media.ProfileFor(route), out var offer);
        if (!made.Ok)
        {
            LogMediaRefused(CallId, made.Reason ?? "no media for the caller's phone");
            _media.Remove(leg);
            return ReportHangupAsync(HangupSide.Caller, "no media for the caller's phone");
        }

        _customer = leg;
        // The phone shows whom it is calling, as it would had it dialled the colleague itself.
        var from = new SipNameAddress(new SipUri("sip", Dialled, _edge.Domain));
        var to = new SipNameAddress(new SipUri("sip", command.CallerAgentId, _edge.Domain));
        LogRingingAgent(CallId, command.CallerAgentId, route.Contact.ToString(), route.Describe());
        var ringLimit = command.RingTimeout + TimeSpan.FromSeconds(_edge.Options.RingGraceSeconds);
        var placing = leg.PlaceAsync(route.Contact, route.Target, from, to, offer ?? PlaceholderSdp(),
            _media.IsAnchored ? SdpShape.Verbatim : SdpShape.AsIs, ringLimit, _edge.Time,
            configure: invite =>
            {
                invite.Headers.Add("P-Asserted-Identity", from.ToString());
                invite.Headers.Add(EdgeHeaders.CallId, CallId);
                route.Decorate(invite);
            });
        _ = CompleteAsync(placing, (result, error) => OnCallerPhonePlacedAsync(leg, route, command, result, error));
        return Task.CompletedTask;
    }

    private async Task OnCallerPhonePlacedAsync(Leg leg, PhoneRoute route, PlaceInternal command, SipCallResult? result, Exception? error)
    {
        var answered = leg.OnPlaced(result, error);
        Track(leg);
        if (answered && _media.Answered(leg) is { Ok: false } refused)
        {
            LogMediaRefused(CallId, refused.Reason ?? "the caller's phone's answer was refused");
            leg.Stop("media refused");
            _media.Remove(leg);
            await ReportHangupAsync(HangupSide.Caller, "the caller's phone's answer was refused");
            return;
        }

        if (!answered)
        {
            if (result is { Success: true } || _state == EdgeCallState.Ended)
            {
                return; // answered after the call gave up on it (the leg sent BYE), or the call is over anyway
            }

            _media.Remove(leg);
            var reason = leg.EndReason ?? "failed";
            if ((error is not null || Leg.StatusOf(result) is 408 or 503 or null) && !leg.RingLimitReached)
            {
                LogPhoneUnreachable(CallId, leg.Party, route.Describe(), reason);
                await _edge.Phones.ForgetAsync(leg.Party, route.Device);
            }

            LogAgentLegFailed(CallId, leg.Party, reason);
            await ReportHangupAsync(HangupSide.Caller, "the caller's phone did not answer");
            return;
        }

        if (_state == EdgeCallState.Ended)
        {
            leg.Stop("the call ended");
            return;
        }

        // The caller is on the line: the colleague's phone rings with its media, and its answer is the call's.
        LogRingingColleague(CallId, leg.Party, command.CalleeAgentId);
        if (StartAgentLeg(command.CalleeAgentId, command.CalleeDevices, command.RingTimeout, leg, command.Sequence) is null)
        {
            await SafeAsync(() => _grain.RejectAsync(command.CalleeAgentId, command.Sequence, OfferFailure.Unreachable));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: internal call from agent {CallerAgentId} to agent {CalleeAgentId} (placed from the {Origin})")]
    private partial void LogInternalStarted(string callId, string callerAgentId, string calleeAgentId, string origin);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {CallerAgentId} is on the line; ringing agent {CalleeAgentId}")]
    private partial void LogRingingColleague(string callId, string callerAgentId, string calleeAgentId);
}

using System.Globalization;
using Acd.Calls;
using Acd.Sip.Auth;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Sdp;
using Acd.Sip.Transports;
using Acd.Sip.Uris;

namespace Acd.SipEdge.Legs;

/// <summary>Who is at the far end of a leg.</summary>
public enum LegKind
{
    /// <summary>The customer who called in (or the caller an outbound call reached, see <see cref="Trunk"/>).</summary>
    Caller,
    /// <summary>An agent's phone (rung by the edge, or the phone's own INVITE when the agent dialled).</summary>
    Agent,
    /// <summary>A party reached through the outbound trunk: an outbound call's customer, a transfer's external number.</summary>
    Trunk,
}

/// <summary>
/// A leg's life. Incoming legs start <see cref="Incoming"/> (their INVITE is waiting for an answer), outgoing ones
/// <see cref="Idle"/>, then <see cref="Inviting"/> once the INVITE is out and <see cref="Early"/> on a provisional.
/// <see cref="Ending"/> means we asked the far end to go (CANCEL or BYE); <see cref="Ended"/> is final.
/// </summary>
public enum LegState
{
    Idle,
    Incoming,
    Inviting,
    Early,
    Connected,
    Ending,
    Ended,
}

/// <summary>
/// One SIP dialog of a call, and everything the edge knows of it: its state, its session description, the ring it belongs
/// to. Every state change goes through <see cref="Enter"/>, so the allowed transitions are in one place. A leg is used by
/// one call's mailbox at a time and needs no lock; what it sends (INVITE, CANCEL, BYE, re-INVITE) runs in the
/// background, and the call posts the outcome back to the leg.
/// </summary>
internal sealed class Leg
{
    private readonly SipUserAgent _ua;
    private CancellationTokenSource? _inviting;

    private Leg(LegKind kind, string party, SipUserAgent ua, SipIncomingCall? invite, CommandSequence? ring)
    {
        Kind = kind;
        Party = party;
        _ua = ua;
        Invite = invite;
        Ring = ring;
        State = invite is null ? LegState.Idle : LegState.Incoming;
        if (invite is not null)
        {
            Sdp.Remote = invite.Invite.Body.Length > 0 ? invite.Invite.BodyText : null;
            Sdp.KeysAllowed = IsEncrypted(invite.Transaction.Source.Transport);
        }
    }

    /// <summary>Signalling nobody on the path can read: SDES keys (RFC 4568) may travel in it, and only in it.</summary>
    private static bool IsEncrypted(SipTransportKind transport) => transport is SipTransportKind.Tls or SipTransportKind.Wss;

    /// <summary>Whether this leg's signalling is encrypted, so its session descriptions may carry SDES keys.</summary>
    public bool IsSecure => Sdp.KeysAllowed;

    /// <summary>
    /// The far end asks for SDES-SRTP over clear-text signalling: its keys were readable on the way, and answering would
    /// send ours the same way. Such an offer is refused rather than answered.
    /// </summary>
    public bool OffersKeysInClear(string? sdp) => !IsSecure && SdpKeys.OffersSdes(sdp);

    /// <summary>A leg whose INVITE we received (a caller, an agent's phone that dialled, a feature code, a relay hop).</summary>
    public static Leg FromInvite(LegKind kind, string party, SipIncomingCall invite, SipUserAgent ua) => new(kind, party, ua, invite, null);

    /// <summary>A leg the edge will place (an agent's phone, a trunk destination); <paramref name="ring"/> is the grain command that asked.</summary>
    public static Leg ToPlace(LegKind kind, string party, SipUserAgent ua, CommandSequence? ring = null) => new(kind, party, ua, null, ring);

    public LegKind Kind { get; }

    /// <summary>The agent id of an agent leg, the number of a trunk leg, the caller's number of a caller leg.</summary>
    public string Party { get; }

    public LegState State { get; private set; }

    /// <summary>The INVITE that made an incoming leg.</summary>
    public SipIncomingCall? Invite { get; }

    public SipDialog? Dialog { get; private set; }

    public LegSdp Sdp { get; } = new();

    /// <summary>The grain command that rang this leg (agent legs), named when the answer or the failure is reported.</summary>
    public CommandSequence? Ring { get; }

    /// <summary>The far end transferred the call with REFER and ends its own dialog after the final NOTIFY (RFC 5589).</summary>
    public bool EndsByItself { get; set; }

    /// <summary>Why the leg ended (a status line, "BYE", "cancelled", ...), for the logs.</summary>
    public string? EndReason { get; private set; }

    public bool IsUp => State == LegState.Connected;

    /// <summary>The leg was answered at some point (it may have ended since).</summary>
    public bool WasConnected { get; private set; }

    public bool IsGone => State is LegState.Ending or LegState.Ended;

    public override string ToString() => $"{Kind} {Party} ({State})";

    // ---- outgoing ---------------------------------------------------------------------------------

    /// <summary>
    /// Sends the INVITE with <paramref name="media"/> (another party's description, shaped for this leg) as the offer. The
    /// task completes with the final result (or throws for a transport failure); the call posts it back to
    /// <see cref="OnPlaced"/>. <paramref name="ringLimit"/> is the edge's own limit: after it the INVITE is cancelled even
    /// if nobody asked.
    /// </summary>
    public Task<SipCallResult> PlaceAsync(SipUri requestUri, SipTarget target, SipNameAddress from, SipNameAddress to, string? media,
        SdpShape shape, TimeSpan ringLimit, TimeProvider time, DigestClient? credentials = null, Action<SipRequest>? configure = null)
    {
        Enter(LegState.Inviting);
        Sdp.KeysAllowed = IsEncrypted(target.Transport);
        _inviting = new CancellationTokenSource(ringLimit, time);
        var offer = media is null ? null : Sdp.Prepare(media, shape);
        return _ua.InviteAsync(requestUri, from, to, offer, target, credentials, configure, _inviting.Token);
    }

    /// <summary>
    /// The edge gave up on its own ring limit (nobody cancelled the leg before). Known once the INVITE's outcome is in
    /// (<see cref="OnPlaced"/>): it is read after the leg has ended, when the state no longer tells a ring limit from a Stop.
    /// </summary>
    public bool RingLimitReached { get; private set; }

    /// <summary>
    /// The INVITE's outcome. Connected when answered; when we had asked the leg to stop meanwhile (its 200 crossed our
    /// CANCEL) it is answered but unwanted: BYE follows and false is returned. Ended on any failure.
    /// </summary>
    public bool OnPlaced(SipCallResult? result, Exception? error)
    {
        if (result is { Success: true, Dialog: { } dialog })
        {
            Dialog = dialog;
            Sdp.Remote = result.FinalResponse.Body.Length > 0 ? result.FinalResponse.BodyText : Sdp.Remote;
            if (State == LegState.Ending)
            {
                _ = ByeQuietlyAsync(dialog);
                return false;
            }

            Enter(LegState.Connected);
            return true;
        }

        RingLimitReached = _inviting is { IsCancellationRequested: true } && State is LegState.Inviting or LegState.Early;
        EndReason = error?.Message ?? (result is { } r ? $"{r.FinalResponse.StatusCode.ToString(CultureInfo.InvariantCulture)} {r.FinalResponse.ReasonPhrase}" : "no answer");
        Enter(LegState.Ended);
        return false;
    }

    /// <summary>The final status of a failed INVITE, if it got one.</summary>
    public static int? StatusOf(SipCallResult? result) => result?.FinalResponse.StatusCode;

    // ---- incoming ---------------------------------------------------------------------------------

    /// <summary>180 Ringing on an incoming leg, optionally with early media.</summary>
    public void Ringing(string? earlyMedia = null)
    {
        if (State == LegState.Incoming)
        {
            Invite!.Ring(180, earlyMedia is null ? null : Sdp.Prepare(earlyMedia, SdpShape.AsIs));
        }
    }

    /// <summary>183 Session Progress with early media: the caller hears what the edge plays before the call is answered.</summary>
    public void Progress(string media)
    {
        if (State == LegState.Incoming)
        {
            Invite!.Ring(183, Sdp.Prepare(media, SdpShape.Verbatim));
        }
    }

    /// <summary>Answers an incoming leg with <paramref name="media"/> (shaped for this leg). False when its CANCEL won.</summary>
    /// <param name="established">
    /// Told the new dialog before the 200 leaves, so the call can route the peer's ACK and first in-dialog request
    /// (a REFER naming it, a BYE) even when this thread is preempted right after sending.
    /// </param>
    public bool Answer(string media, SdpShape shape, Action<SipDialog>? established = null)
    {
        if (State != LegState.Incoming)
        {
            return false;
        }

        var dialog = Invite!.Answer(Sdp.Prepare(media, shape), established: established);
        if (dialog is null)
        {
            EndReason = "cancelled";
            Enter(LegState.Ended);
            return false;
        }

        Dialog = dialog;
        Enter(LegState.Connected);
        return true;
    }

    /// <summary>The caller's CANCEL arrived (the transaction answered 487 already).</summary>
    public void OnCancelled()
    {
        if (State == LegState.Incoming)
        {
            EndReason = "cancelled";
            Enter(LegState.Ended);
        }
    }

    // ---- both -------------------------------------------------------------------------------------

    /// <summary>
    /// Makes the leg go away whatever it is doing: an unanswered incoming INVITE gets <paramref name="rejectWith"/>, a
    /// ringing outgoing one is cancelled (at once, or at the first provisional, RFC 3261 9.1), an established dialog gets
    /// BYE. Nothing happens to a leg already going.
    /// </summary>
    /// <summary>How long a trunk should wait before it sends this edge a call again after a 503.</summary>
    private static readonly TimeSpan ServiceUnavailableRetryAfter = TimeSpan.FromSeconds(10);

    public void Stop(string why, int rejectWith = 480)
    {
        switch (State)
        {
            case LegState.Idle:
                EndReason = why;
                Enter(LegState.Ended);
                break;
            case LegState.Incoming:
                EndReason = why;
                // A 503 is this edge's problem, not the call's: Retry-After lets a trunk try another edge and come back.
                if (rejectWith == 503)
                {
                    Invite!.Reject(rejectWith, ServiceUnavailableRetryAfter);
                }
                else
                {
                    Invite!.Reject(rejectWith);
                }

                Enter(LegState.Ended);
                break;
            case LegState.Inviting or LegState.Early:
                EndReason = why;
                Enter(LegState.Ending);
                _inviting?.Cancel();
                break;
            case LegState.Connected:
                EndReason = why;
                Enter(LegState.Ending);
                _ = ByeQuietlyAsync(Dialog!);
                break;
        }
    }

    /// <summary>The dialog ended without us: BYE received, or the leg died (ACK timeout, 408/481 on a request).</summary>
    public void OnDialogEnded(string why)
    {
        if (State != LegState.Ended)
        {
            EndReason ??= why;
            Enter(LegState.Ended);
        }
    }

    /// <summary>
    /// A new offer to an established leg (re-INVITE): <paramref name="media"/> is the other party's description, shaped
    /// for this leg. A glare 491 is retried twice after the RFC 3261 14.1 delay, unless the far end's own re-INVITE came in
    /// meanwhile: then ours is dropped (no INVITE while another is in progress in either direction, 14.1), and the far end's
    /// offer, waiting for the call's mailbox, is served next. True when the leg accepted it.
    /// </summary>
    public async Task<bool> ReofferAsync(string? media, SdpShape shape, TimeProvider time)
    {
        if (media is null || State != LegState.Connected || Dialog is not { State: not SipDialogState.Terminated } dialog)
        {
            return false;
        }

        var offer = Sdp.Prepare(media, shape);
        for (var attempt = 0; ; attempt++)
        {
            var response = await _ua.ReInviteAsync(dialog, offer);
            if (response.StatusCode == 491 && attempt < 2)
            {
                await Task.Delay(dialog.GlareRetryDelay(), time);
                if (dialog.IncomingOfferPending)
                {
                    // The far end retried first; retrying now would only meet a 491 again, and its offer cannot be answered
                    // until this one is done.
                    return false;
                }

                continue;
            }

            if (!response.IsSuccess)
            {
                return false;
            }

            dialog.LocalSdp = offer;
            if (response.Body.Length > 0)
            {
                Sdp.Remote = response.BodyText;
            }

            return true;
        }
    }

    /// <summary>Sends in-dialog requests one after the other (INFO digits in order); stops at the first failure.</summary>
    public async Task<SipResponse?> SendAsync(Func<SipDialog, SipRequest> build)
    {
        if (State != LegState.Connected || Dialog is not { State: not SipDialogState.Terminated } dialog)
        {
            return null;
        }

        return await _ua.SendInDialogAsync(dialog, build(dialog));
    }

    private async Task ByeQuietlyAsync(SipDialog dialog)
    {
        if (dialog.State == SipDialogState.Terminated)
        {
            return;
        }

        try
        {
            await _ua.ByeAsync(dialog);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The dialog is gone either way; the UA logged the transport failure.
        }
    }

    /// <summary>The only place a leg's state changes; anything else is a bug in the call's logic.</summary>
    private void Enter(LegState next)
    {
        var allowed = (State, next) switch
        {
            (LegState.Idle, LegState.Inviting or LegState.Ended) => true,
            (LegState.Incoming, LegState.Connected or LegState.Ended) => true,
            (LegState.Inviting, LegState.Early or LegState.Connected or LegState.Ending or LegState.Ended) => true,
            (LegState.Early, LegState.Connected or LegState.Ending or LegState.Ended) => true,
            (LegState.Connected, LegState.Ending or LegState.Ended) => true,
            (LegState.Ending, LegState.Ended) => true,
            _ => false,
        };
        if (!allowed)
        {
            throw new InvalidOperationException($"{this}: no transition to {next}");
        }

        State = next;
        WasConnected |= next == LegState.Connected;
    }

    /// <summary>A provisional response to our INVITE.</summary>
    public void OnProvisional()
    {
        if (State == LegState.Inviting)
        {
            Enter(LegState.Early);
        }
    }
}

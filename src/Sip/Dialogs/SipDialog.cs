using System.Globalization;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Transports;
using Acd.Sip.Uris;

namespace Acd.Sip.Dialogs;

public enum SipDialogState
{
    Early,
    Confirmed,
    Terminated,
}

/// <summary>
/// Dialog state of RFC 3261 12: identifiers, route set, CSeq spaces and remote target, plus the
/// in-flight INVITE flags that decide re-INVITE glare (14.1/14.2).
/// </summary>
public sealed class SipDialog
{
    private readonly object _gate = new();
    private uint _localSeq;

    private SipDialog(string callId, string localTag, string remoteTag, SipNameAddress localParty, SipNameAddress remoteParty,
        SipUri remoteTarget, IReadOnlyList<SipNameAddress> routeSet, uint localSeq, uint? remoteSeq, bool isUac, SipUri localContact, SipTarget? flow)
    {
        CallId = callId;
        LocalTag = localTag;
        RemoteTag = remoteTag;
        LocalParty = localParty.WithTag(localTag);
        RemoteParty = remoteTag.Length > 0 ? remoteParty.WithTag(remoteTag) : remoteParty;
        RemoteTarget = remoteTarget;
        RouteSet = routeSet;
        _localSeq = localSeq;
        RemoteSeq = remoteSeq;
        IsUac = isUac;
        LocalContact = localContact;
        Flow = flow;
        Id = new SipDialogId(callId, localTag, remoteTag);
    }

    public string CallId { get; }
    public string LocalTag { get; }
    public string RemoteTag { get; }
    public SipNameAddress LocalParty { get; }
    public SipNameAddress RemoteParty { get; }
    public SipUri RemoteTarget { get; private set; }
    public IReadOnlyList<SipNameAddress> RouteSet { get; }
    public uint LocalSeq => _localSeq;
    public uint? RemoteSeq { get; private set; }
    /// <summary>True if this side sent the initial INVITE (it "owns" the Call-ID for glare timing).</summary>
    public bool IsUac { get; }
    public SipUri LocalContact { get; set; }
    public SipDialogState State { get; set; } = SipDialogState.Early;

    /// <summary>Connection to send in-dialog requests on (a browser's WebSocket flow); null = resolve from the route set.</summary>
    public SipTarget? Flow { get; set; }

    /// <summary>An INVITE/UPDATE this side sent is awaiting its final response.</summary>
    public bool OutgoingOfferPending { get; set; }

    /// <summary>An INVITE the peer sent is not yet answered finally.</summary>
    public bool IncomingOfferPending { get; set; }

    public SipDialogId Id { get; }

    /// <summary>Running RFC 4028 session timer, when the UA negotiated one.</summary>
    public SipSessionTimer? SessionTimer { get; internal set; }

    /// <summary>Last SDP this side sent (re-offered on session refresh).</summary>
    public string? LocalSdp { get; set; }

    /// <summary>ACKs kept by the UA to answer 2xx retransmissions; dropped with the dialog.</summary>
    internal List<SipAckKey> AckKeys { get; } = [];

    /// <summary>UAS side (12.1.1): route set from Record-Route in order, remote target from Contact.</summary>
    public static SipDialog CreateUas(SipRequest request, SipResponse response, SipUri localContact, SipTarget? flow = null)
    {
        var localTag = response.To?.Tag ?? throw new ArgumentException("response needs a To tag", nameof(response));
        var target = request.Contacts.FirstOrDefault()?.Uri ?? request.From!.Uri;
        return new SipDialog(request.CallId!, localTag, request.From!.Tag ?? string.Empty, request.To!.WithoutParameters(), request.From!.WithoutParameters(),
            target, request.RecordRoutes.ToList(), (uint)Random.Shared.Next(1, 100000), request.CSeq!.Number, false, localContact, flow)
        {
            State = response.StatusCode >= 200 ? SipDialogState.Confirmed : SipDialogState.Early,
        };
    }

    /// <summary>UAC side (12.1.2): route set from Record-Route reversed, remote target from the response Contact.</summary>
    public static SipDialog CreateUac(SipRequest request, SipResponse response, SipTarget? flow = null)
    {
        var remoteTag = response.To?.Tag ?? string.Empty;
        var target = response.Contacts.FirstOrDefault()?.Uri ?? request.RequestUri;
        var routes = response.RecordRoutes.Reverse().ToList();
        var contact = request.Contacts.FirstOrDefault()?.Uri ?? request.From!.Uri;
        return new SipDialog(request.CallId!, request.From!.Tag!, remoteTag, request.From!.WithoutParameters(), request.To!.WithoutParameters(),
            target, routes, request.CSeq!.Number, null, true, contact, flow)
        {
            State = response.StatusCode >= 200 ? SipDialogState.Confirmed : SipDialogState.Early,
        };
    }

    /// <summary>Does this in-dialog message belong here (Call-ID and both tags)?</summary>
    public bool Matches(SipMessage m) => SipDialogId.TryFromReceived(m, out var id) && id == Id;

    /// <summary>Builds an in-dialog request (12.2.1.1): Request-URI and Route from the route set, next local CSeq.</summary>
    public SipRequest CreateRequest(string method)
    {
        uint seq;
        lock (_gate)
        {
            seq = method is SipMethods.Ack or SipMethods.Cancel ? _localSeq : ++_localSeq;
        }
        return CreateRequest(method, seq);
    }

    private SipRequest CreateRequest(string method, uint seq)
    {
        SipUri ruri;
        var routes = RouteSet.ToList();
        if (routes.Count > 0 && !routes[0].Uri.LooseRouting)
        {
            // Strict routing (12.2.1.1): the first route becomes the Request-URI, the remote target goes last.
            ruri = routes[0].Uri.WithoutHeaders();
            routes.RemoveAt(0);
            routes.Add(new SipNameAddress(RemoteTarget));
        }
        else
        {
            ruri = RemoteTarget.WithoutHeaders();
        }
        var r = new SipRequest(method, ruri);
        foreach (var route in routes) r.Headers.Add(SipHeaderNames.Route, route.ToString());
        r.Headers.Add(SipHeaderNames.MaxForwards, "70");
        r.Headers.Add(SipHeaderNames.From, LocalParty.ToString());
        r.Headers.Add(SipHeaderNames.To, RemoteParty.ToString());
        r.Headers.Add(SipHeaderNames.CallId, CallId);
        r.Headers.Add(SipHeaderNames.CSeq, $"{seq.ToString(CultureInfo.InvariantCulture)} {method}");
        if (method is SipMethods.Invite or SipMethods.Update or SipMethods.Refer or SipMethods.Subscribe or SipMethods.Notify)
            r.Headers.Add(SipHeaderNames.Contact, $"<{LocalContact}>");
        return r;
    }

    /// <summary>ACK for a 2xx to an INVITE with CSeq <paramref name="inviteSeq"/> (13.2.2.4).</summary>
    public SipRequest CreateAck(uint inviteSeq) => CreateRequest(SipMethods.Ack, inviteSeq);

    /// <summary>
    /// Checks the remote CSeq (12.2.2): a lower one than already seen gets 500, otherwise it is
    /// remembered. ACK and CANCEL reuse their INVITE's number and are not checked.
    /// </summary>
    public bool AcceptRemoteCSeq(SipRequest request)
    {
        if (request.Method is SipMethods.Ack or SipMethods.Cancel) return true;
        var n = request.CSeq!.Number;
        lock (_gate)
        {
            if (RemoteSeq is { } seen && n <= seen) return false;
            RemoteSeq = n;
            return true;
        }
    }

    /// <summary>Target refresh from a re-INVITE/UPDATE or its 2xx.</summary>
    public void RefreshTarget(SipMessage m)
    {
        if (m.Contacts.FirstOrDefault() is { IsWildcard: false } c) RemoteTarget = c.Uri;
    }

    /// <summary>Delay before retrying a re-INVITE that got 491 (14.1): 2.1-4 s for the Call-ID owner, 0-2 s otherwise.</summary>
    public TimeSpan GlareRetryDelay(Random? random = null)
    {
        random ??= Random.Shared;
        var ms = IsUac ? random.Next(2100, 4001) : random.Next(0, 2001);
        return TimeSpan.FromMilliseconds(ms);
    }

    /// <summary>
    /// Decides on an incoming re-INVITE: 491 if our own offer is pending (glare), 500 with
    /// Retry-After if the peer's previous INVITE is still unanswered (14.2), else null to proceed.
    /// </summary>
    public SipResponse? CheckIncomingReInvite(SipRequest reInvite)
    {
        if (OutgoingOfferPending) return SipResponse.Create(reInvite, 491);
        if (IncomingOfferPending)
        {
            var r = SipResponse.Create(reInvite, 500, "Server Internal Error - previous INVITE pending");
            r.Headers.Add(SipHeaderNames.RetryAfter, Random.Shared.Next(0, 11).ToString(CultureInfo.InvariantCulture));
            return r;
        }
        return null;
    }

    /// <summary>REFER (RFC 3515) to <paramref name="referTo"/>; with <paramref name="replaces"/> it is an attended transfer (RFC 3891).</summary>
    public SipRequest CreateRefer(SipUri referTo, SipReplaces? replaces = null, SipUri? referredBy = null)
    {
        var r = CreateRequest(SipMethods.Refer);
        var target = replaces is null ? referTo : referTo.WithHeaders([new("Replaces", Uri.EscapeDataString(replaces.ToString()))]);
        r.Headers.Add(SipHeaderNames.ReferTo, $"<{target}>");
        if (referredBy is not null) r.Headers.Add(SipHeaderNames.ReferredBy, $"<{referredBy}>");
        return r;
    }

    /// <summary>NOTIFY carrying the transfer progress as message/sipfrag (RFC 3515 2.4.5).</summary>
    public SipRequest CreateReferNotify(int statusCode, string? reason = null, uint? referCSeq = null)
    {
        var r = CreateRequest(SipMethods.Notify);
        r.Headers.Add(SipHeaderNames.Event, referCSeq is { } id ? $"refer;id={id}" : "refer");
        r.Headers.Add(SipHeaderNames.SubscriptionState, statusCode >= 200 ? "terminated;reason=noresource" : "active;expires=60");
        r.SetBody("message/sipfrag;version=2.0", $"SIP/2.0 {statusCode} {reason ?? SipReasonPhrases.For(statusCode)}\r\n");
        return r;
    }

    /// <summary>INFO with a body, e.g. application/dtmf-relay "Signal=5\r\nDuration=160".</summary>
    public SipRequest CreateInfo(string contentType, string body)
    {
        var r = CreateRequest(SipMethods.Info);
        r.SetBody(contentType, body);
        return r;
    }

    /// <summary>PRACK for a reliable provisional (RFC 3262): RAck = RSeq CSeq-number method.</summary>
    public SipRequest CreatePrack(SipResponse reliableProvisional)
    {
        var r = CreateRequest(SipMethods.Prack);
        r.Headers.Add(SipHeaderNames.RAck, $"{reliableProvisional.Headers[SipHeaderNames.RSeq]} {reliableProvisional.CSeq!.Number} {reliableProvisional.CSeq.Method}");
        return r;
    }

    /// <summary>The Replaces value that designates this dialog from the peer's point of view (RFC 3891 3).</summary>
    public SipReplaces ToReplacesForPeer() => new(CallId, RemoteTag, LocalTag, false);
}

/// <summary>Replaces header (RFC 3891): call-id;to-tag=..;from-tag=..[;early-only].</summary>
public sealed record SipReplaces(string CallId, string ToTag, string FromTag, bool EarlyOnly)
{
    public override string ToString() => $"{CallId};to-tag={ToTag};from-tag={FromTag}{(EarlyOnly ? ";early-only" : "")}";

    public static bool TryParse(string? value, out SipReplaces? replaces)
    {
        replaces = null;
        if (string.IsNullOrWhiteSpace(value)) return false;
        var parts = value.Split(';', StringSplitOptions.TrimEntries);
        if (parts[0].Length == 0) return false;
        string? to = null, from = null;
        var early = false;
        foreach (var p in parts.Skip(1))
        {
            var eq = p.IndexOf('=');
            var name = (eq < 0 ? p : p[..eq]).Trim();
            var v = eq < 0 ? null : p[(eq + 1)..].Trim();
            if (name.Equals("to-tag", StringComparison.OrdinalIgnoreCase)) to = v;
            else if (name.Equals("from-tag", StringComparison.OrdinalIgnoreCase)) from = v;
            else if (name.Equals("early-only", StringComparison.OrdinalIgnoreCase)) early = true;
        }
        if (to is null || from is null) return false;
        replaces = new SipReplaces(parts[0], to, from, early);
        return true;
    }

    /// <summary>On the receiving side the to-tag is our local tag and the from-tag the remote one.</summary>
    public bool Designates(SipDialog dialog) => dialog.Id == SipDialogId.From(this);
}

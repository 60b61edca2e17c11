using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Acd.Sip;
using Acd.Sip.Auth;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Sdp;
using Acd.Sip.Transactions;
using Acd.Sip.Transports;
using Acd.Sip.Uris;
using Acd.Testing;

namespace Acd.SipEdge.Tests.Unit.Infrastructure;

/// <summary>
/// A SIP user agent on the in-memory network playing a caller, an agent's phone or a trunk: it records what reaches
/// it and does what the test scripts (ring, answer, reject, keep ringing; answer re-INVITEs like a phone would).
/// Handlers run inside the network's delivery, so they must answer without pumping the network themselves.
/// </summary>
public sealed class SipParty : ISipUserAgentHandler, IAsyncDisposable
{
    private readonly InMemorySipNetwork _net;
    private int _sdpVersion = 1;

    public SipParty(InMemorySipNetwork net, string address, string user, int mediaPort)
    {
        _net = net;
        Address = address;
        User = user;
        EndPoint = new IPEndPoint(IPAddress.Parse(address), 5060);
        MediaPort = mediaPort;
        Stack = net.AddStack(address);
        Ua = new SipUserAgent(Stack, this);
    }

    public string Address { get; }

    public string User { get; }

    public IPEndPoint EndPoint { get; }

    public int MediaPort { get; }

    public SipStack Stack { get; }

    public SipUserAgent Ua { get; }

    /// <summary>The party's media, as it offers or answers it (its o= version grows per change).</summary>
    public string Sdp => MakeSdp(SdpDirection.SendRecv, _sdpVersion);

    /// <summary>INVITEs outside a dialog that reached this party, oldest first.</summary>
    public ConcurrentQueue<SipIncomingCall> Invites { get; } = new();

    /// <summary>Requests inside dialogs (re-INVITE, INFO, NOTIFY, REFER, OPTIONS; BYE is in <see cref="Ended"/>), in arrival order.</summary>
    public ConcurrentQueue<SipRequest> Received { get; } = new();

    /// <summary>Dialogs that ended, with the BYE that ended them (null: ended otherwise).</summary>
    public ConcurrentQueue<(SipDialog Dialog, SipRequest? Bye)> Ended { get; } = new();

    /// <summary>What to do with a new INVITE; by default it rings (180) and waits for the test.</summary>
    public Func<SipIncomingCall, Task>? OnInvite { get; set; }

    /// <summary>How to answer a re-INVITE; by default 200 with this party's media in the directions the offer asks for.</summary>
    public Func<SipServerTransaction, SipDialog, Task>? OnReInvite { get; set; }

    public SipIncomingCall LastInvite => Invites.LastOrDefault() ?? throw new InvalidOperationException($"{User} got no INVITE");

    public SipUri Uri => SipUri.Parse($"sip:{User}@{Address}");

    public string MakeSdp(SdpDirection direction, int version) =>
        $"v=0\r\no={User} 4000 {version.ToString(CultureInfo.InvariantCulture)} IN IP4 {Address}\r\ns=-\r\nc=IN IP4 {Address}\r\nt=0 0\r\n" +
        $"m=audio {MediaPort.ToString(CultureInfo.InvariantCulture)} RTP/AVP 0\r\na={Directions.Token(direction)}\r\n";

    /// <summary>A new description of the party's media (a hold, a new address), with the next o= version.</summary>
    public string NextSdp(SdpDirection direction) => MakeSdp(direction, Interlocked.Increment(ref _sdpVersion));

    /// <summary>Answers the latest (or the given) INVITE with this party's media.</summary>
    public SipDialog Answer(SipIncomingCall? call = null) =>
        (call ?? LastInvite).Answer(Sdp) ?? throw new InvalidOperationException($"{User}: the INVITE was cancelled before the answer");

    /// <summary>Calls <paramref name="user"/> at the edge.</summary>
    public Task<SipCallResult> CallAsync(string user, string host = "10.0.0.1", CancellationToken cancellationToken = default,
        Action<SipRequest>? configure = null, DigestClient? credentials = null) =>
        Ua.InviteAsync(SipUri.Parse($"sip:{user}@{host}"), new SipNameAddress(Uri, User), new SipNameAddress(SipUri.Parse($"sip:{user}@{host}")), Sdp,
            credentials: credentials, configure: configure, cancellationToken: cancellationToken);

    /// <summary>REGISTER with digest (answering the 401 once) as <paramref name="username"/>; the Contact names this party unless given.</summary>
    public async Task<SipResponse> RegisterAsync(string username, string password, string domain, string? contact = null, int expires = 3600,
        SipTransportKind transport = SipTransportKind.Udp, string edge = "10.0.0.1")
    {
        var target = new SipTarget(transport, new IPEndPoint(IPAddress.Parse(edge), 5060));
        var register = new SipRequest(SipMethods.Register, SipUri.Parse($"sip:{domain}"));
        register.Headers.Add(SipHeaderNames.From, $"<sip:{username}@{domain}>;tag={SipIds.NewTag()}");
        register.Headers.Add(SipHeaderNames.To, $"<sip:{username}@{domain}>");
        register.Headers.Add(SipHeaderNames.CallId, SipIds.NewCallId());
        register.Headers.Add(SipHeaderNames.CSeq, "1 REGISTER");
        var transportParam = transport == SipTransportKind.Udp ? "" : ";transport=" + transport.ViaToken().ToLowerInvariant();
        register.Headers.Add(SipHeaderNames.Contact, $"<{contact ?? $"sip:{username}@{Address}:5060{transportParam}"}>");
        register.Headers.Add(SipHeaderNames.Expires, expires.ToString(CultureInfo.InvariantCulture));
        register.Headers.Add(SipHeaderNames.UserAgent, "acd-unit-phone");
        var challenge = await _net.RunUntilAsync(Stack.SendRequest(register.Clone(), target).FinalResponse);
        if (challenge.StatusCode is not (401 or 407))
        {
            return challenge;
        }

        var next = register.Clone();
        next.CSeq = new SipCSeq(2, SipMethods.Register);
        if (!new DigestClient(username, password).TryAuthorize(challenge, next))
        {
            throw new InvalidOperationException("the registrar's challenge could not be answered");
        }

        return await _net.RunUntilAsync(Stack.SendRequest(next, target).FinalResponse);
    }

    /// <summary>The one dialog this party has now (a call in progress).</summary>
    public SipDialog Dialog => Ua.Dialogs.SingleOrDefault() ?? throw new InvalidOperationException($"{User} has {Ua.Dialogs.Count} dialogs");

    public IEnumerable<SipRequest> ReceivedOf(string method) => Received.Where(r => r.Method == method);

    // ---- the handler ---------------------------------------------------------------------------------

    Task ISipUserAgentHandler.OnIncomingCallAsync(SipIncomingCall call)
    {
        Invites.Enqueue(call);
        if (OnInvite is { } script)
        {
            return script(call);
        }

        call.Ring();
        return Task.CompletedTask;
    }

    Task ISipUserAgentHandler.OnRequestAsync(SipServerTransaction transaction)
    {
        Received.Enqueue(transaction.Request);
        transaction.Respond(transaction.CreateResponse(transaction.Request.Method == SipMethods.Bye ? 481 : 200));
        return Task.CompletedTask;
    }

    Task ISipUserAgentHandler.OnInDialogRequestAsync(SipServerTransaction transaction, SipDialog dialog)
    {
        Received.Enqueue(transaction.Request);
        transaction.Respond(transaction.CreateResponse(transaction.Request.Method == SipMethods.Refer ? 202 : 200));
        return Task.CompletedTask;
    }

    Task ISipUserAgentHandler.OnReInviteAsync(SipServerTransaction transaction, SipDialog dialog)
    {
        Received.Enqueue(transaction.Request);
        if (OnReInvite is { } script)
        {
            return script(transaction, dialog);
        }

        AnswerReInvite(transaction, dialog);
        return Task.CompletedTask;
    }

    void ISipUserAgentHandler.OnDialogTerminated(SipDialog dialog, SipRequest? bye) => Ended.Enqueue((dialog, bye));

    /// <summary>200 with this party's media, each stream in the direction that answers the offer's (RFC 3264 6.1).</summary>
    public void AnswerReInvite(SipServerTransaction transaction, SipDialog dialog)
    {
        var ok = transaction.CreateResponse(200);
        ok.Headers.Add(SipHeaderNames.Contact, $"<{dialog.LocalContact}>");
        var offer = transaction.Request.Body.Length > 0 ? SdpSession.Parse(transaction.Request.BodyText) : null;
        var direction = offer is null ? SdpDirection.SendRecv : SdpSession.AnswerDirection(offer.EffectiveDirection(offer.Media[0]));
        var sdp = NextSdp(direction);
        ok.SetBody("application/sdp", sdp);
        dialog.LocalSdp = sdp;
        transaction.Respond(ok);
    }

    public async ValueTask DisposeAsync() => await Stack.DisposeAsync();
}

/// <summary>SDP direction attributes, and reading them back from a description on the wire.</summary>
public static class Directions
{
    public static string Token(SdpDirection direction) => direction switch
    {
        SdpDirection.SendOnly => "sendonly",
        SdpDirection.RecvOnly => "recvonly",
        SdpDirection.Inactive => "inactive",
        _ => "sendrecv",
    };

    /// <summary>The direction of the first stream of <paramref name="message"/>'s SDP.</summary>
    public static SdpDirection Of(SipMessage message)
    {
        var sdp = SdpSession.Parse(message.BodyText);
        return sdp.EffectiveDirection(sdp.Media[0]);
    }

    /// <summary>The o= version of <paramref name="message"/>'s SDP.</summary>
    public static ulong VersionOf(SipMessage message) =>
        ulong.Parse(SdpSession.Parse(message.BodyText).Origin.Split(' ')[2], CultureInfo.InvariantCulture);
}

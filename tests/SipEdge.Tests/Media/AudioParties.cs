using System.Collections.Concurrent;
using System.Net;
using Acd.Media.Codecs;
using Acd.Media.Tests.Infrastructure;
using Acd.Sip;
using Acd.Sip.Auth;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Transactions;
using Acd.Sip.Transports;
using Acd.Sip.Uris;

namespace Acd.SipEdge.Tests.Media;

/// <summary>
/// One party of a call whose audio the test checks: the project's SIP stack for signalling and an RTP phone
/// (<see cref="TestPhone"/>) that sends a tone and keeps what it hears, decoded. It answers in-dialog requests with 200
/// and keeps the INFOs (DTMF relayed as SIP INFO).
/// </summary>
public abstract class AudioParty : IAsyncDisposable, ISipUserAgentHandler
{
    private readonly SipStack _stack;

    protected AudioParty(SipStack stack, AudioCodec codec, bool telephoneEvent, string user, bool srtp = false)
    {
        _stack = stack;
        Rtp = new TestPhone(codec, srtp: srtp);
        TelephoneEvent = telephoneEvent;
        Ua = new SipUserAgent(stack, this) { ContactUser = user };
    }

    public TestPhone Rtp { get; }

    public SipUserAgent Ua { get; }

    public bool TelephoneEvent { get; }

    public SipDialog? Dialog { get; protected set; }

    /// <summary>The bodies of the INFOs this party received.</summary>
    public ConcurrentQueue<string> Infos { get; } = new();

    /// <summary>The party's description: its codec, telephone-event unless it is a phone without RFC 4733.</summary>
    public string Sdp(string direction = "sendrecv")
    {
        if (TelephoneEvent)
        {
            return Rtp.Sdp(direction);
        }

        var pt = Rtp.PayloadType;
        return "v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
               $"m=audio {Rtp.Port} RTP/AVP {pt}\r\na=rtpmap:{pt} {Rtp.Codec.EncodingName()}/8000\r\na=ptime:20\r\na={direction}\r\n";
    }

    /// <summary>Holds (sendonly) or resumes (sendrecv) with a re-INVITE of its own; the answer's direction comes back.</summary>
    public async Task<SipResponse> ReInviteAsync(string direction) => await Ua.ReInviteAsync(Dialog!, Sdp(direction));

    public Task<SipResponse> InfoAsync(char digit) =>
        Ua.SendInDialogAsync(Dialog!, Dialog!.CreateInfo("application/dtmf-relay", $"Signal={digit}\r\nDuration=160\r\n"));

    public async Task HangUpAsync()
    {
        if (Dialog is not null && Ua.Dialogs.Contains(Dialog))
        {
            await Ua.ByeAsync(Dialog);
        }
    }

    /// <summary>The RFC 4733 events this party received, as digits, once each (an event repeats its end packet).</summary>
    public string DigitsReceived()
    {
        var digits = new List<char>();
        uint? last = null;
        foreach (var packet in Rtp.Received.Where(p => p.Header.PayloadType == Rtp.TelephoneEventPayloadType))
        {
            if (last == packet.Header.Timestamp || packet.Payload.Length < 4)
            {
                continue;
            }

            last = packet.Header.Timestamp;
            digits.Add("0123456789*#ABCD"[packet.Payload[0] & 0x0F]);
        }

        return new string([.. digits]);
    }

    public virtual Task OnIncomingCallAsync(SipIncomingCall call)
    {
        call.Reject(486);
        return Task.CompletedTask;
    }

    Task ISipUserAgentHandler.OnRequestAsync(SipServerTransaction transaction)
    {
        transaction.Respond(transaction.CreateResponse(481));
        return Task.CompletedTask;
    }

    Task ISipUserAgentHandler.OnInDialogRequestAsync(SipServerTransaction transaction, SipDialog dialog)
    {
        var request = transaction.Request;
        if (request.Method == SipMethods.Info)
        {
            Infos.Enqueue(request.BodyText ?? "");
        }
        else if (request.Method == SipMethods.Invite && request.BodyText is { Length: > 0 } offer)
        {
            Rtp.TargetFromSdp(offer);
            var ok = transaction.CreateResponse(200);
            ok.SetBody("application/sdp", Sdp());
            transaction.Respond(ok);
            return Task.CompletedTask;
        }

        transaction.Respond(transaction.CreateResponse(200));
        return Task.CompletedTask;
    }

    protected static async Task<SipStack> StackOnAsync(int port)
    {
        var stack = new SipStack();
        stack.AddUdp(new IPEndPoint(IPAddress.Loopback, port));
        await stack.StartAsync();
        return stack;
    }

    /// <summary>A stack that only connects out over TLS, trusting the edge's CA (as a desk phone provisioned with it would).</summary>
    protected static async Task<SipStack> TlsStackAsync(EdgeHost host)
    {
        var stack = new SipStack(new SipStackOptions { PublicHost = "127.0.0.1" });
        stack.AddTls(new IPEndPoint(IPAddress.Loopback, 0), new SipTlsOptions { TrustedAuthorities = [host.Certificates.Authority] });
        await stack.StartAsync();
        return stack;
    }

    /// <summary>The edge's TLS listener.</summary>
    protected static SipTarget TlsTarget(EdgeHost host) => new(SipTransportKind.Tls, new IPEndPoint(IPAddress.Loopback, host.TlsPort));

    public async ValueTask DisposeAsync()
    {
        await Rtp.DisposeAsync();
        await _stack.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// A customer dialling a queue number from "the phone network" (an allowed trunk address), or, with an agent's id as
/// <c>fromUser</c>, that agent's phone on an allowed PBX dialling a colleague's extension.
/// </summary>
public sealed class AudioCaller : AudioParty
{
    private readonly string _fromUser;
    private readonly CancellationTokenSource _cancel = new();

    private AudioCaller(SipStack stack, AudioCodec codec, bool telephoneEvent, string fromUser, bool srtp = false)
        : base(stack, codec, telephoneEvent, fromUser, srtp)
    {
        _fromUser = fromUser;
    }

    /// <summary>The INVITE's outcome: the edge answers when an agent does (early media before that).</summary>
    public Task<SipCallResult> Answer { get; private set; } = null!;

    public static async Task<AudioCaller> DialAsync(EdgeHost host, string number, AudioCodec codec = AudioCodec.Pcmu, bool telephoneEvent = true,
        string fromUser = "+4930123456")
    {
        var stack = await StackOnAsync(Sipp.FreeUdpPort());
        var caller = new AudioCaller(stack, codec, telephoneEvent, fromUser);
        var uri = SipUri.Parse($"sip:{number}@127.0.0.1:{host.SipPort}");
        caller.Answer = caller.InviteAsync(uri, new SipTarget(SipTransportKind.Udp, new IPEndPoint(IPAddress.Loopback, host.SipPort)));
        return caller;
    }

    /// <summary>A caller from a trunk on TLS; with <paramref name="srtp"/> it offers SDES-SRTP (RTP/SAVP and its key).</summary>
    public static async Task<AudioCaller> DialOverTlsAsync(EdgeHost host, string number, bool srtp)
    {
        var caller = new AudioCaller(await TlsStackAsync(host), AudioCodec.Pcmu, telephoneEvent: true, "+4930123456", srtp);
        var uri = SipUri.Parse($"sip:{number}@127.0.0.1:{host.TlsPort};transport=tls");
        caller.Answer = caller.InviteAsync(uri, TlsTarget(host));
        return caller;
    }

    /// <summary>A caller on UDP that offers SDES-SRTP all the same (keys in clear text), which the edge must refuse.</summary>
    public static async Task<AudioCaller> DialSrtpOverUdpAsync(EdgeHost host, string number)
    {
        var caller = new AudioCaller(await StackOnAsync(Sipp.FreeUdpPort()), AudioCodec.Pcmu, telephoneEvent: true, "+4930123456", srtp: true);
        var uri = SipUri.Parse($"sip:{number}@127.0.0.1:{host.SipPort}");
        caller.Answer = caller.InviteAsync(uri, new SipTarget(SipTransportKind.Udp, new IPEndPoint(IPAddress.Loopback, host.SipPort)));
        return caller;
    }

    private async Task<SipCallResult> InviteAsync(SipUri uri, SipTarget target)
    {
        var result = await Ua.InviteAsync(uri, new SipNameAddress(SipUri.Parse($"sip:{_fromUser}@127.0.0.1")), new SipNameAddress(uri), Sdp(), target,
            cancellationToken: _cancel.Token);
        if (result.FinalResponse.IsSuccess && result.Dialog is { } dialog)
        {
            Dialog = dialog;
            Rtp.TargetFromSdp(result.FinalResponse.BodyText!);
        }

        return result;
    }

    /// <summary>Hangs up before anyone answered (CANCEL); the INVITE's outcome is then 487.</summary>
    public async Task<SipCallResult> CancelAsync()
    {
        await _cancel.CancelAsync();
        return await Answer.WaitAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>Waits for the agent's answer and starts sending the caller's tone.</summary>
    public async Task ConnectedAsync(double toneHz)
    {
        var result = await Answer.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(result.FinalResponse.IsSuccess, result.FinalResponse.ToString());
        Rtp.StartTone(toneHz);
    }
}

/// <summary>An agent's desk phone: registered for the agent (digest, through SIPp), it answers the first call and sends its tone.</summary>
public sealed class AudioPhone : AudioParty
{
    private readonly double _toneHz;

    private AudioPhone(SipStack stack, string agentId, AudioCodec codec, bool telephoneEvent, double toneHz, bool srtp = false)
        : base(stack, codec, telephoneEvent, agentId, srtp)
    {
        _toneHz = toneHz;
    }

    public TaskCompletionSource<string> Offer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<AudioPhone> RegisterAsync(EdgeHost host, string agentId, double toneHz, AudioCodec codec = AudioCodec.Pcmu,
        bool telephoneEvent = true)
    {
        var port = Sipp.FreeUdpPort();
        await host.RegisterPhoneAsync(agentId, port);
        return new AudioPhone(await StackOnAsync(port), agentId, codec, telephoneEvent, toneHz);
    }

    /// <summary>
    /// A desk phone on TLS, on the project's own stack: it registers for the agent with digest over its one connection
    /// to the edge's TLS port (which the edge then rings it over) and, with <paramref name="srtp"/>, speaks SDES-SRTP.
    /// </summary>
    public static async Task<AudioPhone> RegisterOverTlsAsync(EdgeHost host, string agentId, double toneHz, bool srtp)
    {
        var stack = await TlsStackAsync(host);
        var phone = new AudioPhone(stack, agentId, AudioCodec.Pcmu, telephoneEvent: true, toneHz, srtp);
        var register = new SipRequest(SipMethods.Register, SipUri.Parse("sip:127.0.0.1"));
        register.Headers.Add(SipHeaderNames.From, $"<sip:{agentId}@127.0.0.1>;tag={SipIds.NewTag()}");
        register.Headers.Add(SipHeaderNames.To, $"<sip:{agentId}@127.0.0.1>");
        register.Headers.Add(SipHeaderNames.CallId, SipIds.NewCallId());
        register.Headers.Add(SipHeaderNames.CSeq, "1 REGISTER");
        register.Headers.Add(SipHeaderNames.Contact, $"<{stack.CreateContactUri(SipTransportKind.Tls, agentId)}>");
        register.Headers.Add(SipHeaderNames.Expires, "3600");
        var credentials = new DigestClient(agentId, EdgeHost.SipPassword);
        var final = await stack.SendRequest(register, TlsTarget(host)).FinalResponse;
        if (final.StatusCode is 401 or 407)
        {
            var next = register.Clone();
            next.Headers.RemoveFirst(SipHeaderNames.Via);
            next.CSeq = new SipCSeq(register.CSeq!.Number + 1, SipMethods.Register);
            Assert.True(credentials.TryAuthorize(final, next), "the phone answers the challenge");
            final = await stack.SendRequest(next, TlsTarget(host)).FinalResponse;
        }

        Assert.Equal(200, final.StatusCode);
        await EdgeHost.Eventually(async () => !(await host.AgentAsync(agentId)).Devices.IsDefaultOrEmpty, $"agent {agentId}'s TLS phone registered");
        return phone;
    }

    public override Task OnIncomingCallAsync(SipIncomingCall call)
    {
        if (Dialog is not null || call.Invite.BodyText is not { Length: > 0 } offer)
        {
            call.Reject(486);
            return Task.CompletedTask;
        }

        Rtp.TargetFromSdp(offer);
        Dialog = call.Answer(Sdp());
        Offer.TrySetResult(offer);
        Rtp.StartTone(_toneHz);
        return Task.CompletedTask;
    }
}

/// <summary>A carrier on TLS (the edge's outbound trunk): its own listener with the test certificate; answers the first call with its tone.</summary>
public sealed class AudioTrunk : AudioParty
{
    private readonly double _toneHz;

    private AudioTrunk(SipStack stack, double toneHz, bool srtp) : base(stack, AudioCodec.Pcmu, telephoneEvent: true, "carrier", srtp)
    {
        _toneHz = toneHz;
    }

    public TaskCompletionSource<SipRequest> Invite { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<AudioTrunk> ListenOverTlsAsync(EdgeHost host, int port, double toneHz, bool srtp)
    {
        var stack = new SipStack(new SipStackOptions { PublicHost = "127.0.0.1" });
        stack.AddTls(new IPEndPoint(IPAddress.Loopback, port), new SipTlsOptions { ServerCertificate = host.Certificates.Server });
        await stack.StartAsync();
        return new AudioTrunk(stack, toneHz, srtp);
    }

    public override Task OnIncomingCallAsync(SipIncomingCall call)
    {
        if (Dialog is not null || call.Invite.BodyText is not { Length: > 0 } offer)
        {
            call.Reject(486);
            return Task.CompletedTask;
        }

        Invite.TrySetResult(call.Invite);
        Rtp.TargetFromSdp(offer);
        Dialog = call.Answer(Sdp());
        Rtp.StartTone(_toneHz);
        return Task.CompletedTask;
    }
}

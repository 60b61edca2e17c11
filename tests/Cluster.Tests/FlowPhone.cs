using System.Net;
using Acd.Sip;
using Acd.Sip.Auth;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Transports;
using Acd.Sip.Uris;

namespace Acd.Cluster.Tests;

/// <summary>
/// An agent phone that only its own connection reaches, like a browser's WebSocket (RFC 7118, a made-up ".invalid"
/// contact host) or a TCP phone: it registers with digest over that connection to one frontend and answers every call
/// that comes down it. Built on the product's own SIP stack, acting as the client.
/// </summary>
public sealed class FlowPhone : ISipUserAgentHandler, IAsyncDisposable
{
    private const string Sdp = "v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
                               "m=audio 49170 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

    /// <summary>
    /// What a browser would answer a WebRTC offer with (the edge offers WebRTC to phones on WebSocket). This phone only
    /// signals: its ICE never starts, so no media flows, which the calls here (1.5 s) do not need.
    /// </summary>
    private const string WebRtcSdp = "v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
                                     "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp-mux\r\na=mid:0\r\n" +
                                     "a=ice-ufrag:flow\r\na=ice-pwd:flowphonepassword012345\r\na=setup:active\r\n" +
                                     "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n" +
                                     "a=sendrecv\r\n";

    private readonly SipStack _stack;
    private readonly SipUserAgent _ua;
    private readonly SipTransportKind _kind;
    private readonly string _agentId;
    private SipTarget _flow;
    private int _answered;

    private FlowPhone(SipStack stack, SipTransportKind kind, string agentId)
    {
        _stack = stack;
        _kind = kind;
        _agentId = agentId;
        _ua = new SipUserAgent(stack, this);
    }

    public int Answered => Volatile.Read(ref _answered);

    /// <summary>A phone on a WebSocket to <paramref name="frontendBaseUrl"/>'s /sip, registered as the agent.</summary>
    public static async Task<FlowPhone> OverWebSocketAsync(string frontendBaseUrl, string agentId, string password, string domain)
    {
        var stack = new SipStack(new SipStackOptions { PublicHost = $"{agentId}.invalid" });
        var phone = new FlowPhone(stack, SipTransportKind.Ws, agentId);
        phone._flow = await stack.ConnectWebSocketAsync(new Uri(frontendBaseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + "/sip"));
        await phone.RegisterAsync(password, domain);
        return phone;
    }

    /// <summary>A phone on a TCP connection to <paramref name="sipPort"/>, registered as the agent.</summary>
    public static async Task<FlowPhone> OverTcpAsync(int sipPort, string agentId, string password, string domain)
    {
        var stack = new SipStack(new SipStackOptions { PublicHost = "127.0.0.1" });
        stack.AddTcp(new IPEndPoint(IPAddress.Loopback, 0));
        await stack.StartAsync();
        var phone = new FlowPhone(stack, SipTransportKind.Tcp, agentId) { _flow = new SipTarget(SipTransportKind.Tcp, new IPEndPoint(IPAddress.Loopback, sipPort)) };
        await phone.RegisterAsync(password, domain);
        return phone;
    }

    private async Task RegisterAsync(string password, string domain)
    {
        var register = new SipRequest(SipMethods.Register, SipUri.Parse($"sip:{domain}"));
        register.Headers.Add(SipHeaderNames.From, $"<sip:{_agentId}@{domain}>;tag={SipIds.NewTag()}");
        register.Headers.Add(SipHeaderNames.To, $"<sip:{_agentId}@{domain}>");
        register.Headers.Add(SipHeaderNames.CallId, SipIds.NewCallId());
        register.Headers.Add(SipHeaderNames.CSeq, "1 REGISTER");
        register.Headers.Add(SipHeaderNames.Contact, $"<{_stack.CreateContactUri(_kind, _agentId)}>");
        register.Headers.Add(SipHeaderNames.Expires, "3600");
        var credentials = new DigestClient(_agentId, password);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var final = await _stack.SendRequest(register, _flow).FinalResponse;
            if (final.IsSuccess)
            {
                // A TCP phone's first request opened the connection: later ones (and the edge's INVITEs) use that flow.
                return;
            }

            var next = register.Clone();
            next.Headers.RemoveFirst(SipHeaderNames.Via);
            next.CSeq = new SipCSeq(register.CSeq!.Number + 1, SipMethods.Register);
            if (final.StatusCode is not (401 or 407) || !credentials.TryAuthorize(final, next))
            {
                throw new InvalidOperationException($"REGISTER of {_agentId} failed: {final.StatusCode} {final.ReasonPhrase}");
            }

            register = next;
        }

        throw new InvalidOperationException($"REGISTER of {_agentId} kept being challenged");
    }

    public Task OnIncomingCallAsync(SipIncomingCall call)
    {
        call.Ring();
        var webRtc = call.Invite.BodyText?.Contains("UDP/TLS/RTP/SAVPF", StringComparison.Ordinal) == true;
        if (call.Answer(webRtc ? WebRtcSdp : Sdp) is not null)
        {
            Interlocked.Increment(ref _answered);
        }

        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _stack.DisposeAsync();
}

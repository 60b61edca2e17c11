using System.Net;
using System.Text;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Parsing;
using Acd.Sip.Transactions;
using Acd.Sip.Transports;

namespace Acd.Sip.Tests;

/// <summary>Records what the transaction layer sends, with the fake clock's time.</summary>
internal sealed class FakeSender(TimeProvider time) : ISipMessageSender
{
    public List<(SipMessage Message, SipTarget Target, TimeSpan At)> Sent { get; } = [];
    private readonly DateTimeOffset _start = time.GetUtcNow();

    public void Send(SipMessage message, SipTarget target)
    {
        lock (Sent) Sent.Add((message, target, time.GetUtcNow() - _start));
    }

    public List<SipRequest> Requests(string method) => Sent.Select(s => s.Message).OfType<SipRequest>().Where(r => r.Method == method).ToList();

    public List<SipResponse> Responses(int code) => Sent.Select(s => s.Message).OfType<SipResponse>().Where(r => r.StatusCode == code).ToList();
}

/// <summary>In-memory transport: captures bytes the stack sends, reparsed for assertions.</summary>
internal sealed class FakeTransport(SipTransportKind kind, IPEndPoint local) : ISipTransport
{
    public List<(SipMessage Message, SipTarget Target)> Sent { get; } = [];

    public SipTransportKind Kind => kind;

    public IPEndPoint LocalEndPoint => local;

    public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public ValueTask SendAsync(ReadOnlyMemory<byte> data, SipTarget target, CancellationToken cancellationToken = default)
    {
        var r = SipParser.Parse(data.Span);
        lock (Sent) Sent.Add((r.Message!, target));
        return ValueTask.CompletedTask;
    }

    public List<SipResponse> Responses(int code)
    {
        lock (Sent) return Sent.Select(s => s.Message).OfType<SipResponse>().Where(r => r.StatusCode == code).ToList();
    }

    public List<SipRequest> Requests(string method)
    {
        lock (Sent) return Sent.Select(s => s.Message).OfType<SipRequest>().Where(r => r.Method == method).ToList();
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

internal static class Msg
{
    public static readonly IPEndPoint Peer = new(IPAddress.Parse("192.0.2.10"), 5070);
    public static readonly IPEndPoint Local = new(IPAddress.Loopback, 5060);
    public static SipInboundContext UdpCtx => new(SipTransportKind.Udp, Local, Peer, 0);

    public static SipRequest Request(string method, string branch = "z9hG4bKtest1", uint cseq = 1, string? toTag = null, string callId = "call-1", string fromTag = "ft1", string sentBy = "192.0.2.10:5070")
    {
        var text = $"{method} sip:svc@127.0.0.1 SIP/2.0\r\n" +
                   $"Via: SIP/2.0/UDP {sentBy};branch={branch};rport\r\n" +
                   "Max-Forwards: 70\r\n" +
                   $"From: <sip:alice@example.com>;tag={fromTag}\r\n" +
                   $"To: <sip:svc@127.0.0.1>{(toTag is null ? "" : ";tag=" + toTag)}\r\n" +
                   $"Call-ID: {callId}\r\n" +
                   $"CSeq: {cseq} {method}\r\n" +
                   "Contact: <sip:alice@192.0.2.10:5070>\r\n" +
                   "Content-Length: 0\r\n\r\n";
        var r = SipParser.Parse(Encoding.UTF8.GetBytes(text));
        Assert.True(r.Success, r.ToString());
        return (SipRequest)r.Message!;
    }

    public static SipResponse ResponseTo(SipRequest request, int code, string? toTag = "tt1")
    {
        var r = SipResponse.Create(request, code, null, toTag);
        return (SipResponse)SipParser.Parse(r.ToBytes()).Message!;
    }

    public static byte[] Bytes(SipMessage m) => m.ToBytes();
}

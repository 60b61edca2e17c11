using System.Net;
using System.Text;
using Acd.Sip.Dialogs;
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

/// <summary>A transaction user that records what reaches it; <see cref="OnRequestAction"/> decides how to answer.</summary>
internal sealed class RecordingTransactionUser : ISipTransactionUser
{
    public List<SipServerTransaction> Requests { get; } = [];

    public List<SipRequest> Acks { get; } = [];

    public List<SipResponse> StrayResponses { get; } = [];

    public Action<SipServerTransaction>? OnRequestAction { get; set; }

    public void OnRequest(SipServerTransaction transaction)
    {
        lock (Requests) Requests.Add(transaction);
        OnRequestAction?.Invoke(transaction);
    }

    public void OnAck(SipRequest ack, SipInboundContext source) => Acks.Add(ack);

    public void OnStrayResponse(SipResponse response, SipInboundContext source) => StrayResponses.Add(response);
}

/// <summary>Server-transaction events as a list of names, in the order they were heard.</summary>
internal sealed class RecordingServerObserver : ISipServerTransactionObserver
{
    public List<string> Events { get; } = [];

    public Action<SipServerTransaction>? OnCancelledAction { get; set; }

    public Action<SipServerTransaction>? OnAckTimedOutAction { get; set; }

    public void OnCancelled(SipServerTransaction transaction)
    {
        lock (Events) Events.Add("cancelled");
        OnCancelledAction?.Invoke(transaction);
    }

    public void OnAckReceived(SipServerTransaction transaction, SipRequest ack)
    {
        lock (Events) Events.Add("ack " + ack.CSeq!.Number.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public void OnAckTimedOut(SipServerTransaction transaction)
    {
        lock (Events) Events.Add("ack timed out");
        OnAckTimedOutAction?.Invoke(transaction);
    }
}

/// <summary>Every response of a client transaction; <see cref="OnResponseAction"/> runs inside the callback.</summary>
internal sealed class RecordingClientObserver : ISipClientTransactionObserver
{
    public List<int> Codes { get; } = [];

    public Action<SipClientTransaction, SipResponse>? OnResponseAction { get; set; }

    public void OnResponse(SipClientTransaction transaction, SipResponse response)
    {
        lock (Codes) Codes.Add(response.StatusCode);
        OnResponseAction?.Invoke(transaction, response);
    }
}

/// <summary>
/// A user-agent handler made of optional delegates, so a test states only the behaviour it needs; unset members
/// fall back to the interface's defaults.
/// </summary>
internal sealed class TestUaHandler : ISipUserAgentHandler
{
    private static readonly ISipUserAgentHandler Defaults = new DefaultsOnly();

    public Func<SipIncomingCall, Task>? IncomingCall { get; set; }

    public Func<SipServerTransaction, SipDialog?, Task>? Request { get; set; }

    public Func<SipServerTransaction, SipDialog, Task>? ReInvite { get; set; }

    public Action<SipDialog, SipRequest?>? DialogTerminated { get; set; }

    public Task OnIncomingCallAsync(SipIncomingCall call) => IncomingCall?.Invoke(call) ?? Defaults.OnIncomingCallAsync(call);

    public Task OnRequestAsync(SipServerTransaction transaction) => Request?.Invoke(transaction, null) ?? Defaults.OnRequestAsync(transaction);

    public Task OnInDialogRequestAsync(SipServerTransaction transaction, SipDialog dialog) =>
        Request?.Invoke(transaction, dialog) ?? Defaults.OnInDialogRequestAsync(transaction, dialog);

    public Task OnReInviteAsync(SipServerTransaction transaction, SipDialog dialog) => ReInvite?.Invoke(transaction, dialog) ?? Defaults.OnReInviteAsync(transaction, dialog);

    public void OnDialogTerminated(SipDialog dialog, SipRequest? bye) => DialogTerminated?.Invoke(dialog, bye);

    private sealed class DefaultsOnly : ISipUserAgentHandler;
}

/// <summary>Keeps every log entry with its formatted message, for asserting what a failure logged.</summary>
internal sealed class ListLogger : Microsoft.Extensions.Logging.ILogger
{
    public List<(Microsoft.Extensions.Logging.LogLevel Level, string Message, Exception? Exception)> Entries { get; } = [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter)
    {
        lock (Entries) Entries.Add((logLevel, formatter(state, exception), exception));
        if (logLevel == Microsoft.Extensions.Logging.LogLevel.Error) _firstError.TrySetResult();
    }

    private readonly TaskCompletionSource _firstError = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first Error line arrives (a handler failing on another thread).</summary>
    public Task FirstError => _firstError.Task;

    public List<string> Errors()
    {
        lock (Entries) return Entries.Where(e => e.Level == Microsoft.Extensions.Logging.LogLevel.Error).Select(e => e.Message).ToList();
    }
}

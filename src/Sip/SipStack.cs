using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Parsing;
using Acd.Sip.Transactions;
using Acd.Sip.Transports;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.Sip;

/// <summary>
/// The SIP endpoint: owns the transports (UDP, TCP, TLS, WebSocket), validates and answers bad
/// input statelessly, stamps received/rport on inbound Via (RFC 3581), routes responses per Via,
/// keeps stream connections as flows, and runs the transaction layer.
/// </summary>
public sealed class SipStack : ISipMessageSender, ISipInboundSink, IAsyncDisposable
{
    private readonly List<ISipTransport> _transports = [];
    private readonly ConcurrentDictionary<long, SipConnection> _flows = new();
    private readonly Lock _observerGate = new();
    private ISipStackObserver[] _observers = [];
    private long _nextFlow;

    /// <param name="logger">Where handler failures (with their Call-ID), failed sends and rejections are logged; nothing by default.</param>
    public SipStack(SipStackOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        Options = options ?? new SipStackOptions();
        Logger = logger ?? NullLogger.Instance;
        Transactions = new SipTransactionLayer(this, timeProvider ?? TimeProvider.System, Options.Timers, Logger);
    }

    public SipStackOptions Options { get; }

    public SipTransactionLayer Transactions { get; }

    public ILogger Logger { get; }

    public IReadOnlyList<ISipTransport> Transports => _transports;

    /// <summary>Adds a diagnostics listener; dispose the result to remove it.</summary>
    public IDisposable AddObserver(ISipStackObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_observerGate) _observers = [.. _observers, observer];
        return new ObserverRegistration(this, observer);
    }

    private sealed class ObserverRegistration(SipStack stack, ISipStackObserver observer) : IDisposable
    {
        public void Dispose()
        {
            lock (stack._observerGate) stack._observers = [.. stack._observers.Where(o => !ReferenceEquals(o, observer))];
        }
    }

    private void NotifyRejected(SipInboundDecision decision, SipInboundContext context)
    {
        SipMetrics.MessageRejected(decision.Action == SipInboundAction.Drop);
        SipLog.Rejected(Logger, context.Remote.ToString(), decision.Action == SipInboundAction.Drop ? "dropped" : "answered statelessly", decision.Reason);
        foreach (var o in _observers)
        {
            try
            {
                o.OnRejected(decision, context);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                SipLog.HandlerFailed(Logger, ex, nameof(ISipStackObserver.OnRejected), decision.Message);
            }
        }
    }

    public UdpSipTransport AddUdp(IPEndPoint bind)
    {
        var t = new UdpSipTransport(bind, this, Options.UdpReceiveBufferBytes);
        _transports.Add(t);
        return t;
    }

    public TcpSipTransport AddTcp(IPEndPoint bind)
    {
        var t = new TcpSipTransport(bind, this, Options.Parser);
        _transports.Add(t);
        return t;
    }

    /// <summary>
    /// SIP over TLS (sips, transport=tls). With <see cref="SipTlsOptions.ServerCertificate"/> it listens on
    /// <paramref name="bind"/>; without, it only connects out (a phone, the client side of a TLS trunk).
    /// </summary>
    public TlsSipTransport AddTls(IPEndPoint bind, SipTlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var t = new TlsSipTransport(bind, this, options, Options.Parser);
        _transports.Add(t);
        return t;
    }

    /// <summary>Adds a custom transport (e.g. an in-memory one for tests).</summary>
    public void AddTransport(ISipTransport transport) => _transports.Add(transport);

    private bool _configuredAdded;

    private void AddConfiguredListeners()
    {
        if (_configuredAdded) return;
        _configuredAdded = true;
        foreach (var l in Options.Listeners)
        {
            var ep = new IPEndPoint(IPAddress.Parse(l.Address), l.Port);
            switch (l.Transport.ToLowerInvariant())
            {
                case "udp":
                    AddUdp(ep);
                    break;
                case "tcp":
                    AddTcp(ep);
                    break;
                case "tls":
                    if (l.CertificatePath is null) throw new InvalidOperationException("a tls listener needs CertificatePath");
                    var (certificate, chain) = SipTlsCertificates.Load(l.CertificatePath, l.CertificatePassword, l.KeyPath, "SIP tls listener");
                    AddTls(ep, new SipTlsOptions { ServerCertificate = certificate, ServerChain = chain });
                    break;
                default:
                    throw new InvalidOperationException($"unknown SIP listener transport '{l.Transport}'");
            }
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        AddConfiguredListeners();
        foreach (var t in _transports) await t.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public ISipTransport? GetTransport(SipTransportKind kind) => _transports.FirstOrDefault(t => t.Kind == kind);

    /// <summary>True while the TCP/TLS/WS connection with this flow id is open.</summary>
    public bool IsFlowAlive(long flowId) => _flows.ContainsKey(flowId);

    public SipConnection? GetFlow(long flowId) => _flows.TryGetValue(flowId, out var c) ? c : null;

    /// <summary>
    /// Sends a request in a new client transaction, adding the top Via (fresh branch, rport) and,
    /// if absent, Max-Forwards. Without a target it is derived from the first Route or the Request-URI.
    /// </summary>
    public SipClientTransaction SendRequest(SipRequest request, SipTarget? target = null, ISipClientTransactionObserver? observer = null)
    {
        var t = target ?? ResolveTarget(request);
        request.Headers.AddFirst(SipHeaderNames.Via, CreateVia(t).ToString());
        if (!request.Headers.Contains(SipHeaderNames.MaxForwards)) request.MaxForwards = 70;
        return Transactions.SendRequest(request, t, observer);
    }

    /// <summary>Sends an ACK for a 2xx (its own transaction-less request), adding a Via.</summary>
    public void SendAck(SipRequest ack, SipTarget? target = null)
    {
        var t = target ?? ResolveTarget(ack);
        if (ack.TopVia is null) ack.Headers.AddFirst(SipHeaderNames.Via, CreateVia(t).ToString());
        Send(ack, t);
    }

    public SipVia CreateVia(SipTarget target)
    {
        var local = LocalEndPointFor(target.Transport);
        var host = Options.PublicHost ?? HostFor(local);
        return new SipVia(target.Transport.ViaToken(), host, PortOf(local), SipIds.NewBranch());
    }

    /// <summary>
    /// Address for Contact headers on a given transport. On TLS it is sip:...;transport=tls, which asks for TLS on the
    /// next hop only; <paramref name="sips"/> (a dialog whose Request-URI was sips, RFC 3261 12.1.1) makes it a sips URI,
    /// written without transport=tls as RFC 5630 3.2 deprecates it.
    /// </summary>
    public Uris.SipUri CreateContactUri(SipTransportKind transport, string? user = null, bool sips = false)
    {
        var local = LocalEndPointFor(transport);
        var host = Options.PublicHost ?? HostFor(local);
        if (transport == SipTransportKind.Tls)
        {
            var tls = new Uris.SipUri(sips ? "sips" : "sip", user, host, PortOf(local));
            return sips ? tls : tls.WithParameter("transport", "tls");
        }

        var uri = new Uris.SipUri(transport == SipTransportKind.Wss ? "sips" : "sip", user, host, PortOf(local));
        return transport == SipTransportKind.Udp ? uri : uri.WithParameter("transport", transport.ViaToken().ToLowerInvariant());
    }

    /// <summary>
    /// Address to advertise for a listener: a wildcard bind (0.0.0.0/::) is not routable, so the
    /// first non-loopback IPv4 address of an up interface is used unless PublicHost is set.
    /// </summary>
    private static string HostFor(IPEndPoint? local)
    {
        if (local is null) return "invalid";
        if (!local.Address.Equals(IPAddress.Any) && !local.Address.Equals(IPAddress.IPv6Any))
            return local.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{local.Address}]" : local.Address.ToString();
        return WildcardHost.Value;
    }

    private static readonly Lazy<string> WildcardHost = new(() =>
    {
        foreach (var nic in System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != System.Net.NetworkInformation.OperationalStatus.Up ||
                nic.NetworkInterfaceType == System.Net.NetworkInformation.NetworkInterfaceType.Loopback) continue;
            foreach (var a in nic.GetIPProperties().UnicastAddresses)
            {
                if (a.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) return a.Address.ToString();
            }
        }
        return "127.0.0.1";
    });

    /// <summary>A client-side WebSocket knows no local port (RFC 7118 puts none in Via and Contact): port 0 is written as no port.</summary>
    private static int? PortOf(IPEndPoint? local) => local is { Port: > 0 } ? local.Port : null;

    private IPEndPoint? LocalEndPointFor(SipTransportKind kind) =>
        GetTransport(kind)?.LocalEndPoint ?? _flows.Values.FirstOrDefault(f => f.Kind == kind)?.Local ?? _transports.FirstOrDefault()?.LocalEndPoint;

    /// <summary>Next hop from the first Route (loose routing) or the Request-URI: host must be an IP literal or resolvable name.</summary>
    public SipTarget ResolveTarget(SipRequest request)
    {
        var uri = request.Routes.Count > 0 ? request.Routes[0].Uri : request.RequestUri;
        var kind = SipTransportKinds.FromToken(uri.Transport) ?? (uri.IsSecure ? SipTransportKind.Tls : SipTransportKind.Udp);
        var host = uri.Parameters["maddr"] ?? uri.Host;
        var literal = IPAddress.TryParse(host.Trim('[', ']'), out var ip);
        var address = literal ? ip! : Dns.GetHostAddresses(host).First();
        var port = uri.Port ?? (kind == SipTransportKind.Tls ? 5061 : 5060);
        var ep = new IPEndPoint(address, port);
        var flow = _flows.Values.FirstOrDefault(f => f.Kind == kind && f.Remote.Equals(ep));
        return new SipTarget(kind, ep, flow?.FlowId ?? 0, literal ? null : host);
    }

    /// <summary>Sends any message (stateless). Uses the flow when given and alive, else the transport of the target kind.</summary>
    public void Send(SipMessage message, SipTarget target)
    {
        var bytes = SipSerializer.ToBytes(message);
        _ = SendBytesAsync(bytes, target, message);
    }

    private async Task SendBytesAsync(byte[] bytes, SipTarget target, SipMessage message)
    {
        try
        {
            if (target.FlowId != 0 && _flows.TryGetValue(target.FlowId, out var flow))
            {
                await flow.SendAsync(bytes, CancellationToken.None).ConfigureAwait(false);
                return;
            }
            var transport = GetTransport(target.Transport) ?? throw new InvalidOperationException($"no {target.Transport} transport");
            await transport.SendAsync(bytes, target).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SipLog.SendFailed(Logger, target.ToString(), ex.Message);
            foreach (var o in _observers)
            {
                try
                {
                    o.OnSendFailed(target, ex);
                }
                catch (Exception observerFailure) when (observerFailure is not OutOfMemoryException)
                {
                    SipLog.HandlerFailed(Logger, observerFailure, nameof(ISipStackObserver.OnSendFailed), message);
                }
            }
            if (message is SipRequest) Transactions.OnTransportError(message, target);
        }
    }

    void ISipInboundSink.OnReceived(ReadOnlySpan<byte> data, bool isStream, SipInboundContext context) => Receive(data, isStream, context);

    /// <summary>
    /// Entry point for raw bytes from a transport (public so custom transports and tests can inject). Never throws: a
    /// failure is logged (with the Call-ID once the bytes parsed), so a transport's receive loop always carries on.
    /// </summary>
    public void Receive(ReadOnlySpan<byte> data, bool isStream, SipInboundContext context)
    {
        SipMessage? message = null;
        try
        {
            var result = SipParser.Parse(data, isStream ? SipParseMode.Stream : SipParseMode.Datagram, Options.Parser);
            if (result.Error == SipParseError.Empty) return;
            var decision = SipRequestValidator.Evaluate(result, Options.Validation);
            message = decision.Message;
            switch (decision.Action)
            {
                case SipInboundAction.Drop:
                    NotifyRejected(decision, context);
                    return;
                case SipInboundAction.Respond:
                    NotifyRejected(decision, context);
                    Send(decision.Response!, decision.Message is SipRequest r ? SipServerTransaction.ComputeResponseTarget(r, context) : context.SourceTarget);
                    return;
            }
            if (message is SipRequest request) StampVia(request, context);
            else if (message is SipResponse && message!.Vias.Count == 0) return;
            Transactions.Receive(message!, context);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Handlers are caught where they are called; this is the net under the stack itself.
            if (message is null) SipLog.ReceiveFailed(Logger, ex, context.Remote.ToString());
            else SipLog.HandlerFailed(Logger, ex, nameof(SipStack) + "." + nameof(Receive), message);
        }
    }

    /// <summary>RFC 3261 18.2.1 / RFC 3581: record the source address and port in the top Via.</summary>
    private static void StampVia(SipRequest request, SipInboundContext context)
    {
        var top = request.TopVia;
        if (top is null) return;
        var ip = context.Remote.Address.ToString();
        var needReceived = !string.Equals(top.Host.Trim('[', ']'), ip, StringComparison.OrdinalIgnoreCase);
        if (!needReceived && !top.HasRport) return;
        var index = request.Headers.IndexOf(SipHeaderNames.Via);
        var list = new List<SipVia>();
        SipVia.TryParseList(request.Headers[index].Value, list, out _);
        if (list.Count == 0) return;
        var stamped = list[0].Clone();
        stamped.MarkReceived(needReceived ? ip : null, top.HasRport ? context.Remote.Port : null);
        list[0] = stamped;
        request.Headers.ReplaceAt(index, string.Join(", ", list));
    }

    long ISipInboundSink.NewFlowId() => Interlocked.Increment(ref _nextFlow);

    void ISipInboundSink.RegisterConnection(SipConnection connection) => _flows[connection.FlowId] = connection;

    void ISipInboundSink.UnregisterConnection(SipConnection connection) => _flows.TryRemove(connection.FlowId, out _);

    /// <summary>Accepts a WebSocket upgrade with subprotocol "sip" and pumps its messages (RFC 7118).</summary>
    public async Task AcceptWebSocketAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest || !context.WebSockets.WebSocketRequestedProtocols.Contains("sip"))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        using var ws = await context.WebSockets.AcceptWebSocketAsync("sip").ConfigureAwait(false);
        var kind = context.Request.IsHttps ? SipTransportKind.Wss : SipTransportKind.Ws;
        var local = new IPEndPoint(context.Connection.LocalIpAddress ?? IPAddress.Loopback, context.Connection.LocalPort);
        var remote = new IPEndPoint(context.Connection.RemoteIpAddress ?? IPAddress.Loopback, context.Connection.RemotePort);
        await PumpWebSocketAsync(ws, kind, local, remote, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// SIP over WebSocket as the client (RFC 7118): connects to <paramref name="url"/> (ws: or wss:) with subprotocol
    /// "sip" and returns the flow to send through; what the server sends arrives like any other message. The flow ends
    /// when either side closes the socket (<see cref="IsFlowAlive"/>).
    /// </summary>
    public async Task<SipTarget> ConnectWebSocketAsync(Uri url, CancellationToken cancellationToken = default)
    {
        var ws = new System.Net.WebSockets.ClientWebSocket();
        ws.Options.AddSubProtocol("sip");
        await ws.ConnectAsync(url, cancellationToken).ConfigureAwait(false);
        var kind = url.Scheme.Equals("wss", StringComparison.OrdinalIgnoreCase) ? SipTransportKind.Wss : SipTransportKind.Ws;
        var remote = new IPEndPoint(IPAddress.TryParse(url.Host.Trim('[', ']'), out var ip) ? ip : IPAddress.Loopback, url.Port);
        var local = new IPEndPoint(IPAddress.Loopback, 0);
        var sink = (ISipInboundSink)this;
        var flowId = sink.NewFlowId();
        var opened = new TaskCompletionSource<SipTarget>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Task.Run(async () =>
        {
            using (ws)
            {
                await PumpWebSocketAsync(ws, kind, local, remote, CancellationToken.None, flowId, opened).ConfigureAwait(false);
            }
        }, CancellationToken.None);
        return await opened.Task.ConfigureAwait(false);
    }

    /// <summary>Registers the socket as a flow and feeds its messages to the stack until it closes (server and client alike).</summary>
    private async Task PumpWebSocketAsync(WebSocket ws, SipTransportKind kind, IPEndPoint local, IPEndPoint remote, CancellationToken cancellationToken,
        long flowId = 0, TaskCompletionSource<SipTarget>? opened = null)
    {
        var sink = (ISipInboundSink)this;
        var conn = new WebSocketConnection(flowId != 0 ? flowId : sink.NewFlowId(), kind, local, remote, ws);
        sink.RegisterConnection(conn);
        opened?.TrySetResult(new SipTarget(kind, remote, conn.FlowId));
        var ctx = new SipInboundContext(kind, local, remote, conn.FlowId);
        var buffer = new byte[Options.MaxWebSocketMessageBytes];
        try
        {
            while (ws.State == WebSocketState.Open)
            {
                var count = 0;
                ValueWebSocketReceiveResult r;
                do
                {
                    if (count == buffer.Length)
                    {
                        await ws.CloseAsync(WebSocketCloseStatus.MessageTooBig, "SIP message too large", cancellationToken).ConfigureAwait(false);
                        return;
                    }
                    r = await ws.ReceiveAsync(buffer.AsMemory(count), cancellationToken).ConfigureAwait(false);
                    count += r.Count;
                }
                while (!r.EndOfMessage && r.MessageType != WebSocketMessageType.Close);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    // Complete the close handshake so browsers see a clean close (RFC 6455 5.5.1).
                    await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);
                    break;
                }
                try
                {
                    Receive(buffer.AsSpan(0, count), false, ctx);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // One bad message must not kill the browser's connection, but it must not vanish either.
                    SipLog.ReceiveFailed(Logger, ex, remote.ToString());
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // the other side went away
        }
        finally
        {
            sink.UnregisterConnection(conn);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var t in _transports) await t.DisposeAsync().ConfigureAwait(false);
        foreach (var f in _flows.Values) f.Close();
    }
}

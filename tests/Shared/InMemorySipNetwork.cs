using System.Net;
using System.Net.Sockets;
using Acd.Sip;
using Acd.Sip.Messages;
using Acd.Sip.Transports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Testing;

/// <summary>
/// Several <see cref="SipStack"/>s wired together in memory on one <see cref="FakeTimeProvider"/>: no sockets, no
/// sleeps. Each stack gets a datagram transport (UDP semantics: best effort, optional drop and delay hooks) and a
/// stream transport (TCP semantics: connections become flows on both sides, reliable and in order) at its address.
/// Sending only queues a packet; the test delivers with <see cref="Run"/>, <see cref="Advance"/> or
/// <see cref="RunUntilAsync{T}"/>. Delivery never happens inside a send, as with real sockets: a stack is never
/// re-entered in the middle of sending.
/// </summary>
/// <remarks>
/// Continuations the stack runs on the thread pool (an <c>await</c> on a transaction's final response, such as the ACK
/// <c>SipUserAgent.InviteAsync</c> sends after its 2xx) queue their packets later: await the task, or use
/// <see cref="RunUntilAsync{T}"/>, before expecting them on the network.
/// </remarks>
public sealed class InMemorySipNetwork
{
    /// <summary>A wait for traffic that never comes means a test bug (a task waiting on the fake clock); fail instead of hanging.</summary>
    private static readonly TimeSpan IdleGuard = TimeSpan.FromSeconds(60);

    private readonly Lock _gate = new();
    private readonly Dictionary<IPEndPoint, Node> _datagramListeners = [];
    private readonly Dictionary<IPEndPoint, Node> _streamListeners = [];
    private readonly Queue<InMemorySipPacket> _ready = new();
    private readonly List<InMemorySipPacket> _delayed = [];
    private readonly List<InMemorySipPacket> _sent = [];
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _sequence;
    private bool _running;

    public InMemorySipNetwork(FakeTimeProvider? time = null) => Time = time ?? new FakeTimeProvider();

    /// <summary>The one clock of every stack on this network.</summary>
    public FakeTimeProvider Time { get; }

    /// <summary>Return true to lose a datagram (stream packets are never lost).</summary>
    public Func<InMemorySipPacket, bool>? Drop { get; set; }

    /// <summary>How long a datagram travels (zero by default); it arrives once the fake clock got there.</summary>
    public Func<InMemorySipPacket, TimeSpan>? Delay { get; set; }

    /// <summary>
    /// A stack at <paramref name="address"/> ("10.0.0.1", or "10.0.0.1:5070"; port 5060 by default) on this network's
    /// clock, with an in-memory UDP and TCP transport there. Via and Contact carry that address.
    /// </summary>
    public SipStack AddStack(string address, SipStackOptions? options = null, ILogger? logger = null)
    {
        var endPoint = address.Contains(':', StringComparison.Ordinal) ? IPEndPoint.Parse(address) : new IPEndPoint(IPAddress.Parse(address), 5060);
        var stack = new SipStack(options, Time, logger);
        var node = new Node(this, stack, endPoint);
        lock (_gate)
        {
            if (!_datagramListeners.TryAdd(endPoint, node)) throw new InvalidOperationException($"{endPoint} is taken");
            _streamListeners.Add(endPoint, node);
        }
        stack.AddTransport(node.Datagrams);
        stack.AddTransport(node.Streams);
        return stack;
    }

    /// <summary>Every packet sent so far, delivered or not, in sending order.</summary>
    public IReadOnlyList<InMemorySipPacket> Sent
    {
        get
        {
            lock (_gate) return [.. _sent];
        }
    }

    /// <summary>The requests with <paramref name="method"/> sent so far (retransmissions included).</summary>
    public List<SipRequest> Requests(string method) => [.. Sent.Select(p => p.Message).OfType<SipRequest>().Where(r => r.Method == method)];

    /// <summary>The responses with <paramref name="statusCode"/> sent so far (retransmissions included).</summary>
    public List<SipResponse> Responses(int statusCode) => [.. Sent.Select(p => p.Message).OfType<SipResponse>().Where(r => r.StatusCode == statusCode)];

    /// <summary>Delivers every packet due by the fake clock, including those sent while delivering; returns how many.</summary>
    public int Run()
    {
        lock (_gate)
        {
            if (_running) throw new InvalidOperationException("Run is not re-entrant: a handler must not pump the network it is called from.");
            _running = true;
        }
        var delivered = 0;
        try
        {
            while (true)
            {
                InMemorySipPacket packet;
                lock (_gate)
                {
                    PromoteDue();
                    if (!_ready.TryDequeue(out var next)) return delivered;
                    packet = next;
                }
                Deliver(packet);
                delivered++;
            }
        }
        finally
        {
            lock (_gate) _running = false;
        }
    }

    /// <summary>Moves the clock forward by <paramref name="duration"/> in steps, delivering after each: timers fire, retransmissions travel.</summary>
    public void Advance(TimeSpan duration, TimeSpan? step = null)
    {
        var size = step ?? TimeSpan.FromMilliseconds(10);
        var end = Time.GetUtcNow() + duration;
        Run();
        while (Time.GetUtcNow() < end)
        {
            var remaining = end - Time.GetUtcNow();
            Time.Advance(remaining < size ? remaining : size);
            Run();
        }
    }

    /// <summary>Delivers packets until <paramref name="task"/> completes, then whatever it sent last; the clock stands still.</summary>
    public async Task<T> RunUntilAsync<T>(Task<T> task)
    {
        await RunUntilAsync((Task)task);
        return await task;
    }

    /// <inheritdoc cref="RunUntilAsync{T}(Task{T})"/>
    public async Task RunUntilAsync(Task task)
    {
        while (true)
        {
            Run();
            if (task.IsCompleted) break;
            Task arrived;
            lock (_gate)
            {
                if (_ready.Count > 0) continue;
                arrived = _arrived.Task;
            }
            var woke = await Task.WhenAny(task, arrived, Task.Delay(IdleGuard));
            if (woke != task && woke != arrived)
                throw new TimeoutException("No SIP traffic and the task did not finish: is it waiting for the fake clock? Use Advance.");
        }
        Run();
    }

    /// <summary>Closes every stream connection of the stack at <paramref name="address"/>, as if it went away; both sides lose the flow.</summary>
    public void CloseConnections(string address)
    {
        var endPoint = address.Contains(':', StringComparison.Ordinal) ? IPEndPoint.Parse(address) : new IPEndPoint(IPAddress.Parse(address), 5060);
        Node node;
        lock (_gate) node = _streamListeners[endPoint];
        foreach (var c in node.Streams.Connections) c.Close();
    }

    private void PromoteDue()
    {
        if (_delayed.Count == 0) return;
        var now = Time.GetUtcNow();
        foreach (var p in _delayed.Where(p => p.DeliverAt <= now).OrderBy(p => p.DeliverAt).ThenBy(p => p.Sequence).ToList())
        {
            _delayed.Remove(p);
            _ready.Enqueue(p);
        }
    }

    private void Enqueue(InMemorySipPacket packet)
    {
        lock (_gate)
        {
            _sent.Add(packet);
            if (packet.Connection is null && Drop?.Invoke(packet) == true)
            {
                packet.Dropped = true;
                return;
            }
            var delay = packet.Connection is null ? Delay?.Invoke(packet) ?? TimeSpan.Zero : TimeSpan.Zero;
            packet.DeliverAt = Time.GetUtcNow() + delay;
            if (delay > TimeSpan.Zero) _delayed.Add(packet);
            else _ready.Enqueue(packet);
            var arrived = _arrived;
            _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            arrived.TrySetResult();
        }
    }

    private void Deliver(InMemorySipPacket packet)
    {
        if (packet.Connection is Connection sender)
        {
            // Stream: to the other end of the connection, if it is still open.
            if (sender.Peer is not { IsOpen: true } peer) return;
            packet.Delivered = true;
            peer.Owner.Stack.Receive(packet.Bytes, true, new SipInboundContext(peer.Kind, peer.Local, peer.Remote, peer.FlowId));
            return;
        }
        Node? node;
        lock (_gate) _datagramListeners.TryGetValue(packet.To, out node);
        if (node is null) return; // nobody there: a datagram into the void
        packet.Delivered = true;
        node.Stack.Receive(packet.Bytes, false, new SipInboundContext(SipTransportKind.Udp, packet.To, packet.From, 0));
    }

    private InMemorySipPacket NewPacket(SipTransportKind kind, IPEndPoint from, IPEndPoint to, ReadOnlyMemory<byte> data, SipConnection? connection) =>
        new(kind, from, to, data.ToArray(), Time.GetUtcNow(), Interlocked.Increment(ref _sequence), connection);

    /// <summary>Opens a connection from <paramref name="client"/> to the stream listener at <paramref name="remote"/>: a flow on each side.</summary>
    private Connection Connect(Node client, IPEndPoint remote)
    {
        Node? server;
        lock (_gate) _streamListeners.TryGetValue(remote, out server);
        if (server is null) throw new SocketException((int)SocketError.ConnectionRefused);
        var clientEnd = client.Ephemeral();
        var outbound = new Connection(client, client.Sink.NewFlowId(), clientEnd, remote);
        var accepted = new Connection(server, server.Sink.NewFlowId(), remote, clientEnd);
        outbound.Peer = accepted;
        accepted.Peer = outbound;
        client.Streams.Add(outbound);
        server.Streams.Add(accepted);
        return outbound;
    }

    /// <summary>One stack on the network and its two transports.</summary>
    private sealed class Node
    {
        private int _nextPort = 40000;

        public Node(InMemorySipNetwork network, SipStack stack, IPEndPoint endPoint)
        {
            Network = network;
            Stack = stack;
            Sink = stack;
            EndPoint = endPoint;
            Datagrams = new DatagramTransport(network, endPoint);
            Streams = new StreamTransport(this);
        }

        public InMemorySipNetwork Network { get; }

        public SipStack Stack { get; }

        public ISipInboundSink Sink { get; }

        public IPEndPoint EndPoint { get; }

        public DatagramTransport Datagrams { get; }

        public StreamTransport Streams { get; }

        public IPEndPoint Ephemeral() => new(EndPoint.Address, Interlocked.Increment(ref _nextPort));
    }

    private sealed class DatagramTransport(InMemorySipNetwork network, IPEndPoint local) : ISipTransport
    {
        public SipTransportKind Kind => SipTransportKind.Udp;

        public IPEndPoint LocalEndPoint => local;

        public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public ValueTask SendAsync(ReadOnlyMemory<byte> data, SipTarget target, CancellationToken cancellationToken = default)
        {
            network.Enqueue(network.NewPacket(SipTransportKind.Udp, local, target.EndPoint, data, null));
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>TCP-like: reuses the connection to a remote end point, else connects (refused where nobody listens), like <c>TcpSipTransport</c>.</summary>
    private sealed class StreamTransport(Node owner) : ISipTransport
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<IPEndPoint, Connection> _byRemote = [];

        public SipTransportKind Kind => SipTransportKind.Tcp;

        public IPEndPoint LocalEndPoint => owner.EndPoint;

        public List<Connection> Connections
        {
            get
            {
                lock (_gate) return [.. _byRemote.Values];
            }
        }

        public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public ValueTask SendAsync(ReadOnlyMemory<byte> data, SipTarget target, CancellationToken cancellationToken = default)
        {
            Connection? connection;
            lock (_gate) _byRemote.TryGetValue(target.EndPoint, out connection);
            connection ??= owner.Network.Connect(owner, target.EndPoint);
            return connection.SendAsync(data, cancellationToken);
        }

        public void Add(Connection connection)
        {
            lock (_gate) _byRemote[connection.Remote] = connection;
            owner.Sink.RegisterConnection(connection);
        }

        public void Remove(Connection connection)
        {
            lock (_gate)
            {
                if (_byRemote.TryGetValue(connection.Remote, out var current) && current == connection) _byRemote.Remove(connection.Remote);
            }
            owner.Sink.UnregisterConnection(connection);
        }

        public ValueTask DisposeAsync()
        {
            foreach (var c in Connections) c.Close();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>One end of an in-memory connection; closing either end closes both.</summary>
    private sealed class Connection(Node owner, long flowId, IPEndPoint local, IPEndPoint remote) : SipConnection(flowId, SipTransportKind.Tcp, local, remote)
    {
        public Node Owner { get; } = owner;

        public Connection? Peer { get; set; }

        public bool IsOpen { get; private set; } = true;

        public override ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            if (!IsOpen) throw new IOException("connection closed");
            Owner.Network.Enqueue(Owner.Network.NewPacket(SipTransportKind.Tcp, Local, Remote, data, this));
            return ValueTask.CompletedTask;
        }

        public override void Close()
        {
            Shut();
            Peer?.Shut();
        }

        private void Shut()
        {
            if (!IsOpen) return;
            IsOpen = false;
            Owner.Streams.Remove(this);
        }
    }
}

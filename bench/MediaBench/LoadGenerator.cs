using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Acd.MediaBench;

/// <summary>What one run measured at the phones' side.</summary>
internal sealed record TrafficResult(long Sent, long Received, double LossPercent, double JitterP50Ms, double JitterP99Ms, double MeanAddedMs, double Seconds);

/// <summary>
/// The phones of N calls, made cheap enough that a 2-core machine has cores left for the relay under test: the
/// callers share a few sockets and so do the agents (a relay sends each leg to its own SDP address, and many legs may
/// name the same one), each socket has one thread blocked in recvfrom, and one thread sends every stream's packet
/// 50 times a second, paced in 1 ms slots. Each packet carries its stream number and send time; receivers
/// histogram how much later than its stream's fastest packet it arrived ("added jitter") and count loss against
/// what was sent in the measured window.
/// </summary>
internal sealed class LoadGenerator : IAsyncDisposable
{
    private const int Slots = 20; // 20 ms period, one slot per millisecond
    private const int SocketsPerSide = 2;
    private const double BinMs = 0.05;
    private const int Bins = 8000; // up to 400 ms
    private readonly Socket[] _callerSockets = new Socket[SocketsPerSide];
    private readonly Socket[] _agentSockets = new Socket[SocketsPerSide];
    private readonly Stream[] _streams;
    private readonly List<long[]> _histograms = [];
    private readonly List<Thread> _threads = [];
    private volatile bool _running;
    private volatile bool _measuring;
    private long _windowStart = long.MaxValue;
    private long _windowEnd = long.MaxValue;

    /// <summary>One direction of one leg: from a phone socket to the relay port it was given.</summary>
    private sealed class Stream(Socket socket)
    {
        public Socket Socket { get; } = socket;
        public SocketAddress? Target { get; set; }
        public int TargetPort { get; set; }
        public int SocketIndex { get; init; }
        public ushort Seq;
        public uint Timestamp;
        public long Sent;
        public long Received;
        public long MinTransit = long.MaxValue;
    }

    public LoadGenerator(int calls, int portBase)
    {
        var port = portBase;
        for (var i = 0; i < SocketsPerSide; i++)
        {
            _callerSockets[i] = Bind(ref port);
            _agentSockets[i] = Bind(ref port);
        }
        _streams = new Stream[calls * 2];
        for (var call = 0; call < calls; call++)
        {
            _streams[2 * call] = new Stream(_callerSockets[call % SocketsPerSide]) { SocketIndex = call % SocketsPerSide };
            _streams[2 * call + 1] = new Stream(_agentSockets[call % SocketsPerSide]) { SocketIndex = SocketsPerSide + call % SocketsPerSide };
        }
    }

    private static Socket Bind(ref int port)
    {
        while (true)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                // Even ports, one apart like real phones: RTCP from the relay goes to port + 1, not to another phone.
                var candidate = port;
                port += 2;
                socket.Bind(new IPEndPoint(IPAddress.Loopback, candidate));
                socket.ReceiveBufferSize = 4 * 1024 * 1024;
                socket.SendBufferSize = 1024 * 1024;
                socket.ReceiveTimeout = 200;
                return socket;
            }
            catch (SocketException)
            {
                socket.Dispose();
            }
        }
    }

    public int Calls => _streams.Length / 2;

    public async Task AnchorAsync(IRelay relay)
    {
        for (var call = 0; call < Calls; call++)
        {
            var caller = _streams[2 * call];
            var agent = _streams[2 * call + 1];
            var (callerSendsTo, agentSendsTo) = await relay.CreateCallAsync(call, Port(caller.Socket), Port(agent.Socket));
            caller.Target = new IPEndPoint(IPAddress.Loopback, callerSendsTo).Serialize();
            agent.Target = new IPEndPoint(IPAddress.Loopback, agentSendsTo).Serialize();
            caller.TargetPort = callerSendsTo;
            agent.TargetPort = agentSendsTo;
        }
    }

    private static int Port(Socket s) => ((IPEndPoint)s.LocalEndPoint!).Port;

    public void Start()
    {
        _running = true;
        foreach (var socket in _callerSockets.Concat(_agentSockets))
        {
            var histogram = new long[Bins];
            _histograms.Add(histogram);
            var thread = new Thread(() => ReceiveLoop(socket, histogram)) { IsBackground = true, Name = "bench-receive" };
            _threads.Add(thread);
            thread.Start();
        }
        var sender = new Thread(SendLoop) { IsBackground = true, Name = "bench-sender", Priority = ThreadPriority.AboveNormal };
        _threads.Add(sender);
        sender.Start();
    }

    public void BeginWindow()
    {
        foreach (var s in _streams)
        {
            Interlocked.Exchange(ref s.Sent, 0);
            Interlocked.Exchange(ref s.Received, 0);
        }
        foreach (var h in _histograms) Array.Clear(h);
        _windowEnd = long.MaxValue;
        _windowStart = Stopwatch.GetTimestamp();
        _measuring = true;
    }

    /// <summary>Stops counting sends, lets the packets in flight arrive, and sums up.</summary>
    public async Task<TrafficResult> EndWindowAsync()
    {
        _measuring = false;
        _windowEnd = Stopwatch.GetTimestamp();
        await Task.Delay(500);
        var seconds = Stopwatch.GetElapsedTime(_windowStart, _windowEnd).TotalSeconds;
        long sent = 0, received = 0;
        foreach (var s in _streams)
        {
            sent += Interlocked.Read(ref s.Sent);
            received += Interlocked.Read(ref s.Received);
        }
        var histogram = new long[Bins];
        foreach (var h in _histograms) for (var i = 0; i < Bins; i++) histogram[i] += Volatile.Read(ref h[i]);
        var total = histogram.Sum();
        var loss = sent == 0 ? 100 : Math.Max(0, 100.0 * (sent - received) / sent);
        double mean = 0;
        for (var i = 0; i < Bins; i++) mean += histogram[i] * (i + 0.5) * BinMs;
        return new TrafficResult(sent, received, loss, Percentile(histogram, 0.50, total), Percentile(histogram, 0.99, total), total == 0 ? 0 : mean / total, seconds);
    }

    private static double Percentile(long[] histogram, double p, long total)
    {
        if (total == 0) return double.NaN;
        var target = (long)Math.Ceiling(p * total);
        long seen = 0;
        for (var i = 0; i < Bins; i++)
        {
            seen += histogram[i];
            if (seen >= target) return (i + 1) * BinMs;
        }
        return Bins * BinMs;
    }

    private void SendLoop()
    {
        var sockets = _callerSockets.Concat(_agentSockets).ToArray();
        var batches = sockets.Select(socket => new BatchedUdp(socket, _streams.Length / Slots + 64)).ToArray();
        var counts = new int[sockets.Length];
        var owners = new Stream[sockets.Length][];
        for (var i = 0; i < sockets.Length; i++) owners[i] = new Stream[batches[i].Capacity];
        var tickMs = Stopwatch.Frequency / 1000.0;
        var start = Stopwatch.GetTimestamp();
        long slot = 0;
        try
        {
            while (_running)
            {
                var due = start + (long)(slot * tickMs);
                while (Stopwatch.GetTimestamp() < due) Thread.Sleep(1); // never spin: the relay under test needs the cores
                Array.Clear(counts);
                var group = (int)(slot % Slots);
                var now = Stopwatch.GetTimestamp();
                for (var i = group; i < _streams.Length; i += Slots)
                {
                    var stream = _streams[i];
                    if (stream.Target is null) continue;
                    var batch = batches[stream.SocketIndex];
                    var n = counts[stream.SocketIndex]++;
                    var packet = batch.Packet(n);
                    Acd.Media.Rtp.RtpHeader.Write(packet, false, 0, stream.Seq++, stream.Timestamp, (uint)i);
                    stream.Timestamp += 160;
                    BinaryPrimitives.WriteInt64LittleEndian(packet[12..], now);
                    BinaryPrimitives.WriteInt32LittleEndian(packet[20..], i);
                    packet.Slice(24, 148).Fill(0xFF);
                    batch.Prepare(n, stream.TargetPort, 172);
                    owners[stream.SocketIndex][n] = stream;
                }
                for (var s = 0; s < sockets.Length; s++)
                {
                    if (counts[s] == 0) continue;
                    var sent = batches[s].Send(counts[s]);
                    if (!_measuring) continue;
                    for (var k = 0; k < sent; k++) Interlocked.Increment(ref owners[s][k].Sent);
                }
                slot++;
            }
        }
        finally
        {
            foreach (var b in batches) b.Dispose();
        }
    }

    private void ReceiveLoop(Socket socket, long[] histogram)
    {
        using var batch = new BatchedUdp(socket, 64);
        while (_running)
        {
            var count = batch.Receive();
            if (count == 0) continue;
            var now = Stopwatch.GetTimestamp();
            for (var k = 0; k < count; k++)
            {
                var buffer = batch.Packet(k);
                if (batch.ReceivedLength(k) < 24 || (buffer[1] & 0x7F) != 0) continue; // only the PCMU packets, not RTCP
                var sentAt = BinaryPrimitives.ReadInt64LittleEndian(buffer[12..]);
                var index = BinaryPrimitives.ReadInt32LittleEndian(buffer[20..]);
                if ((uint)index >= (uint)_streams.Length) continue;
                var stream = _streams[index];
                var transit = now - sentAt;
                if (transit < stream.MinTransit) stream.MinTransit = transit;
                if (sentAt < _windowStart || sentAt > _windowEnd) continue;
                Interlocked.Increment(ref stream.Received);
                var added = (transit - stream.MinTransit) * 1000.0 / Stopwatch.Frequency;
                histogram[Math.Min(Bins - 1, (int)(added / BinMs))]++;
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _running = false;
        foreach (var t in _threads) t.Join(); // receive threads wake at least every 200 ms (the socket's receive timeout)
        foreach (var s in _callerSockets.Concat(_agentSockets)) s.Dispose();
        return ValueTask.CompletedTask;
    }
}

using System.Net;
using System.Net.Sockets;

namespace Acd.Media.Transport;

/// <summary>An even RTP port and the odd RTCP port above it, reserved together (RFC 3550 11).</summary>
internal sealed class PortPair(UdpPortPool pool, int index, Socket rtp)
{
    public int RtpPort => pool.PortMin + 2 * index;
    public int RtcpPort => RtpPort + 1;
    public Socket RtpSocket { get; } = rtp;
    internal int Index => index;

    /// <summary>Binds the RTCP socket when the negotiated profile needs one (plain RTP without rtcp-mux).</summary>
    public Socket? BindRtcp(IPAddress address)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(address, RtcpPort));
            return socket;
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }

    public void Release() => pool.Release(this);
}

/// <summary>
/// Hands out port pairs from [PortMin, PortMax], next-fit so a released port is not reused at once (late packets
/// of the old call would land in the new one). A port some other process holds is skipped. When every pair is in
/// use, allocation fails and established sessions are untouched.
/// </summary>
internal sealed class UdpPortPool
{
    private readonly bool[] _used;
    private readonly IPAddress _bindAddress;
    private readonly Lock _lock = new();
    private int _cursor;
    private int _inUse;

    public UdpPortPool(IPAddress bindAddress, int portMin, int portMax)
    {
        if (portMin < 1024 || portMax > 65535 || portMax <= portMin) throw new ArgumentException($"invalid media port range {portMin}-{portMax}");
        PortMin = (portMin + 1) & ~1;
        _bindAddress = bindAddress;
        _used = new bool[(portMax - PortMin + 1) / 2];
        if (_used.Length == 0) throw new ArgumentException($"media port range {portMin}-{portMax} holds no even/odd pair");
    }

    public int PortMin { get; }
    public int Capacity => _used.Length;
    public int InUse => Volatile.Read(ref _inUse);

    public PortPair? TryAllocate()
    {
        lock (_lock)
        {
            for (var tried = 0; tried < _used.Length; tried++)
            {
                var index = _cursor;
                _cursor = (_cursor + 1) % _used.Length;
                if (_used[index]) continue;
                var socket = new Socket(_bindAddress.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                try
                {
                    socket.Bind(new IPEndPoint(_bindAddress, PortMin + 2 * index));
                }
                catch (SocketException)
                {
                    socket.Dispose(); // held by another process: try the next pair
                    continue;
                }
                // Bigger buffers absorb bursts when the machine is busy; the kernel caps them at rmem_max.
                socket.ReceiveBufferSize = 256 * 1024;
                socket.SendBufferSize = 256 * 1024;
                _used[index] = true;
                _inUse++;
                return new PortPair(this, index, socket);
            }
            return null;
        }
    }

    internal void Release(PortPair pair)
    {
        lock (_lock)
        {
            if (!_used[pair.Index]) return;
            _used[pair.Index] = false;
            _inUse--;
        }
    }
}

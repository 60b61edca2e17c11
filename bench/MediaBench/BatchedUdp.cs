using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Acd.MediaBench;

/// <summary>
/// sendmmsg/recvmmsg (Linux, x86-64 and arm64 layouts) on a .NET socket's descriptor: dozens of datagrams per system
/// call, so that two cores can generate and absorb 100,000 packets/s and still leave room for the relay under test.
/// </summary>
internal sealed unsafe class BatchedUdp : IDisposable
{
    private const int MsgWaitForOne = 0x10000;
    private const int PacketSize = 2048;
    private readonly Socket _socket;
    private readonly int _capacity;
    private readonly MMsgHdr* _messages;
    private readonly IoVec* _vectors;
    private readonly byte* _buffers;
    private readonly byte* _addresses;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int sendmmsg(nint fd, MMsgHdr* messages, uint count, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int recvmmsg(nint fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    public BatchedUdp(Socket socket, int capacity)
    {
        _socket = socket;
        _capacity = capacity;
        _messages = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(MMsgHdr)));
        _vectors = (IoVec*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(IoVec)));
        _buffers = (byte*)NativeMemory.AllocZeroed((nuint)(capacity * PacketSize));
        _addresses = (byte*)NativeMemory.AllocZeroed((nuint)(capacity * 16));
        for (var i = 0; i < capacity; i++)
        {
            _vectors[i].Base = _buffers + i * PacketSize;
            _messages[i].Header.Iov = &_vectors[i];
            _messages[i].Header.IovLength = 1;
            _messages[i].Header.Name = _addresses + i * 16;
        }
    }

    public int Capacity => _capacity;

    /// <summary>The packet buffer of slot <paramref name="i"/> (for filling before <see cref="Send"/>, reading after <see cref="Receive"/>).</summary>
    public Span<byte> Packet(int i) => new(_buffers + i * PacketSize, PacketSize);

    public int ReceivedLength(int i) => (int)_messages[i].Length;

    /// <summary>Sets slot i to go to 127.0.0.1:port with length bytes.</summary>
    public void Prepare(int i, int port, int length)
    {
        var a = _addresses + i * 16;
        *(ushort*)a = 2; // AF_INET, host order
        a[2] = (byte)(port >> 8);
        a[3] = (byte)port;
        a[4] = 127;
        a[5] = 0;
        a[6] = 0;
        a[7] = 1;
        _messages[i].Header.NameLength = 16;
        _vectors[i].Length = (nuint)length;
    }

    /// <summary>Sends slots 0..count-1; returns how many the kernel took.</summary>
    public int Send(int count)
    {
        var sent = 0;
        while (sent < count)
        {
            var n = sendmmsg(_socket.Handle, _messages + sent, (uint)(count - sent), 0);
            if (n <= 0) break;
            sent += n;
        }
        return sent;
    }

    /// <summary>Blocks until at least one datagram (or the socket's receive timeout), then takes what is queued.</summary>
    public int Receive()
    {
        for (var i = 0; i < _capacity; i++)
        {
            _vectors[i].Length = PacketSize;
            _messages[i].Header.NameLength = 16;
        }
        var n = recvmmsg(_socket.Handle, _messages, (uint)_capacity, MsgWaitForOne, null);
        return Math.Max(0, n);
    }

    public void Dispose()
    {
        NativeMemory.Free(_messages);
        NativeMemory.Free(_vectors);
        NativeMemory.Free(_buffers);
        NativeMemory.Free(_addresses);
    }
}

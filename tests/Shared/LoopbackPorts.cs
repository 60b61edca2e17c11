using System.Net;
using System.Net.Sockets;

namespace Acd.Testing;

/// <summary>Free loopback ports for the processes and listeners tests start (compiled into each test project that needs it).</summary>
public static class LoopbackPorts
{
    private static int _nextAuxiliary = 20000 + (Environment.ProcessId % 400 * 28);

    public static int FreeUdp()
    {
        using var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.Client.LocalEndPoint!).Port;
    }

    public static int FreeTcp()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A port free for both UDP and TCP (SIP listens on both).</summary>
    public static int FreeUdpAndTcp()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var port = FreeTcp();
            try
            {
                using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("No port free for both UDP and TCP.");
    }

    /// <summary>
    /// Four consecutive UDP ports from below the kernel's ephemeral range, for processes that bind them some time after
    /// they start (SIPp's media and control ports): an ephemeral port picked here could meanwhile become another test's
    /// port (seen as SIPp exiting with 254).
    /// </summary>
    public static int FreeUdpBlockOfFour()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = 20000 + ((Interlocked.Add(ref _nextAuxiliary, 4) - 20000) % 12000);
            try
            {
                using var a = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                using var b = new UdpClient(new IPEndPoint(IPAddress.Loopback, port + 1));
                using var c = new UdpClient(new IPEndPoint(IPAddress.Loopback, port + 2));
                using var d = new UdpClient(new IPEndPoint(IPAddress.Loopback, port + 3));
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("No block of four free UDP ports.");
    }
}

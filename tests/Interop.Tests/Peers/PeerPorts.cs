using System.Net;
using System.Net.Sockets;
using Acd.Testing;

namespace Acd.Interop.Tests.Peers;

/// <summary>Ports for the peers, on top of <see cref="LoopbackPorts"/> (shared with the other test projects).</summary>
public static class PeerPorts
{
    /// <summary>
    /// A SIP port free for UDP and TCP whose next port is free for TCP as well: baresip 1.0 also opens its TLS listener
    /// on SIP port + 1.
    /// </summary>
    public static int FreeSipPortWithNext()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var port = LoopbackPorts.FreeUdpAndTcp();
            try
            {
                using var next = new TcpListener(IPAddress.Loopback, port + 1);
                next.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("No SIP port with a free next port.");
    }

    /// <summary>A UDP port free on <paramref name="address"/> (e.g. 127.0.0.2 for Kamailio, so its source is not 127.0.0.1).</summary>
    public static int FreeUdpOn(IPAddress address)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var socket = new UdpClient(new IPEndPoint(address, 0));
            var port = ((IPEndPoint)socket.Client.LocalEndPoint!).Port;
            try
            {
                // Nothing may hold it on 127.0.0.1 or the wildcard either (a peer there would see our traffic).
                using var loopback = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException($"No free UDP port on {address}.");
    }
}

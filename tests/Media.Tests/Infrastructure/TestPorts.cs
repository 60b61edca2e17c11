using System.Net;
using System.Net.Sockets;

namespace Acd.Media.Tests.Infrastructure;

/// <summary>Each engine in the tests gets its own port range, so test classes running in parallel do not collide.</summary>
public static class TestPorts
{
    private static int _next = 41000 + Environment.ProcessId % 50 * 200;

    public static (int Min, int Max) Range(int pairs = 40)
    {
        while (true)
        {
            var min = Interlocked.Add(ref _next, 2 * pairs + 2) - (2 * pairs + 2);
            if (min + 2 * pairs > 60000) Interlocked.Exchange(ref _next, 41000);
            if (AllFree(min, 2 * pairs)) return (min, min + 2 * pairs - 1);
        }
    }

    private static bool AllFree(int first, int count)
    {
        var sockets = new List<Socket>();
        try
        {
            for (var p = first; p < first + count; p++)
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                sockets.Add(s);
                s.Bind(new IPEndPoint(IPAddress.Loopback, p));
            }
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        finally
        {
            foreach (var s in sockets) s.Dispose();
        }
    }

    public static MediaOptions Options(int pairs = 40, int timeoutSeconds = 60)
    {
        var (min, max) = Range(pairs);
        return new MediaOptions { BindAddress = "127.0.0.1", PublicAddress = "127.0.0.1", PortMin = min, PortMax = max, TimeoutSeconds = timeoutSeconds };
    }
}

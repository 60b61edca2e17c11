using System.Net;
using System.Net.Sockets;

namespace Acd.Media.Tests.Infrastructure;

/// <summary>
/// Each engine in the tests gets its own port range, so test classes running in parallel do not collide. The ranges
/// lie below Linux's ephemeral ports (32768+), where the test phones' sockets land, so nothing grabs them meanwhile.
/// </summary>
public static class TestPorts
{
    private const int First = 24000;
    private const int Last = 32700;
    private static int _next = First + Environment.ProcessId % 29 * 300;

    public static (int Min, int Max) Range(int pairs = 40)
    {
        while (true)
        {
            var size = 2 * pairs + 2;
            var min = Interlocked.Add(ref _next, size) - size;
            if (min + size > Last)
            {
                Interlocked.CompareExchange(ref _next, First, min + size);
                continue;
            }
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

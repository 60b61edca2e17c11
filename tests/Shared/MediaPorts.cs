using System.Globalization;

namespace Acd.Testing;

/// <summary>
/// A media port range of its own for each product host a test starts (Media:PortMin/PortMax), so hosts running in
/// parallel, in this process or another suite's, do not take each other's ports. The ranges lie in 10000-19999: below
/// the SIPp blocks (<see cref="LoopbackPorts.FreeUdpBlockOfFour"/>, 20000+) and the kernel's ephemeral ports, so no
/// test phone's socket lands in them. The engine skips a port someone else holds, so an overlap costs nothing but a
/// pair.
/// </summary>
public static class MediaPorts
{
    private const int First = 10000;
    private const int Size = 200;
    private const int Slots = (20000 - First) / Size;
    private static int _next = Environment.ProcessId % Slots;

    /// <summary>The media settings of one host: loopback only, a range of 100 port pairs.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> Settings(string prefix = "Media:")
    {
        var slot = Interlocked.Increment(ref _next) % Slots;
        var min = First + slot * Size;
        yield return new(prefix + "BindAddress", "127.0.0.1");
        yield return new(prefix + "PublicAddress", "127.0.0.1");
        yield return new(prefix + "PortMin", min.ToString(CultureInfo.InvariantCulture));
        yield return new(prefix + "PortMax", (min + Size - 1).ToString(CultureInfo.InvariantCulture));
    }
}

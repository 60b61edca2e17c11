using System.Net;

namespace Acd.SipEdge.Trunks;

/// <summary>The trunks and PBXs trusted by source address (IP literals and CIDR ranges, IPv4 and IPv6).</summary>
public sealed class TrunkAllowList
{
    private readonly IPNetwork[] _networks;

    public TrunkAllowList(IEnumerable<string> entries)
    {
        var networks = new List<IPNetwork>();
        foreach (var raw in entries)
        {
            var entry = raw.Trim();
            if (entry.Length == 0)
            {
                continue;
            }

            if (IPNetwork.TryParse(entry, out var network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                networks.Add(new IPNetwork(Normalize(address), address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork || address.IsIPv4MappedToIPv6 ? 32 : 128));
            }
            else
            {
                // A typo here would silently lock a trunk out (or worse, in): fail at startup instead.
                throw new InvalidOperationException($"Sip:TrunkAllowList entry '{entry}' is neither an IP address nor a CIDR range.");
            }
        }

        _networks = [.. networks];
    }

    public int Count => _networks.Length;

    public bool Contains(IPAddress address)
    {
        var normalized = Normalize(address);
        foreach (var network in _networks)
        {
            if (network.Contains(normalized))
            {
                return true;
            }
        }

        return false;
    }

    // Dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d; compare them as IPv4.
    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}

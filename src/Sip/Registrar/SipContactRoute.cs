using System.Net;
using System.Net.Sockets;
using Acd.Sip.Headers;
using Acd.Sip.Transports;

namespace Acd.Sip.Registrar;

/// <summary>Where requests for a registered contact go.</summary>
public enum SipBindingRoute
{
    /// <summary>To the Contact itself (RFC 3261 10: it may name another device than the one that registered).</summary>
    Contact,

    /// <summary>Back along the flow the REGISTER came in on: the connection, or the NAT-mapped UDP source.</summary>
    Flow,
}

/// <summary>
/// Chooses between the Contact and the REGISTER's flow, the way session border controllers do: the Contact, unless the
/// phone asked for outbound (RFC 5626) or the Contact cannot be what reaches the phone (NAT: a private or unresolvable
/// Contact that differs from the source), or a connection from that same host is open to reuse (RFC 5923).
/// </summary>
public static class SipContactRoute
{
    public static (SipBindingRoute Route, string Why) Choose(SipNameAddress contact, SipTarget source)
    {
        if ((contact.Parameters.Contains("reg-id") && contact.Parameters.Contains("+sip.instance")) || contact.Uri.Parameters.Contains("ob"))
        {
            return (SipBindingRoute.Flow, "outbound requested (RFC 5626)");
        }

        var uri = contact.Uri;
        if (!IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address))
        {
            // RFC 7118 clients put a made-up ".invalid" host in their Contact: only their socket reaches them.
            return uri.Host.EndsWith(".invalid", StringComparison.OrdinalIgnoreCase)
                ? (SipBindingRoute.Flow, "contact host is not resolvable")
                : (SipBindingRoute.Contact, "contact names a host");
        }

        var from = source.EndPoint;
        var sameHost = Normalize(address).Equals(Normalize(from.Address));
        var port = uri.Port ?? (uri.IsSecure || string.Equals(uri.Parameters["transport"], "tls", StringComparison.OrdinalIgnoreCase) ? 5061 : 5060);
        if (sameHost && port == from.Port)
        {
            return (SipBindingRoute.Contact, "contact is the source");
        }

        if (sameHost && source.Transport.IsReliable())
        {
            return (SipBindingRoute.Flow, "connection from the contact's host");
        }

        if (IsBehindNat(Normalize(address), Normalize(from.Address)))
        {
            return (SipBindingRoute.Flow, "NAT: contact is a private address that differs from the source");
        }

        return (SipBindingRoute.Contact, sameHost ? "contact on another port of the source host" : "third-party registration");
    }

    /// <summary>
    /// The contact's address cannot be the one the packet came from through a NAT-free path: a private, shared or
    /// link-local address outside the source's own private network, a loopback address seen from elsewhere, or no
    /// address at all (0.0.0.0, multicast).
    /// </summary>
    private static bool IsBehindNat(IPAddress contact, IPAddress source)
    {
        if (contact.Equals(IPAddress.Any) || contact.Equals(IPAddress.IPv6Any) || IsMulticast(contact))
        {
            return true;
        }

        if (IPAddress.IsLoopback(contact))
        {
            return !IPAddress.IsLoopback(source);
        }

        return PrivateBlock(contact) is { } block && PrivateBlock(source) != block;
    }

    /// <summary>RFC 1918, RFC 6598 (carrier-grade NAT), link-local and unique-local ranges, by name; null for others.</summary>
    private static string? PrivateBlock(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] switch
            {
                10 => "10/8",
                172 when b[1] is >= 16 and <= 31 => "172.16/12",
                192 when b[1] == 168 => "192.168/16",
                100 when b[1] is >= 64 and <= 127 => "100.64/10",
                169 when b[1] == 254 => "169.254/16",
                _ => null,
            };
        }

        if (address.IsIPv6LinkLocal)
        {
            return "fe80::/10";
        }

        return (address.GetAddressBytes()[0] & 0xFE) == 0xFC ? "fc00::/7" : null;
    }

    private static bool IsMulticast(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetwork ? address.GetAddressBytes()[0] >= 224 : address.IsIPv6Multicast;

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}

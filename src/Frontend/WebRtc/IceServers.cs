using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Acd.Frontend.WebRtc;

/// <summary>One RTCIceServer as the browser takes it.</summary>
public sealed record IceServerView(IReadOnlyList<string> Urls, string? Username, string? Credential);

/// <summary>The ICE servers for one agent's browser phone, TURN credentials minted for that agent.</summary>
public sealed class IceServers(IOptions<WebRtcOptions> options, TimeProvider time)
{
    public IReadOnlyList<IceServerView> For(string user)
    {
        var settings = options.Value;
        var servers = settings.IceServers
            .Where(s => s.Urls.Count > 0)
            .Select(s => new IceServerView(s.Urls.ToArray(), s.Username, s.Credential))
            .ToList();
        if (settings.Turn is { Urls.Count: > 0, SharedSecret: { Length: > 0 } secret } turn)
        {
            var expires = time.GetUtcNow().AddSeconds(Math.Max(60, turn.CredentialLifetimeSeconds));
            var (username, credential) = Mint(secret, user, expires);
            servers.Add(new IceServerView(turn.Urls.ToArray(), username, credential));
        }

        return servers;
    }

    /// <summary>coturn's time-limited credentials: "expiry:user" and base64(HMAC-SHA1(secret, that username)).</summary>
    public static (string Username, string Credential) Mint(string secret, string user, DateTimeOffset expires)
    {
        var username = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + ":" + user;
        var credential = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(username)));
        return (username, credential);
    }
}

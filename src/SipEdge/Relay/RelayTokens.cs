using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Acd.SipEdge.Relay;

/// <summary>
/// Signs and checks edge-to-edge hops: an edge rings a phone another edge holds by sending that edge an INVITE for the
/// phone's contact with a token that only frontends sharing the key can make (HMAC-SHA256 over the ACD call id, the
/// contact and an expiry). Without a key every token is refused.
/// </summary>
internal sealed class RelayTokens(byte[]? key, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);

    public bool CanSign => key is { Length: >= 16 };

    public string Sign(string callId, string contact)
    {
        var expires = (time.GetUtcNow() + Lifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"{expires}.{Mac(callId, contact, expires)}";
    }

    /// <summary>Whether <paramref name="token"/> was made by an edge of this cluster for this call and contact, and is still fresh.</summary>
    public bool Verify(string? token, string callId, string contact)
    {
        if (!CanSign || string.IsNullOrEmpty(token))
        {
            return false;
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !long.TryParse(token.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            || DateTimeOffset.FromUnixTimeSeconds(Math.Min(expires, 253402300799)) < time.GetUtcNow())
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Mac(callId, contact, token[..dot]));
        var given = Encoding.ASCII.GetBytes(token[(dot + 1)..]);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    private string Mac(string callId, string contact, string expires) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key!, Encoding.UTF8.GetBytes($"{callId}\n{contact}\n{expires}")));
}

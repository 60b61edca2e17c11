using System.Security.Cryptography;
using System.Text;

namespace Acd.ThreeCx.Tests.StandIn;

/// <summary>
/// The stand-in's /connect/token: client credentials, one live token per client (a new one cuts the old off), expiry on
/// the stand-in's clock, <c>expires_in</c> in seconds (v20.0.9+) or minutes (before).
/// </summary>
public sealed class StandInTokens(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _secrets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Token, DateTimeOffset ExpiresAt)> _live = new(StringComparer.Ordinal);
    private TaskCompletionSource? _hold;
    private int _requests;

    public TimeSpan Lifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Answer expires_in in minutes, as 3CX did before 20.0.9.</summary>
    public bool ExpiresInMinutes { get; set; }

    /// <summary>Issue JWT-shaped tokens carrying iat/exp (3CX's are ES256 JWTs); opaque strings otherwise.</summary>
    public bool JwtTokens { get; set; } = true;

    /// <summary>The token endpoint answers 503.</summary>
    public bool Down { get; set; }

    public int Requests => Volatile.Read(ref _requests);

    public void AddClient(string clientId, string secret)
    {
        lock (_gate)
        {
            _secrets[clientId] = secret;
        }
    }

    /// <summary>Token requests wait until the returned action is called (to make concurrent callers meet).</summary>
    public Action Hold()
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _hold = hold;
        return () =>
        {
            _hold = null;
            hold.TrySetResult();
        };
    }

    public async Task<(int Status, object Body)> IssueAsync(string? clientId, string? secret, string? grantType)
    {
        Interlocked.Increment(ref _requests);
        if (_hold is { } hold)
        {
            await hold.Task;
        }

        if (Down)
        {
            return (503, new { error = "temporarily_unavailable" });
        }

        if (grantType != "client_credentials")
        {
            return (400, new { error = "unsupported_grant_type" });
        }

        lock (_gate)
        {
            if (clientId is null || !_secrets.TryGetValue(clientId, out var expected) || expected != secret)
            {
                return (400, new { error = "invalid_client" });
            }

            var token = NewToken(clientId);
            _live[clientId] = (token, time.GetUtcNow() + Lifetime);
            var expiresIn = ExpiresInMinutes ? (int)Lifetime.TotalMinutes : (int)Lifetime.TotalSeconds;
            return (200, new { token_type = "Bearer", expires_in = expiresIn, access_token = token });
        }
    }

    /// <summary>Another application with the same client id takes a token: the connector's stops working.</summary>
    public string IssueElsewhere(string clientId)
    {
        lock (_gate)
        {
            var token = NewToken(clientId);
            _live[clientId] = (token, time.GetUtcNow() + Lifetime);
            return token;
        }
    }

    public bool IsValid(string? bearer)
    {
        if (bearer is null)
        {
            return false;
        }

        lock (_gate)
        {
            var now = time.GetUtcNow();
            return _live.Values.Any(l => l.Token == bearer && now < l.ExpiresAt);
        }
    }

    private string NewToken(string clientId)
    {
        var nonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        if (!JwtTokens)
        {
            return $"opaque-{clientId}-{nonce}";
        }

        var iat = time.GetUtcNow().ToUnixTimeSeconds();
        var header = Base64Url("{\"alg\":\"ES256\",\"typ\":\"JWT\"}");
        var payload = Base64Url($"{{\"sub\":\"{clientId}\",\"iat\":{iat},\"exp\":{iat + (long)Lifetime.TotalSeconds},\"jti\":\"{nonce}\"}}");
        return $"{header}.{payload}.{Base64Url(nonce)}";
    }

    private static string Base64Url(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Acd.ThreeCx.Configuration;
using Acd.ThreeCx.Rest;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.ThreeCx.Auth;

/// <summary>
/// The one bearer token of one PBX's API client, shared by every caller. 3CX keeps a single live token per client, so a
/// second request for a token cuts off the first: every part of the connector must go through this one cache, refreshes
/// are single-flight, and a 401 renews only when the rejected token is still the current one.
/// </summary>
public sealed class ThreeCxTokenCache
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);

    private readonly ThreeCxPbxOptions _pbx;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly TimeSpan _maxBackoff;

    private CachedToken? _current;
    private Task<CachedToken>? _refresh;
    private DateTimeOffset _nextAttemptAt = DateTimeOffset.MinValue;
    private TimeSpan _backoff = TimeSpan.Zero;
    private string? _lastError;

    /// <param name="http">Reaches the PBX; its base address is not used (the token URL is absolute).</param>
    public ThreeCxTokenCache(ThreeCxPbxOptions pbx, HttpClient http, TimeProvider? time = null, ILogger<ThreeCxTokenCache>? logger = null)
    {
        _pbx = pbx;
        _http = http;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _maxBackoff = TimeSpan.FromSeconds(pbx.TokenBackoffMaxSeconds);
    }

    /// <summary>How many times the token endpoint was asked (for metrics and tests).</summary>
    public int Requests { get; private set; }

    /// <summary>Why the last token request failed, or null after a success.</summary>
    public string? LastError => _lastError;

    /// <summary>A token good for the next moments: the cached one until its refresh time, otherwise a new one.</summary>
    /// <exception cref="ThreeCxAuthException">No usable token: the endpoint refused or failed, or is in its back-off.</exception>
    public Task<string> GetTokenAsync(CancellationToken cancellationToken = default) => GetAsync(rejected: null, cancellationToken);

    /// <summary>
    /// After the PBX answered 401 to <paramref name="rejectedToken"/>: a newer token if another caller already got one,
    /// else a fresh one. Renewing only on the current token keeps concurrent 401s from cutting each other off.
    /// </summary>
    public Task<string> RenewAsync(string rejectedToken, CancellationToken cancellationToken = default) => GetAsync(rejectedToken, cancellationToken);

    private async Task<string> GetAsync(string? rejected, CancellationToken cancellationToken)
    {
        Task<CachedToken> refresh;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_current is { } current && rejected is not null && current.Value == rejected)
            {
                _current = null;
            }

            if (_current is { } fresh && now < fresh.RefreshAt)
            {
                return fresh.Value;
            }

            if (_refresh is null)
            {
                if (now < _nextAttemptAt)
                {
                    // While the endpoint backs off, a token that is due for refresh but not yet expired still works.
                    if (_current is { } stale && now < stale.ExpiresAt)
                    {
                        return stale.Value;
                    }

                    throw new ThreeCxAuthException(
                        $"3CX '{_pbx.Name}': no token; the token endpoint failed ({_lastError}), next attempt at {_nextAttemptAt:O}.");
                }

                _refresh = RequestAsync();
            }

            refresh = _refresh;
        }

        var token = await refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        return token.Value;
    }

    // Runs without the callers' cancellation: one caller giving up must not fail the request the others wait on.
    private async Task<CachedToken> RequestAsync()
    {
        await Task.Yield();
        try
        {
            var token = await FetchAsync().ConfigureAwait(false);
            lock (_gate)
            {
                _current = token;
                _refresh = null;
                _backoff = TimeSpan.Zero;
                _nextAttemptAt = DateTimeOffset.MinValue;
                _lastError = null;
            }

            _logger.LogDebug("3CX {Pbx}: new token valid for {Lifetime}", _pbx.Name, token.ExpiresAt - token.IssuedAt);
            return token;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or ThreeCxAuthException)
        {
            string message;
            lock (_gate)
            {
                _refresh = null;
                _backoff = _backoff == TimeSpan.Zero ? FirstBackoff : TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, _maxBackoff.Ticks));
                _nextAttemptAt = _time.GetUtcNow() + _backoff;
                _lastError = ex is ThreeCxAuthException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
                message = _lastError;
            }

            _logger.LogWarning("3CX {Pbx}: token request failed ({Error}); next attempt in {Backoff}", _pbx.Name, message, _backoff);
            throw new ThreeCxAuthException($"3CX '{_pbx.Name}': token request failed: {message}", ex);
        }
    }

    private async Task<CachedToken> FetchAsync()
    {
        Requests++;
        var secret = _pbx.ResolveSecret() ?? throw new ThreeCxAuthException("no client secret configured");
        using var form = new FormUrlEncodedContent(
        [
            new("client_id", _pbx.ClientId),
            new("client_secret", secret),
            new("grant_type", "client_credentials"),
        ]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(_pbx.RequestTimeoutSeconds));
        using var response = await _http.PostAsync(new Uri(_pbx.ApiBase, "connect/token"), form, timeout.Token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            // The body of a refusal is not logged: an identity server may echo the form back.
            throw new ThreeCxAuthException($"token endpoint answered {(int)response.StatusCode}");
        }

        var reply = await response.Content.ReadFromJsonAsync<ThreeCxTokenReply>(ThreeCxJson.Options, timeout.Token).ConfigureAwait(false);
        if (reply?.AccessToken is not { Length: > 0 } value)
        {
            throw new ThreeCxAuthException("token endpoint answered without access_token");
        }

        var issuedAt = _time.GetUtcNow();
        var lifetime = Lifetime(reply.ExpiresIn, value, _pbx.TokenLifetimeUnit);
        return new CachedToken(value, issuedAt, issuedAt + lifetime - RefreshMargin(lifetime), issuedAt + lifetime);
    }

    /// <summary>The token's lifetime per <paramref name="unit"/>; see <see cref="ThreeCxTokenLifetimeUnit.Auto"/> for the heuristic.</summary>
    internal static TimeSpan Lifetime(double? expiresIn, string token, ThreeCxTokenLifetimeUnit unit)
    {
        var value = expiresIn is > 0 ? expiresIn.Value : 60;
        return unit switch
        {
            ThreeCxTokenLifetimeUnit.Minutes => TimeSpan.FromMinutes(value),
            ThreeCxTokenLifetimeUnit.Seconds => TimeSpan.FromSeconds(value),
            _ => JwtLifetime(token) ?? TimeSpan.FromSeconds(value),
        };
    }

    /// <summary>Refresh a quarter of the lifetime early (15 s of a 60 s token), between 1 s and 60 s, so requests in flight stay covered.</summary>
    internal static TimeSpan RefreshMargin(TimeSpan lifetime) =>
        TimeSpan.FromTicks(Math.Clamp(lifetime.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));

    /// <summary><c>exp - iat</c> of a JWT, read without checking its signature (only the PBX checks it); null when unreadable.</summary>
    internal static TimeSpan? JwtLifetime(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
            using var json = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload)));
            if (json.RootElement.ValueKind == JsonValueKind.Object &&
                json.RootElement.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var expValue) &&
                json.RootElement.TryGetProperty("iat", out var iat) && iat.TryGetInt64(out var iatValue) &&
                expValue > iatValue)
            {
                return TimeSpan.FromSeconds(expValue - iatValue);
            }
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
        }

        return null;
    }

    private sealed record CachedToken(string Value, DateTimeOffset IssuedAt, DateTimeOffset RefreshAt, DateTimeOffset ExpiresAt);
}

/// <summary>No bearer token could be had from the PBX.</summary>
public sealed class ThreeCxAuthException : Exception
{
    public ThreeCxAuthException(string message) : base(message)
    {
    }

    public ThreeCxAuthException(string message, Exception inner) : base(message, inner)
    {
    }
}

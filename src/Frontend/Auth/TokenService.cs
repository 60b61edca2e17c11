using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Acd.Accounts;
using Acd.Common;
using Acd.Frontend.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Acd.Frontend.Auth;

public sealed record TokenResponse(
    string AccessToken,
    string RefreshToken,
    int ExpiresIn,
    string TokenType,
    string Username,
    string? AgentId,
    IReadOnlyList<string> Roles);

/// <summary>
/// A sign-in's outcome: tokens, a wrong password (both null), a lock of the account for <see cref="RetryAfter"/>, or a
/// right password that must be changed before the account gets a session (<see cref="PasswordChangeRequired"/>).
/// </summary>
public sealed record SignInResult(TokenResponse? Tokens, TimeSpan? RetryAfter, bool PasswordChangeRequired = false);

/// <summary>
/// Issues short-lived JWT access tokens and rotating refresh tokens. A refresh token is
/// "base64url(username).sessionId.secret"; only its SHA-256 is stored, in the user's account grain.
/// </summary>
public sealed class TokenService
{
    private readonly IGrainFactory _grains;
    private readonly AuthOptions _options;
    private readonly TimeProvider _time;
    private readonly PasswordHasher _hasher;
    private readonly SignInBackoff _backoff;

    public TokenService(IGrainFactory grains, IOptions<AuthOptions> options, TimeProvider time, SigningKeyProvider keys, PasswordHasher hasher,
        IOptions<RateLimitOptions> limits)
    {
        _grains = grains;
        _options = options.Value;
        _time = time;
        _hasher = hasher;
        _backoff = limits.Value.SignIn.ToBackoff();
        SigningKey = keys.Key;
    }

    public SymmetricSecurityKey SigningKey { get; }

    public static IUserAccountGrain Account(IGrainFactory grains, string username) =>
        grains.GetGrain<IUserAccountGrain>(username.Trim().ToLowerInvariant());

    public async Task<SignInResult> LoginAsync(string username, string password)
    {
        var check = await CheckPasswordAsync(username, password);
        if (check.Account is not { } account)
        {
            return new SignInResult(null, check.RetryAfter);
        }

        if (account.MustChangePassword)
        {
            return new SignInResult(null, null, PasswordChangeRequired: true);
        }

        return new SignInResult(await StartSessionAsync(account), null);
    }

    /// <summary>A new session for an account whose password was just checked; null if the account is gone or disabled.</summary>
    public async Task<TokenResponse?> StartSessionAsync(UserAccount account)
    {
        var sessionId = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
        var refreshToken = NewRefreshToken(account.Username, sessionId);
        var now = _time.GetUtcNow();
        var started = await Account(_grains, account.Username).StartSessionAsync(
            new RefreshSession(sessionId, HashToken(refreshToken), now, now.AddDays(_options.RefreshTokenDays), now));
        return started.IsSuccess ? Issue(account, sessionId, refreshToken) : null;
    }

    /// <summary>
    /// The account if the password is right, under the per-account back-off (<see cref="IUserAccountGrain.BeginSignInAsync"/>):
    /// while it is locked the password is not even checked.
    /// </summary>
    public async Task<PasswordCheck> CheckPasswordAsync(string username, string password)
    {
        var grain = Account(_grains, username);
        var gate = await grain.BeginSignInAsync(_backoff);
        if (!gate.Allowed)
        {
            return new PasswordCheck(null, gate.RetryAfter);
        }

        var account = await grain.GetAsync();
        var right = account is null ? _hasher.VerifyNoAccount(password) : PasswordHasher.Verify(password, account.PasswordHash);
        if (!right || account is null || account.Disabled)
        {
            return new PasswordCheck(null, null);
        }

        await grain.SignInSucceededAsync();
        return new PasswordCheck(account, null);
    }

    /// <summary>Rotates a refresh token; null when it is unknown, revoked, expired or replayed.</summary>
    public async Task<TokenResponse?> RefreshAsync(string refreshToken)
    {
        if (!TryParse(refreshToken, out var username, out var sessionId))
        {
            return null;
        }

        var grain = Account(_grains, username);
        var next = NewRefreshToken(username, sessionId);
        var rotated = await grain.RotateSessionAsync(sessionId, HashToken(refreshToken), HashToken(next),
            _time.GetUtcNow().AddDays(_options.RefreshTokenDays));
        if (!rotated.IsSuccess || await grain.GetAsync() is not { Disabled: false, MustChangePassword: false } account)
        {
            return null;
        }

        return Issue(account, sessionId, next);
    }

    /// <summary>Revokes the session of a refresh token (its hash must match the current one).</summary>
    public async Task<bool> RevokeAsync(string refreshToken)
    {
        if (!TryParse(refreshToken, out var username, out var sessionId))
        {
            return false;
        }

        // Rotating to a throw-away hash proves possession of the current token, then the session is dropped.
        var grain = Account(_grains, username);
        var proof = await grain.RotateSessionAsync(sessionId, HashToken(refreshToken), HashToken(Guid.NewGuid().ToString("N")),
            _time.GetUtcNow().AddMinutes(1));
        await grain.RevokeSessionAsync(sessionId);
        return proof.IsSuccess || proof.Error == AcdError.Conflict;
    }

    public string CreateAccessToken(UserAccount account, string sessionId, DateTimeOffset expires)
    {
        var claims = new List<Claim>
        {
            new(AcdClaims.Subject, account.Username),
            new(AcdClaims.Name, account.Username),
            new(AcdClaims.SessionIdType, sessionId),
            new("jti", Guid.NewGuid().ToString("N")),
        };
        claims.AddRange(account.Roles.Select(r => new Claim(AcdClaims.Role, r)));
        if (account.AgentId is { } agentId)
        {
            claims.Add(new Claim(AcdClaims.AgentIdType, agentId));
        }

        var now = _time.GetUtcNow();
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = (expires < now ? expires.AddMinutes(-1) : now).UtcDateTime,
            NotBefore = (expires < now ? expires.AddMinutes(-1) : now).UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(SigningKey, SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    public static string HashToken(string token) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private TokenResponse Issue(UserAccount account, string sessionId, string refreshToken)
    {
        var lifetime = TimeSpan.FromMinutes(Math.Max(1, _options.AccessTokenMinutes));
        var access = CreateAccessToken(account, sessionId, _time.GetUtcNow() + lifetime);
        return new TokenResponse(access, refreshToken, (int)lifetime.TotalSeconds, "Bearer", account.Username, account.AgentId,
            account.Roles);
    }

    private static string NewRefreshToken(string username, string sessionId) =>
        $"{Base64UrlEncoder.Encode(username.ToLowerInvariant())}.{sessionId}.{Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32))}";

    private static bool TryParse(string? token, out string username, out string sessionId)
    {
        username = sessionId = string.Empty;
        var parts = (token ?? string.Empty).Split('.');
        if (parts.Length != 3 || parts.Any(string.IsNullOrEmpty) || token!.Length > 512)
        {
            return false;
        }

        try
        {
            username = Base64UrlEncoder.Decode(parts[0]);
            sessionId = parts[1];
            return username.Length > 0;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

/// <summary>The outcome of a password check: the account when right; <see cref="RetryAfter"/> when the account is locked.</summary>
public sealed record PasswordCheck(UserAccount? Account, TimeSpan? RetryAfter);

/// <summary>The access-token signing key: configured, or random per process.</summary>
public sealed class SigningKeyProvider
{
    public SigningKeyProvider(IOptions<AuthOptions> options, ILogger<SigningKeyProvider> logger)
    {
        var configured = options.Value.SigningKey;
        byte[] bytes;
        if (string.IsNullOrWhiteSpace(configured))
        {
            bytes = RandomNumberGenerator.GetBytes(32);
            logger.LogWarning(
                "Auth:SigningKey is not set; using a random access-token key. Set it (base64, 32+ bytes) when running several frontends.");
        }
        else
        {
            try
            {
                bytes = Convert.FromBase64String(configured);
            }
            catch (FormatException)
            {
                bytes = Encoding.UTF8.GetBytes(configured);
            }

            if (bytes.Length < 32)
            {
                throw new InvalidOperationException("Auth:SigningKey must be at least 32 bytes.");
            }
        }

        Key = new SymmetricSecurityKey(bytes) { KeyId = "acd" };
    }

    public SymmetricSecurityKey Key { get; }
}

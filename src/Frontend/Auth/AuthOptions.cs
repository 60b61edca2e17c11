namespace Acd.Frontend.Auth;

/// <summary>Configuration section "Auth".</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>
    /// HMAC key for access tokens (base64, at least 32 bytes). Every frontend of a cluster needs the same key.
    /// When empty a random key is made at start: access tokens then die with the process and clients refresh.
    /// </summary>
    public string? SigningKey { get; set; }

    public string Issuer { get; set; } = "acd";

    public string Audience { get; set; } = "acd";

    public int AccessTokenMinutes { get; set; } = 15;

    public int RefreshTokenDays { get; set; } = 7;

    /// <summary>PBKDF2-SHA512 iterations for new password hashes (OWASP 2023: 210,000).</summary>
    public int PasswordIterations { get; set; } = 210_000;
}

/// <summary>Configuration section "Bootstrap".</summary>
public sealed class BootstrapOptions
{
    public const string Section = "Bootstrap";

    /// <summary>Password of the "admin" account created on first start; random (and logged once) when empty.</summary>
    public string? AdminPassword { get; set; }
}

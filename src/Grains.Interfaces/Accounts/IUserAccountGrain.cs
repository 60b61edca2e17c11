using Acd.Common;

namespace Acd.Accounts;

/// <summary>
/// One user account (key: lower-case username): password hash, roles and the refresh-token sessions.
/// Presenting an already rotated refresh token revokes its whole session (token theft detection).
/// </summary>
[Alias("acd.IUserAccountGrain")]
public interface IUserAccountGrain : IGrainWithStringKey
{
    [Alias("Get"), AlwaysInterleave]
    Task<UserAccount?> GetAsync();

    /// <summary>Creates the account. Conflict if it exists.</summary>
    [Alias("Create")]
    Task<Result> CreateAsync(UserAccount account);

    /// <summary>Replaces the account. NotFound if missing. A new password hash or disabling revokes every session.</summary>
    [Alias("Update")]
    Task<Result> UpdateAsync(UserAccount account);

    /// <summary>Removes the account and all its sessions. NotFound if missing.</summary>
    [Alias("Delete")]
    Task<Result> DeleteAsync();

    /// <summary>Starts a session with its first refresh token (hash). NotFound/Conflict if the account is missing/disabled.</summary>
    [Alias("StartSession")]
    Task<Result> StartSessionAsync(RefreshSession session);

    /// <summary>
    /// Swaps the session's current token for a new one. Fails with NotFound for an unknown, revoked or expired
    /// session, and with Conflict (revoking the session) when an older token of the session is replayed.
    /// </summary>
    [Alias("RotateSession")]
    Task<Result<RefreshSession>> RotateSessionAsync(string sessionId, string presentedTokenHash, string newTokenHash, DateTimeOffset expiresAt);

    [Alias("IsSessionActive"), AlwaysInterleave]
    Task<bool> IsSessionActiveAsync(string sessionId);

    [Alias("RevokeSession")]
    Task RevokeSessionAsync(string sessionId);

    [Alias("RevokeAllSessions")]
    Task RevokeAllSessionsAsync();

    /// <summary>
    /// Asks to check a password of this account (sign-in, password change). While the account backs off after failed
    /// attempts the answer is a refusal with the time to wait, whatever the password. An allowed attempt counts as a
    /// failure until <see cref="SignInSucceededAsync"/> clears the count, so parallel guesses cannot slip past the limit.
    /// Works for usernames without an account too, so the limit does not tell which accounts exist. The count lives in
    /// the activation's memory (no storage write per attempt): one activation per account in the cluster, so it holds
    /// across frontends; it starts over if the activation is lost with its silo.
    /// </summary>
    [Alias("BeginSignIn")]
    Task<SignInGate> BeginSignInAsync(SignInBackoff backoff);

    /// <summary>The password was right: forgets the failures.</summary>
    [Alias("SignInSucceeded")]
    Task SignInSucceededAsync();
}

using System.Collections.Immutable;

namespace Acd.Accounts;

/// <summary>A login of the product: agents, supervisors, admins and integrations (CRM, PBX).</summary>
/// <param name="Username">The login name; for agents it equals the agent id.</param>
/// <param name="PasswordHash">An opaque, salted password hash produced by the frontend's hasher.</param>
/// <param name="Roles">Any of "agent", "supervisor", "admin".</param>
/// <param name="AgentId">The agent this login acts as, or null for accounts without an agent.</param>
/// <param name="SipPassword">
/// Legacy: the plain SIP password of accounts written before only digest hashes were kept. Never written any more; the
/// SIP edge turns it into <paramref name="SipHa1"/> on first use and clears it.
/// </param>
/// <param name="SipHa1">
/// Digest secrets of the agent's phones: HA1 = H(username:realm:password) per "ALGORITHM:realm" (MD5 and SHA-256),
/// so the SIP password itself is never stored.
/// </param>
/// <param name="ScopeTeams">
/// A supervisor limited to these teams (and <paramref name="ScopeQueues"/>); both empty or null: every team and queue.
/// </param>
/// <param name="ScopeQueues">A supervisor limited to these queues (and <paramref name="ScopeTeams"/>).</param>
/// <param name="MustChangePassword">
/// The password was generated (the first admin's): sign-in is refused until the user picks a new one.
/// </param>
[GenerateSerializer, Immutable, Alias("acd.UserAccount")]
public sealed record UserAccount(
    [property: Id(0)] string Username,
    [property: Id(1)] string PasswordHash,
    [property: Id(2)] ImmutableArray<string> Roles,
    [property: Id(3)] string? AgentId,
    [property: Id(4)] string? SipPassword,
    [property: Id(5)] bool Disabled,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] DateTimeOffset UpdatedAt,
    [property: Id(8)] ImmutableDictionary<string, string>? SipHa1 = null,
    [property: Id(9)] bool MustChangePassword = false,
    [property: Id(10)] ImmutableArray<string>? ScopeTeams = null,
    [property: Id(11)] ImmutableArray<string>? ScopeQueues = null);

/// <summary>
/// One login session: a chain of refresh tokens, of which only the newest (<see cref="TokenHash"/>) is valid.
/// Only a hash of the token is kept.
/// </summary>
[GenerateSerializer, Immutable, Alias("acd.RefreshSession")]
public sealed record RefreshSession(
    [property: Id(0)] string SessionId,
    [property: Id(1)] string TokenHash,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] DateTimeOffset ExpiresAt,
    [property: Id(4)] DateTimeOffset RotatedAt);

public static class Roles
{
    public const string Agent = "agent";
    public const string Supervisor = "supervisor";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Agent, Supervisor, Admin];
}

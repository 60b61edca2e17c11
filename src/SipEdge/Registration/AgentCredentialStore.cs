using System.Collections.Immutable;
using Acd.Accounts;
using Acd.Sip.Auth;
using Microsoft.Extensions.Logging;

namespace Acd.SipEdge.Registration;

/// <summary>
/// Digest credentials of agents' phones. Accounts keep only HA1 = H(username:realm:password) per algorithm and realm,
/// never the SIP password, so neither a database dump nor the digest server ever sees it.
/// </summary>
public sealed partial class AgentCredentialStore(IGrainFactory grains, ILogger<AgentCredentialStore> logger) : IDigestCredentialStore
{
    private static readonly DigestAlgorithm[] Algorithms = [DigestAlgorithm.Md5, DigestAlgorithm.Sha256];

    /// <summary>The HA1 secrets to store for a SIP password: MD5 and SHA-256 for the edge's realm, for the lower-case login.</summary>
    public static ImmutableDictionary<string, string> HashSipPassword(string username, string realm, string password) =>
        Algorithms.ToImmutableDictionary(a => Key(a, realm), a => DigestHash.ComputeHa1(a, username.ToLowerInvariant(), realm, password),
            StringComparer.Ordinal);

    public async ValueTask<string?> GetHa1Async(string username, string realm, DigestAlgorithm algorithm, CancellationToken cancellationToken = default)
    {
        var account = await FindAsync(username);
        if (account is null)
        {
            return null;
        }

        if (account.SipHa1?.TryGetValue(Key(algorithm, realm), out var ha1) == true)
        {
            // Stored for the lower-case login: a phone configured with other letter cases hashes another username.
            return string.Equals(username, account.Username, StringComparison.Ordinal) ? ha1 : null;
        }

        if (account.SipPassword is not { Length: > 0 } legacy)
        {
            return null;
        }

        // An account from before HA1 storage: keep the hashes, drop the password.
        var hashes = HashSipPassword(account.Username, realm, legacy);
        await grains.GetGrain<IUserAccountGrain>(account.Username).UpdateAsync(account with { SipPassword = null, SipHa1 = hashes });
        LogMigrated(account.Username, realm);
        return string.Equals(username, account.Username, StringComparison.Ordinal) ? hashes[Key(algorithm, realm)] : null;
    }

    /// <summary>The agent a digest username acts as, or null when the account is missing, disabled or not an agent.</summary>
    public async Task<string?> ResolveAgentIdAsync(string username) => (await FindAsync(username))?.AgentId;

    private static string Key(DigestAlgorithm algorithm, string realm) => $"{DigestHash.Name(algorithm)}:{realm}";

    private async Task<UserAccount?> FindAsync(string username)
    {
        if (string.IsNullOrWhiteSpace(username) || username.Length > 128)
        {
            return null;
        }

        // Account keys are lower-case usernames (see IUserAccountGrain).
        var account = await grains.GetGrain<IUserAccountGrain>(username.ToLowerInvariant()).GetAsync();
        return account is { Disabled: false, AgentId: not null } ? account : null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SIP password of {Username} replaced by its digest hashes for realm {Realm}")]
    private partial void LogMigrated(string username, string realm);
}

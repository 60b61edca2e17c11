using Acd.Accounts;
using Acd.Sip.Auth;

namespace Acd.Frontend.SipEdge;

/// <summary>
/// Digest credentials of agents' phones: HA1 = H(username:realm:sipPassword) computed from the agent's account,
/// so the digest server never sees the password itself and nothing secret is logged.
/// </summary>
public sealed class AgentCredentialStore(IGrainFactory grains) : IDigestCredentialStore
{
    public async ValueTask<string?> GetHa1Async(string username, string realm, DigestAlgorithm algorithm, CancellationToken cancellationToken = default)
    {
        var account = await FindAsync(username);
        return account?.SipPassword is { Length: > 0 } secret ? DigestHash.ComputeHa1(algorithm, username, realm, secret) : null;
    }

    /// <summary>The agent a digest username acts as, or null when the account is missing, disabled or not an agent.</summary>
    public async Task<string?> ResolveAgentIdAsync(string username) => (await FindAsync(username))?.AgentId;

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
}

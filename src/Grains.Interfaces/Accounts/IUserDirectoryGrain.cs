using System.Collections.Immutable;

namespace Acd.Accounts;

/// <summary>
/// The names of the accounts made without an agent (supervisors, admins, integrations; singleton key
/// <see cref="UserDirectoryKeys.Default"/>), so the admin console can list them: an account grain alone cannot be found.
/// Agents' own accounts are found through the catalog's agents.
/// </summary>
[Alias("acd.IUserDirectoryGrain")]
public interface IUserDirectoryGrain : IGrainWithStringKey
{
    [Alias("List"), AlwaysInterleave]
    Task<ImmutableArray<string>> ListAsync();

    [Alias("Add")]
    Task AddAsync(string username);

    [Alias("Remove")]
    Task RemoveAsync(string username);
}

public static class UserDirectoryKeys
{
    public const string Default = "default";
}

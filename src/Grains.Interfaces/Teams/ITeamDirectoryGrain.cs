using System.Collections.Immutable;
using Acd.Common;

namespace Acd.Teams;

/// <summary>The teams of the call centre (singleton key <see cref="TeamDirectoryKeys.Default"/>).</summary>
[Alias("acd.ITeamDirectoryGrain")]
public interface ITeamDirectoryGrain : IGrainWithStringKey
{
    /// <summary>Every team, by id.</summary>
    [Alias("List"), AlwaysInterleave]
    Task<ImmutableArray<Team>> ListAsync();

    [Alias("Get"), AlwaysInterleave]
    Task<Team?> GetAsync(string teamId);

    /// <summary>Adds a team. Conflict if the id exists.</summary>
    [Alias("Create")]
    Task<Result> CreateAsync(Team team);

    /// <summary>Replaces a team. NotFound if missing.</summary>
    [Alias("Update")]
    Task<Result> UpdateAsync(Team team);

    [Alias("Delete")]
    Task<Result> DeleteAsync(string teamId);
}

public static class TeamDirectoryKeys
{
    public const string Default = "default";
}

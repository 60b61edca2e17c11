using System.Collections.Immutable;
using Acd.Common;
using Acd.Grains.Hosting;
using Acd.Teams;

namespace Acd.Grains.Teams;

public sealed class TeamDirectoryGrain(
    [PersistentState("teams", AcdStorage.GrainState)] IPersistentState<TeamDirectoryState> state)
    : Grain, ITeamDirectoryGrain
{
    public Task<ImmutableArray<Team>> ListAsync() =>
        Task.FromResult(state.State.Teams.Values.OrderBy(t => t.TeamId, StringComparer.OrdinalIgnoreCase).ToImmutableArray());

    public Task<Team?> GetAsync(string teamId) => Task.FromResult(state.State.Teams.GetValueOrDefault(teamId));

    public async Task<Result> CreateAsync(Team team)
    {
        ArgumentNullException.ThrowIfNull(team);
        if (!state.State.Teams.TryAdd(team.TeamId, team))
        {
            return Result.Fail(AcdError.Conflict, $"Team '{team.TeamId}' already exists.");
        }

        await state.WriteStateAsync();
        return Result.Ok;
    }

    public async Task<Result> UpdateAsync(Team team)
    {
        ArgumentNullException.ThrowIfNull(team);
        if (!state.State.Teams.ContainsKey(team.TeamId))
        {
            return Result.Fail(AcdError.NotFound, $"Team '{team.TeamId}' does not exist.");
        }

        state.State.Teams[team.TeamId] = team;
        await state.WriteStateAsync();
        return Result.Ok;
    }

    public async Task<Result> DeleteAsync(string teamId)
    {
        if (!state.State.Teams.Remove(teamId))
        {
            return Result.Fail(AcdError.NotFound, $"Team '{teamId}' does not exist.");
        }

        await state.WriteStateAsync();
        return Result.Ok;
    }
}

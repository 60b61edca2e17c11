using System.Collections.Immutable;
using Acd.Accounts;
using Acd.Grains.Hosting;

namespace Acd.Grains.Accounts;

public sealed class UserDirectoryGrain(
    [PersistentState("users", AcdStorage.GrainState)] IPersistentState<UserDirectoryState> state)
    : Grain, IUserDirectoryGrain
{
    public Task<ImmutableArray<string>> ListAsync() => Task.FromResult(state.State.Usernames.ToImmutableArray());

    public Task AddAsync(string username) =>
        state.State.Usernames.Add(username.ToLowerInvariant()) ? state.WriteStateAsync() : Task.CompletedTask;

    public Task RemoveAsync(string username) =>
        state.State.Usernames.Remove(username.ToLowerInvariant()) ? state.WriteStateAsync() : Task.CompletedTask;
}

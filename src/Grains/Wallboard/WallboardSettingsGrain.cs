using System.Collections.Immutable;
using Acd.Grains.Hosting;
using Acd.Wallboard;

namespace Acd.Grains.Wallboard;

public sealed class WallboardSettingsGrain(
    [PersistentState("wallboard", AcdStorage.GrainState)] IPersistentState<WallboardSettingsState> state)
    : Grain, IWallboardSettingsGrain
{
    public Task<ImmutableDictionary<string, QueueThresholds>> GetThresholdsAsync() =>
        Task.FromResult(state.State.Thresholds.ToImmutableDictionary(StringComparer.Ordinal));

    public Task SetThresholdsAsync(string queueId, QueueThresholds? thresholds)
    {
        if (thresholds is null)
        {
            return state.State.Thresholds.Remove(queueId) ? state.WriteStateAsync() : Task.CompletedTask;
        }

        state.State.Thresholds[queueId] = thresholds;
        return state.WriteStateAsync();
    }
}

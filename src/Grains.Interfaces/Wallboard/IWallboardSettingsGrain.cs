using System.Collections.Immutable;

namespace Acd.Wallboard;

/// <summary>The wallboard's shared settings (singleton key <see cref="WallboardKeys.Default"/>): each queue's thresholds.</summary>
[Alias("acd.IWallboardSettingsGrain")]
public interface IWallboardSettingsGrain : IGrainWithStringKey
{
    [Alias("GetThresholds"), AlwaysInterleave]
    Task<ImmutableDictionary<string, QueueThresholds>> GetThresholdsAsync();

    /// <summary>Sets a queue's thresholds; null removes them.</summary>
    [Alias("SetThresholds")]
    Task SetThresholdsAsync(string queueId, QueueThresholds? thresholds);
}

public static class WallboardKeys
{
    public const string Default = "default";
}

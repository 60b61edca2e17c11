using Acd.Wallboard;

namespace Acd.Grains.Wallboard;

[GenerateSerializer, Alias("acd.WallboardSettingsState")]
public sealed class WallboardSettingsState
{
    [Id(0)] public Dictionary<string, QueueThresholds> Thresholds { get; set; } = new(StringComparer.Ordinal);
}

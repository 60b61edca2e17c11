using Acd.Teams;

namespace Acd.Grains.Teams;

[GenerateSerializer, Alias("acd.TeamDirectoryState")]
public sealed class TeamDirectoryState
{
    [Id(0)] public Dictionary<string, Team> Teams { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

using System.Collections.Immutable;

namespace Acd.Agents;

/// <summary>Who an agent is and what it can do. Skills carry a proficiency from 1 (novice) to 10 (expert).</summary>
[GenerateSerializer, Immutable, Alias("acd.AgentProfile")]
public sealed record AgentProfile(
    [property: Id(0)] string Name,
    [property: Id(1)] string Extension,
    [property: Id(2)] ImmutableDictionary<string, int> Skills,
    [property: Id(3)] ImmutableArray<string> Queues,
    [property: Id(4)] ImmutableArray<string> Roles,
    [property: Id(5)] string? ThreeCxExtension = null,
    [property: Id(6)] string? TeamId = null)
{
    public const int MinProficiency = 1;
    public const int MaxProficiency = 10;

    public static AgentProfile Create(string name, string extension, IEnumerable<KeyValuePair<string, int>>? skills = null,
        IEnumerable<string>? queues = null, IEnumerable<string>? roles = null) =>
        new(name, extension,
            (skills ?? []).ToImmutableDictionary(StringComparer.OrdinalIgnoreCase),
            [.. queues ?? []],
            [.. roles ?? ["agent"]]);
}

using System.Collections.Immutable;

namespace Acd.Teams;

/// <summary>
/// A team of agents (agents name their team in <see cref="Agents.AgentProfile.TeamId"/>) and the queues it works,
/// which a supervisor scoped to the team sees on the wallboard.
/// </summary>
[GenerateSerializer, Immutable, Alias("acd.Team")]
public sealed record Team(
    [property: Id(0)] string TeamId,
    [property: Id(1)] string Name,
    [property: Id(2)] ImmutableArray<string> Queues);

using System.Collections.Frozen;
using Acd.Agents;

namespace Acd.Frontend.Scoping;

/// <summary>
/// What a supervisor may see and act on. An unscoped supervisor (and every admin) sees everything. A scoped one sees the
/// agents of its teams and the agents serving its own queues, and the queues it names plus those its teams work.
/// </summary>
public sealed class AccessScope
{
    public static readonly AccessScope Everything = new(true, FrozenSet<string>.Empty, FrozenSet<string>.Empty, FrozenSet<string>.Empty);

    private AccessScope(bool all, FrozenSet<string> teams, FrozenSet<string> queues, FrozenSet<string> visibleQueues)
    {
        All = all;
        Teams = teams;
        Queues = queues;
        VisibleQueues = visibleQueues;
    }

    public bool All { get; }

    /// <summary>The teams the supervisor is given.</summary>
    public FrozenSet<string> Teams { get; }

    /// <summary>The queues the supervisor is given by name (their agents are in scope, whatever their team).</summary>
    public FrozenSet<string> Queues { get; }

    /// <summary>The queues on the supervisor's wallboard: its own plus those its teams work.</summary>
    public FrozenSet<string> VisibleQueues { get; }

    public static AccessScope Limited(IEnumerable<string> teams, IEnumerable<string> queues, IEnumerable<string> teamQueues)
    {
        var own = queues.ToFrozenSet(StringComparer.Ordinal);
        return new AccessScope(false, teams.ToFrozenSet(StringComparer.OrdinalIgnoreCase), own,
            own.Concat(teamQueues).ToFrozenSet(StringComparer.Ordinal));
    }

    public bool SeesQueue(string? queueId) => All || (queueId is not null && VisibleQueues.Contains(queueId));

    public bool SeesAgent(AgentProfile? profile) =>
        All || (profile is not null && ((profile.TeamId is { } team && Teams.Contains(team))
            || (!profile.Queues.IsDefault && profile.Queues.Any(Queues.Contains))));
}

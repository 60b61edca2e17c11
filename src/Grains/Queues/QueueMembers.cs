using Acd.Queues;

namespace Acd.Grains.Queues;

/// <summary>
/// The queue's in-memory view of its agents, with the Ready and logged-in counts kept as members change (statistics
/// are read on every queue change, so they must not walk thousands of members) and the best few candidates for a
/// call found in one pass without sorting everyone.
/// </summary>
internal sealed class QueueMembers
{
    private readonly Dictionary<string, QueueMember> _byAgent = new(StringComparer.Ordinal);

    public int Count => _byAgent.Count;

    public int ReadyCount { get; private set; }

    public int LoggedInCount { get; private set; }

    public Dictionary<string, QueueMember>.ValueCollection Values => _byAgent.Values;

    public bool TryGetValue(string agentId, out QueueMember member) => _byAgent.TryGetValue(agentId, out member!);

    /// <summary>Adds or replaces the member; returns the previous entry, if any.</summary>
    public QueueMember? Set(QueueMember member)
    {
        var previous = _byAgent.GetValueOrDefault(member.AgentId);
        Tally(previous, -1);
        _byAgent[member.AgentId] = member;
        Tally(member, +1);
        return previous;
    }

    /// <summary>Adds the member unless the agent is already known (a roster answer arriving after a fresh update).</summary>
    public void TryAdd(QueueMember member)
    {
        if (_byAgent.TryAdd(member.AgentId, member))
        {
            Tally(member, +1);
        }
    }

    public bool Remove(string agentId)
    {
        if (!_byAgent.Remove(agentId, out var removed))
        {
            return false;
        }

        Tally(removed, -1);
        return true;
    }

    /// <summary>
    /// Up to <paramref name="limit"/> members for which <paramref name="eligible"/> holds, best first by the queue's
    /// strategy. One pass over the members, an insertion into a buffer of at most <paramref name="limit"/>.
    /// </summary>
    public List<QueueMember> Best(int limit, RoutingStrategy strategy, string? lastRoundRobinAgentId, Func<QueueMember, bool> eligible)
    {
        var best = new List<QueueMember>(Math.Min(limit, 4));
        var order = Comparer(strategy, lastRoundRobinAgentId);
        foreach (var member in _byAgent.Values)
        {
            if (!eligible(member) || (best.Count == limit && order(member, best[^1]) >= 0))
            {
                continue;
            }

            if (best.Count == limit)
            {
                best.RemoveAt(best.Count - 1);
            }

            var at = best.Count;
            while (at > 0 && order(member, best[at - 1]) < 0)
            {
                at--;
            }

            best.Insert(at, member);
        }

        return best;
    }

    private static Comparison<QueueMember> Comparer(RoutingStrategy strategy, string? last) => strategy switch
    {
        RoutingStrategy.FewestCalls => static (a, b) =>
            a.CallsHandled != b.CallsHandled ? a.CallsHandled.CompareTo(b.CallsHandled)
            : a.IdleSince != b.IdleSince ? a.IdleSince.CompareTo(b.IdleSince)
            : string.CompareOrdinal(a.AgentId, b.AgentId),
        // The rotation: agents after the last one served (by id), then from the start again.
        RoutingStrategy.RoundRobin => (a, b) =>
        {
            var aLater = last is null || string.CompareOrdinal(a.AgentId, last) > 0;
            var bLater = last is null || string.CompareOrdinal(b.AgentId, last) > 0;
            return aLater != bLater ? (aLater ? -1 : 1) : string.CompareOrdinal(a.AgentId, b.AgentId);
        },
        _ => static (a, b) => a.IdleSince != b.IdleSince ? a.IdleSince.CompareTo(b.IdleSince) : string.CompareOrdinal(a.AgentId, b.AgentId),
    };

    private void Tally(QueueMember? member, int delta)
    {
        if (member is null)
        {
            return;
        }

        ReadyCount += member.IsReady ? delta : 0;
        LoggedInCount += member.IsLoggedIn ? delta : 0;
    }
}

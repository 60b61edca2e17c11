using System.Collections.Immutable;
using Acd.Grains.Queues;
using Acd.Queues;

namespace Acd.Grains.Tests;

/// <summary>The queue's member view: counts kept as members change, and the best candidates found without a full sort.</summary>
public sealed class QueueMembersTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    private static QueueMember Member(string id, int idleMinutesAgo, int handled = 0, bool ready = true, bool loggedIn = true) =>
        new(id, ready, loggedIn, T0.AddMinutes(-idleMinutesAgo), handled, ImmutableDictionary<string, int>.Empty, HasDevice: true);

    [Fact]
    public void Ready_and_logged_in_counts_follow_every_change()
    {
        var members = new QueueMembers();
        members.Set(Member("a", 1));
        members.Set(Member("b", 2, ready: false));
        members.TryAdd(Member("c", 3, ready: false, loggedIn: false));
        members.TryAdd(Member("a", 9, ready: false)); // known already: a late roster answer changes nothing
        Assert.Equal((3, 1, 2), (members.Count, members.ReadyCount, members.LoggedInCount));

        members.Set(Member("b", 2));
        Assert.Equal((2, 2), (members.ReadyCount, members.LoggedInCount));
        Assert.True(members.Remove("a"));
        Assert.False(members.Remove("a"));
        Assert.Equal((2, 1, 1), (members.Count, members.ReadyCount, members.LoggedInCount));
    }

    [Fact]
    public void Best_picks_in_strategy_order_within_the_limit_and_skips_the_ineligible()
    {
        var members = new QueueMembers();
        // Idle for 1..40 minutes, inserted in a scrambled order; every third one handled fewer calls.
        foreach (var i in Enumerable.Range(1, 40).OrderBy(i => (i * 17) % 41))
        {
            members.Set(Member($"agent-{i:00}", idleMinutesAgo: i, handled: i % 3 == 0 ? 1 : 5, ready: i != 40));
        }

        var longestIdle = members.Best(3, RoutingStrategy.LongestIdle, null, m => m.IsReady);
        Assert.Equal(["agent-39", "agent-38", "agent-37"], longestIdle.Select(m => m.AgentId));

        var fewest = members.Best(4, RoutingStrategy.FewestCalls, null, m => m.IsReady);
        Assert.Equal(["agent-39", "agent-36", "agent-33", "agent-30"], fewest.Select(m => m.AgentId));

        var afterLast = members.Best(3, RoutingStrategy.RoundRobin, "agent-38", m => m.IsReady);
        Assert.Equal(["agent-39", "agent-01", "agent-02"], afterLast.Select(m => m.AgentId));
        var fromStart = members.Best(2, RoutingStrategy.RoundRobin, null, m => m.IsReady);
        Assert.Equal(["agent-01", "agent-02"], fromStart.Select(m => m.AgentId));

        Assert.Empty(members.Best(3, RoutingStrategy.LongestIdle, null, _ => false));
        Assert.Equal(39, members.Best(100, RoutingStrategy.LongestIdle, null, m => m.IsReady).Count);
    }
}

using Acd.Queues;

namespace Acd.Grains.Queues;

/// <summary>
/// Live statistics over a sliding window kept as counters per slice (a sixtieth of the window), so the queue's state
/// and the cost of reading it stay the same at 1 call per minute or 100 per second. The window is exact to one slice.
/// </summary>
public sealed partial class QueueGrain
{
    private const int SlicesPerWindow = 60;

    private TimeSpan StatsWindow => TimeSpan.FromMinutes(S.Config?.StatsWindowMinutes ?? QueueConfig.DefaultStatsWindowMinutes);

    private TimeSpan SlaThreshold => TimeSpan.FromSeconds(S.Config?.SlaSeconds ?? QueueConfig.DefaultSlaSeconds);

    private void CountEntered() => Count(b => b with { Entered = b.Entered + 1 });

    private void CountOutcome(CallOutcome outcome)
    {
        var withinSla = outcome.Wait <= SlaThreshold;
        switch (outcome.Kind)
        {
            case CallOutcomeKind.Answered:
                Count(b => b with
                {
                    Answered = b.Answered + 1,
                    AnsweredInSla = b.AnsweredInSla + (withinSla ? 1 : 0),
                    AnsweredWaitTicks = b.AnsweredWaitTicks + outcome.Wait.Ticks,
                });
                break;
            case CallOutcomeKind.Abandoned:
                Count(b => b with { Abandoned = b.Abandoned + 1, AbandonedAfterSla = b.AbandonedAfterSla + (withinSla ? 0 : 1) });
                break;
            case CallOutcomeKind.Overflowed:
                Count(b => b with { Overflowed = b.Overflowed + 1 });
                break;
        }
    }

    /// <summary>Adds to the current slice; old slices are dropped by <see cref="TrimWindow"/> with the change that follows.</summary>
    private void Count(Func<QueueStatsBucket, QueueStatsBucket> add)
    {
        var width = Math.Max(StatsWindow.Ticks / SlicesPerWindow, TimeSpan.TicksPerSecond);
        var now = Now.UtcTicks;
        var start = new DateTimeOffset(now - (now % width), TimeSpan.Zero);
        var last = S.Buckets.Count - 1;
        if (last >= 0 && S.Buckets[last].Start == start)
        {
            S.Buckets[last] = add(S.Buckets[last]);
        }
        else
        {
            S.Buckets.Add(add(new QueueStatsBucket(start)));
        }
    }

    private void TrimWindow()
    {
        var since = Now - StatsWindow;
        S.Buckets.RemoveAll(b => b.Start < since);
    }

    /// <summary>Sums of the window's slices, and how much of the window they cover (from the oldest slice kept to now).</summary>
    private readonly record struct WindowSums(int Entered, int Answered, int AnsweredInSla, long AnsweredWaitTicks, int Abandoned,
        int AbandonedAfterSla, int Overflowed, int HandledCalls, long HandleTicks, TimeSpan Covered);

    private WindowSums WindowTotals()
    {
        var now = Now;
        var since = now - StatsWindow;
        int entered = 0, answered = 0, answeredInSla = 0, abandoned = 0, abandonedLate = 0, overflowed = 0, handled = 0;
        long waitTicks = 0, handleTicks = 0;
        DateTimeOffset? oldest = null;
        foreach (var b in S.Buckets)
        {
            if (b.Start < since)
            {
                continue;
            }

            oldest ??= b.Start;
            entered += b.Entered;
            answered += b.Answered;
            answeredInSla += b.AnsweredInSla;
            waitTicks += b.AnsweredWaitTicks;
            abandoned += b.Abandoned;
            abandonedLate += b.AbandonedAfterSla;
            overflowed += b.Overflowed;
            handled += b.HandledCalls;
            handleTicks += b.HandleTicks;
        }

        var covered = oldest is { } first ? now - first : TimeSpan.Zero;
        return new WindowSums(entered, answered, answeredInSla, waitTicks, abandoned, abandonedLate, overflowed, handled, handleTicks, covered);
    }

    /// <summary>
    /// Service level = answered within the SLA threshold / (answered + abandoned after the threshold);
    /// callers who hang up before the threshold do not count against it.
    /// </summary>
    private QueueStats Stats()
    {
        var now = Now;
        var t = WindowTotals();
        var (ready, loggedIn) = (_members.ReadyCount, _members.LoggedInCount);

        var slaBase = t.Answered + t.AbandonedAfterSla;
        double? serviceLevel = slaBase == 0 ? null : 100.0 * t.AnsweredInSla / slaBase;
        var asa = t.Answered == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(t.AnsweredWaitTicks / t.Answered);
        var handle = t.HandledCalls == 0 ? TimeSpan.Zero : TimeSpan.FromTicks(t.HandleTicks / t.HandledCalls);
        // Waiting is kept in priority order, so the longest waiter is not necessarily first.
        var longest = TimeSpan.Zero;
        foreach (var call in S.Waiting)
        {
            var wait = now - call.JoinedAt;
            longest = wait > longest ? wait : longest;
        }

        return new QueueStats(S.Waiting.Count, longest, t.Entered, t.Answered, t.Abandoned, t.Overflowed, serviceLevel, asa, ready, loggedIn,
            StatsWindow, now, handle, t.HandledCalls);
    }
}

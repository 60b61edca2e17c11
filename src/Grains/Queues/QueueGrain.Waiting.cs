using Acd.Agents;
using Acd.Queues;

namespace Acd.Grains.Queues;

/// <summary>
/// A waiting caller's position and estimated wait (the SIP edge announces them), from the queue's own statistics.
/// <para>
/// <b>Handle time.</b> The queue measures how long its calls keep an agent: from the moment it offers a call to a
/// member (or a member claims one) until the member is free again (the end of the call, or of its wrap-up). Each such
/// cycle is counted in the statistics window's slice where it ended, so the average slides with the window like ASA.
/// A cycle that ends without a handled call (ring-no-answer, a rejected offer) is not counted.
/// </para>
/// <para>
/// <b>Estimate.</b> With L members working the queue (logged in and Ready, reserved, on a call or in wrap-up; not on a
/// break) and an average handle time AHT over at least <see cref="MinWaitSamples"/> cycles, the caller at position N
/// waits about N x AHT / L: the line moves by one each time one of the L agents frees up, on average every AHT / L.
/// Without measured cycles but with at least <see cref="MinWaitSamples"/> answered calls in the window it falls back to
/// N x (time covered by the window / answered calls), the rate at which the line moved recently. Otherwise there is
/// no estimate (<see cref="WaitEstimateBasis.None"/>), and the announcement leaves the wait out.
/// </para>
/// <para>
/// <b>Limits.</b> An agent who also serves other queues is counted as fully available to this one; priorities that
/// let later callers overtake are ignored (the position is today's, not a promise); a shift change (agents logging in
/// or out) moves the estimate at once, but a change in call length only as the window slides; the answer-rate
/// fallback overestimates in a quiet queue (answers are rare because calls are, not because agents are slow). Member
/// work is soft state: after a failover the cycles in progress are not measured (the averages, being stored, are kept).
/// </para>
/// </summary>
public sealed partial class QueueGrain
{
    /// <summary>Cycles (or answers) needed before the queue estimates a wait: one call says little.</summary>
    public const int MinWaitSamples = 3;

    /// <summary>Members' current cycle on a call of this queue: since when, and their calls handled before it.</summary>
    private readonly Dictionary<string, (DateTimeOffset Since, int HandledBefore)> _cycles = new(StringComparer.Ordinal);

    public Task<WaitingPosition> GetWaitingPositionAsync(string callId)
    {
        var index = S.Waiting.FindIndex(c => c.CallId == callId);
        if (index < 0)
        {
            return Task.FromResult(new WaitingPosition(callId, null, S.Waiting.Count, null, WaitEstimateBasis.None, TimeSpan.Zero));
        }

        var position = index + 1;
        var (estimate, basis) = EstimateWait(position);
        var waited = Now - S.Waiting[index].JoinedAt;
        return Task.FromResult(new WaitingPosition(callId, position, S.Waiting.Count, estimate, basis,
            waited > TimeSpan.Zero ? waited : TimeSpan.Zero));
    }

    private (TimeSpan? Wait, WaitEstimateBasis Basis) EstimateWait(int position)
    {
        var totals = WindowTotals();
        var working = WorkingMembers();
        if (totals.HandledCalls >= MinWaitSamples && working > 0)
        {
            var handle = totals.HandleTicks / totals.HandledCalls;
            return (TimeSpan.FromTicks(position * handle / working), WaitEstimateBasis.HandleTime);
        }

        if (totals.Answered >= MinWaitSamples && totals.Covered > TimeSpan.Zero)
        {
            return (TimeSpan.FromTicks(position * (totals.Covered.Ticks / totals.Answered)), WaitEstimateBasis.AnswerRate);
        }

        return (null, WaitEstimateBasis.None);
    }

    /// <summary>Members who take or will soon take calls: Ready, or busy with a call (not on a break, not logged out).</summary>
    private int WorkingMembers()
    {
        var working = 0;
        foreach (var member in _members.Values)
        {
            working += member.IsLoggedIn && IsWorking(member) ? 1 : 0;
        }

        return working;
    }

    /// <summary>The queue's copy keeps the agent's status; an offer only clears <see cref="QueueMember.IsReady"/>.</summary>
    private bool IsWorking(QueueMember member) => member.Status is { } status
        ? status is AgentStatus.Ready or AgentStatus.Reserved or AgentStatus.OnCall or AgentStatus.WrapUp
        : member.IsReady || _cycles.ContainsKey(member.AgentId); // from an agent grain that does not say its status

    /// <summary>The queue offered a call to this member (or the member claimed one): its cycle starts now.</summary>
    private void StartCycle(string agentId)
    {
        if (!_cycles.ContainsKey(agentId) && _members.TryGetValue(agentId, out var member))
        {
            _cycles[agentId] = (Now, member.CallsHandled);
        }
    }

    /// <summary>
    /// Follows a member's cycle with its updates: a handled call ends it (at once, or when wrap-up ends), a member back
    /// to Ready, on a break or logged out without a handled call abandons it.
    /// </summary>
    private void TrackCycle(QueueMember member)
    {
        if (!_cycles.TryGetValue(member.AgentId, out var cycle))
        {
            return;
        }

        var handled = member.CallsHandled > cycle.HandledBefore;
        if (handled ? member.Status == AgentStatus.WrapUp : StillOnTheCall(member))
        {
            return;
        }

        _cycles.Remove(member.AgentId);
        if (!handled)
        {
            return;
        }

        var length = Now - cycle.Since;
        if (member.Status is null && S.Config is { } config)
        {
            length += config.WrapUp; // an agent grain that does not say its status reports the call's end, not the wrap-up's
        }

        Count(b => b with { HandledCalls = b.HandledCalls + 1, HandleTicks = b.HandleTicks + Math.Max(0, length.Ticks) });
    }

    private static bool StillOnTheCall(QueueMember member) => member.IsLoggedIn && (member.Status is { } status
        ? status is AgentStatus.Reserved or AgentStatus.OnCall
        : !member.IsReady);
}

using System.Collections.Immutable;
using Acd.Common;
using Acd.Events;

namespace Acd.Queues;

/// <summary>
/// One queue (key: queue id): configuration, waiting calls in priority/join order, the members it may
/// offer to, and live statistics. Methods that agent grains call while they wait are interleaved and
/// synchronous, so matching never deadlocks.
/// </summary>
[Alias("acd.IQueueGrain")]
public interface IQueueGrain : IGrainWithStringKey
{
    [Alias("Configure")]
    Task<Result> ConfigureAsync(QueueConfig config);

    /// <summary>Removes the queue. Refused while calls are waiting.</summary>
    [Alias("Delete")]
    Task<Result> DeleteAsync();

    [Alias("Get"), AlwaysInterleave]
    Task<QueueSnapshot> GetAsync();

    [Alias("GetStats"), AlwaysInterleave]
    Task<QueueStats> GetStatsAsync();

    /// <summary>
    /// Where a waiting call stands and how long it is expected to wait, from the queue's own statistics (the SIP edge's
    /// position announcements). Read-only; a call that is not waiting here gets a null position.
    /// </summary>
    [Alias("GetWaitingPosition"), AlwaysInterleave]
    Task<WaitingPosition> GetWaitingPositionAsync(string callId);

    /// <summary>Joins the call (at its original join time) and offers it to the best Ready agent if there is one.</summary>
    [Alias("Enqueue")]
    Task<Result<EnqueueOutcome>> EnqueueAsync(QueuedCall call);

    /// <summary>Takes a call out of the waiting list (abandon, overflow). Returns false if it was not waiting.</summary>
    [Alias("Remove"), AlwaysInterleave]
    Task<bool> RemoveAsync(string callId);

    /// <summary>The best waiting call this agent qualifies for, without taking it.</summary>
    [Alias("PeekBestCall"), AlwaysInterleave]
    Task<CallCandidate?> PeekBestCallAsync(string agentId, ImmutableDictionary<string, int> skills);

    /// <summary>Takes a waiting call for an agent that has reserved itself. False if someone else took it first.</summary>
    [Alias("ClaimCall"), AlwaysInterleave]
    Task<bool> ClaimCallAsync(string callId, string agentId);

    /// <summary>Puts a claimed call back at its original position (the agent could not take it after all).</summary>
    [Alias("ReturnCall"), AlwaysInterleave]
    Task ReturnCallAsync(QueuedCall call);

    [Alias("UpdateMember"), AlwaysInterleave]
    Task UpdateMemberAsync(QueueMember member);

    [Alias("RemoveMember"), AlwaysInterleave]
    Task RemoveMemberAsync(string agentId);

    [Alias("RecordOutcome"), AlwaysInterleave]
    Task RecordOutcomeAsync(CallOutcome outcome);

    [Alias("Subscribe"), AlwaysInterleave]
    Task SubscribeAsync(IAcdObserver observer);

    [Alias("Unsubscribe"), AlwaysInterleave]
    Task UnsubscribeAsync(IAcdObserver observer);
}

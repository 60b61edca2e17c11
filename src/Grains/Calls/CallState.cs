using Acd.Calls;
using Acd.Events;

namespace Acd.Grains.Calls;

[GenerateSerializer, Alias("acd.CallState")]
public sealed class CallState
{
    [Id(0)] public CallInfo? Info { get; set; }

    [Id(1)] public CallStatus Status { get; set; } = CallStatus.Arrived;

    [Id(2)] public CallDisposition Disposition { get; set; }

    [Id(3)] public string? QueueId { get; set; }

    [Id(4)] public string? AgentId { get; set; }

    [Id(5)] public DateTimeOffset? ArrivedAt { get; set; }

    [Id(6)] public DateTimeOffset? QueuedAt { get; set; }

    /// <summary>Original join time: decides the call's place in line, kept across RONA and re-queues.</summary>
    [Id(7)] public DateTimeOffset? JoinedAt { get; set; }

    [Id(8)] public DateTimeOffset? OfferedAt { get; set; }

    [Id(9)] public DateTimeOffset? ConnectedAt { get; set; }

    [Id(10)] public DateTimeOffset? EndedAt { get; set; }

    [Id(11)] public DateTimeOffset? HeldSince { get; set; }

    [Id(12)] public TimeSpan TotalHold { get; set; }

    [Id(13)] public int OfferCount { get; set; }

    [Id(14)] public string? OverflowedFrom { get; set; }

    [Id(15)] public TransferTarget? PendingTransfer { get; set; }

    [Id(16)] public string? EndReason { get; set; }

    [Id(17)] public DateTimeOffset? OfferExpiresAt { get; set; }

    [Id(18)] public string? FirstAgentId { get; set; }

    /// <summary>When the call entered its current queue: the start of max wait and of the speed of answer.</summary>
    [Id(19)] public DateTimeOffset? EnteredQueueAt { get; set; }

    [Id(20)] public int RingTimeoutSeconds { get; set; }

    [Id(21)] public int WrapUpSeconds { get; set; }

    [Id(22)] public int MaxWaitSeconds { get; set; }

    [Id(23)] public string? OverflowQueueId { get; set; }

    /// <summary>The agent consulted during an attended transfer to another agent.</summary>
    [Id(24)] public string? ConsultAgentId { get; set; }

    /// <summary>Status to return to if an attended transfer is cancelled.</summary>
    [Id(25)] public CallStatus StatusBeforeTransfer { get; set; }

    /// <summary>The SIP edge carrying this call's legs (see ICallGrain.AttachEdgeAsync), told its commands.</summary>
    [Id(31)] public ICallEdgeObserver? Edge { get; set; }

    /// <summary>The parking slot holding the call while it is parked (and while an agent retrieving it rings).</summary>
    [Id(27)] public int? ParkedSlot { get; set; }

    /// <summary>The command that rang the current offer (<see cref="AgentId"/>'s phone while Offered); its answer names it.</summary>
    [Id(29)] public CommandSequence? OfferRing { get; set; }

    /// <summary>The command that rang the consulted agent's phone during an attended transfer.</summary>
    [Id(30)] public CommandSequence? ConsultRing { get; set; }

    /// <summary>When the consulted agent's phone stops ringing unanswered (null once it answered or stopped).</summary>
    [Id(33)] public DateTimeOffset? ConsultRingEndsAt { get; set; }

    /// <summary>The consulted agent picked up: a completed transfer hands the caller to someone already talking.</summary>
    [Id(34)] public bool ConsultAnswered { get; set; }

    /// <summary>DTMF the customer pressed, oldest first, at most <see cref="DtmfDigits.Kept"/>.</summary>
    [Id(32)] public string ReceivedDigits { get; set; } = "";
}

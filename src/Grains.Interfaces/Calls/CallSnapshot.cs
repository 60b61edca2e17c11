namespace Acd.Calls;

/// <summary>The call as the outside world sees it at one instant, with a timestamp per milestone.</summary>
[GenerateSerializer, Immutable, Alias("acd.CallSnapshot")]
public sealed record CallSnapshot(
    [property: Id(0)] string CallId,
    [property: Id(1)] CallInfo? Info,
    [property: Id(2)] CallStatus Status,
    [property: Id(3)] CallDisposition Disposition,
    [property: Id(4)] string? QueueId,
    [property: Id(5)] string? AgentId,
    [property: Id(6)] DateTimeOffset? ArrivedAt,
    [property: Id(7)] DateTimeOffset? QueuedAt,
    [property: Id(8)] DateTimeOffset? JoinedAt,
    [property: Id(9)] DateTimeOffset? OfferedAt,
    [property: Id(10)] DateTimeOffset? ConnectedAt,
    [property: Id(11)] DateTimeOffset? EndedAt,
    [property: Id(12)] DateTimeOffset? HeldSince,
    [property: Id(13)] TimeSpan TotalHold,
    [property: Id(14)] int OfferCount,
    [property: Id(15)] string? OverflowedFrom,
    [property: Id(16)] TransferTarget? PendingTransfer,
    [property: Id(17)] string? EndReason,
    [property: Id(18)] DateTimeOffset? OfferExpiresAt,
    [property: Id(19)] string? FirstAgentId,
    [property: Id(20)] int? ParkedSlot = null)
{
    public bool IsEnded => Status == CallStatus.Ended;

    public CustomerSnapshot? Customer => Info?.Customer;

    /// <summary>The agent who placed an internal call (its Ani); null for calls from or to outside the ACD.</summary>
    public string? CallerAgentId => Info is { Direction: CallDirection.Internal } info ? info.Ani : null;

    /// <summary>Time from arrival until an agent answered, or until now/end if nobody did.</summary>
    public TimeSpan? WaitTime(DateTimeOffset now) =>
        ArrivedAt is { } arrived ? (ConnectedAt ?? EndedAt ?? now) - arrived : null;
}

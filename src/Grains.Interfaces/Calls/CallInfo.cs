namespace Acd.Calls;

/// <summary>What is known about a call when it arrives: who called, what was dialled, where it goes.</summary>
[GenerateSerializer, Immutable, Alias("acd.CallInfo")]
public sealed record CallInfo(
    [property: Id(0)] string Ani,
    [property: Id(1)] string Dnis,
    [property: Id(2)] string? CallerName,
    [property: Id(3)] CallDirection Direction,
    [property: Id(4)] int Priority,
    [property: Id(5)] string? QueueId,
    [property: Id(6)] CustomerSnapshot? Customer,
    [property: Id(7)] string? EdgeId);

/// <summary>Where a transfer goes: an agent, a queue, or a number outside the ACD.</summary>
[GenerateSerializer, Immutable, Alias("acd.TransferTarget")]
public sealed record TransferTarget(
    [property: Id(0)] TransferTargetKind Kind,
    [property: Id(1)] string Value);

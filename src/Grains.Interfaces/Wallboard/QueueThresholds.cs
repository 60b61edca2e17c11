namespace Acd.Wallboard;

/// <summary>
/// When a queue's wallboard tile turns amber or red and supervisors are alerted: longest wait at or above, service
/// level at or below, waiting calls at or above. Null: that figure raises nothing.
/// </summary>
[GenerateSerializer, Immutable, Alias("acd.QueueThresholds")]
public sealed record QueueThresholds(
    [property: Id(0)] int? LongestWaitAmberSeconds,
    [property: Id(1)] int? LongestWaitRedSeconds,
    [property: Id(2)] int? SlaAmberPercent,
    [property: Id(3)] int? SlaRedPercent,
    [property: Id(4)] int? WaitingAmber,
    [property: Id(5)] int? WaitingRed);

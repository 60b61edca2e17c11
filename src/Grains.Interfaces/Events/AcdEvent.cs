using Acd.Agents;
using Acd.Calls;
using Acd.Queues;

namespace Acd.Events;

/// <summary>An immutable fact about a state change, pushed to observers and written to the reporting store.</summary>
[GenerateSerializer, Immutable, Alias("acd.AcdEvent")]
public abstract record AcdEvent([property: Id(0)] DateTimeOffset At);

/// <summary>An agent changed state (<see cref="Transition"/> set) or profile/devices (<see cref="Transition"/> null).</summary>
[GenerateSerializer, Immutable, Alias("acd.AgentChanged")]
public sealed record AgentChanged(
    DateTimeOffset At,
    [property: Id(0)] AgentSnapshot Agent,
    [property: Id(1)] AgentStateChange? Transition) : AcdEvent(At);

[GenerateSerializer, Immutable, Alias("acd.CallChanged")]
public sealed record CallChanged(
    DateTimeOffset At,
    [property: Id(0)] CallSnapshot Call,
    [property: Id(1)] CallStatus Previous) : AcdEvent(At);

[GenerateSerializer, Immutable, Alias("acd.QueueChanged")]
public sealed record QueueChanged(
    DateTimeOffset At,
    [property: Id(0)] QueueSnapshot Queue) : AcdEvent(At);

/// <summary>
/// A DTMF digit heard on a call (RFC 4733 in the media or SIP INFO): from the customer's leg or the agent's. Live only,
/// for the agent's desktop now and the IVR and callbacks later; digits are not written to the reporting store.
/// </summary>
[GenerateSerializer, Immutable, Alias("acd.CallDigitReceived")]
public sealed record CallDigitReceived(
    DateTimeOffset At,
    [property: Id(0)] string CallId,
    [property: Id(1)] string? AgentId,
    [property: Id(2)] char Digit,
    [property: Id(3)] bool FromCustomer) : AcdEvent(At);

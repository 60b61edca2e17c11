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

/// <summary>
/// Something the SIP edge (or CTI integration) must do on the call's legs: the call grain decides,
/// the edge executes.
/// </summary>
[GenerateSerializer, Immutable, Alias("acd.CallCommand")]
public sealed record CallCommand(
    DateTimeOffset At,
    [property: Id(0)] string CallId,
    [property: Id(1)] CallCommandKind Kind,
    [property: Id(2)] string? AgentId,
    [property: Id(3)] string? Argument) : AcdEvent(At);

public enum CallCommandKind
{
    /// <summary>Ring the agent's phone (Argument: ring timeout seconds).</summary>
    RingAgent = 0,
    /// <summary>Stop ringing the agent (CANCEL the agent leg).</summary>
    CancelAgent,
    Hold,
    Unhold,
    /// <summary>Play DTMF digits (Argument: digits).</summary>
    SendDtmf,
    /// <summary>Hand the caller to a destination outside the ACD (Argument: target number).</summary>
    TransferOut,
    /// <summary>Tear down all legs.</summary>
    Hangup,
    /// <summary>Place an outbound call: ring the agent's phone, then the destination (the call's DNIS).</summary>
    PlaceOutbound,
    /// <summary>The agent left the call (blind transfer, park): end its leg, keep the caller's.</summary>
    DropAgent,
    /// <summary>Ring the agent consulted in an attended transfer (Argument: ring timeout seconds); the caller waits.</summary>
    ConsultAgent,
    /// <summary>Attended transfer completed: the consulted agent (AgentId) takes the caller; the previous agent's leg ends.</summary>
    CompleteConsult,
}

[GenerateSerializer, Immutable, Alias("acd.QueueChanged")]
public sealed record QueueChanged(
    DateTimeOffset At,
    [property: Id(0)] QueueSnapshot Queue) : AcdEvent(At);

using System.Collections.Immutable;
using Acd.Agents;

namespace Acd.Calls;

/// <summary>
/// The SIP edge carrying a call's legs, told what the call grain decided: one method per command, each one-way. The
/// grain decides, the edge executes and reports SIP outcomes back through <see cref="ICallGrain"/>. Observer calls may
/// overtake each other, so every command carries its <see cref="CommandSequence"/> and the edge applies them in order.
/// </summary>
[Alias("acd.ICallEdgeObserver")]
public interface ICallEdgeObserver : IGrainObserver
{
    /// <summary>Ring the offered agent's phone for <see cref="RingAgent.RingTimeout"/>.</summary>
    [Alias("RingAgent"), OneWay]
    Task RingAgentAsync(RingAgent command);

    /// <summary>Stop ringing an agent (CANCEL its leg, or BYE it if its answer crossed the command).</summary>
    [Alias("CancelAgent"), OneWay]
    Task CancelAgentAsync(CancelAgent command);

    /// <summary>The agent left the call (blind transfer, park): end its leg and keep the caller's.</summary>
    [Alias("DropAgent"), OneWay]
    Task DropAgentAsync(DropAgent command);

    [Alias("Hold"), OneWay]
    Task HoldAsync(HoldCall command);

    [Alias("Resume"), OneWay]
    Task ResumeAsync(ResumeCall command);

    /// <summary>Play DTMF digits towards the caller.</summary>
    [Alias("SendDtmf"), OneWay]
    Task SendDtmfAsync(SendDtmf command);

    /// <summary>Attended transfer: ring the consulted agent with the transferring agent's media while the caller waits.</summary>
    [Alias("ConsultAgent"), OneWay]
    Task ConsultAgentAsync(RingAgent command);

    /// <summary>Attended transfer completed: the consulted agent takes the caller, the transferring agent's leg ends.</summary>
    [Alias("CompleteConsultation"), OneWay]
    Task CompleteConsultationAsync(CompleteConsultation command);

    /// <summary>Place an outbound call: ring the agent's phone (click-to-dial) or, when the agent dialled, the destination.</summary>
    [Alias("PlaceOutbound"), OneWay]
    Task PlaceOutboundAsync(PlaceOutbound command);

    /// <summary>An internal call placed from the desktop: ring the caller's phone, then (once it answers) the callee's.</summary>
    [Alias("PlaceInternal"), OneWay]
    Task PlaceInternalAsync(PlaceInternal command);

    /// <summary>Hand the caller to a number outside the ACD; the ACD call ends as transferred.</summary>
    [Alias("TransferOut"), OneWay]
    Task TransferOutAsync(TransferOut command);

    /// <summary>Tear every leg down; nothing follows for this call.</summary>
    [Alias("HangUp"), OneWay]
    Task HangUpAsync(HangUpCall command);
}

/// <summary>
/// Orders a call's commands: <see cref="Epoch"/> names the grain activation that issued them (a failover starts a new,
/// later one), <see cref="Number"/> counts its commands from 1.
/// </summary>
[GenerateSerializer, Immutable, Alias("acd.CommandSequence")]
public readonly record struct CommandSequence(
    [property: Id(0)] long Epoch,
    [property: Id(1)] int Number) : IComparable<CommandSequence>
{
    public int CompareTo(CommandSequence other) => Epoch != other.Epoch ? Epoch.CompareTo(other.Epoch) : Number.CompareTo(other.Number);

    public static bool operator <(CommandSequence a, CommandSequence b) => a.CompareTo(b) < 0;

    public static bool operator >(CommandSequence a, CommandSequence b) => a.CompareTo(b) > 0;

    public static bool operator <=(CommandSequence a, CommandSequence b) => a.CompareTo(b) <= 0;

    public static bool operator >=(CommandSequence a, CommandSequence b) => a.CompareTo(b) >= 0;

    public override string ToString() => $"{Epoch}.{Number}";
}

/// <summary>What every command of a call carries.</summary>
public interface ICallCommand
{
    string CallId { get; }

    CommandSequence Sequence { get; }
}

/// <summary>
/// Ring an agent. The command's <see cref="Sequence"/> names this ring: an answer, a failure or a cancel names the ring it
/// belongs to, so a late report about an earlier ring changes nothing. <see cref="Devices"/> are the agent's phones as its
/// grain knew them when it was reserved, so the edge need not ask.
/// </summary>
[GenerateSerializer, Immutable, Alias("acd.RingAgent")]
public sealed record RingAgent(
    [property: Id(0)] string CallId,
    [property: Id(1)] CommandSequence Sequence,
    [property: Id(2)] string AgentId,
    [property: Id(3)] TimeSpan RingTimeout,
    [property: Id(4)] ImmutableArray<DeviceBinding> Devices) : ICallCommand;

/// <summary>Why an agent's phone stops ringing.</summary>
public enum CancelReason
{
    NoAnswer,
    Rejected,
    CallerGone,
    PickedUp,
    TransferCancelled,
    Unreachable,
}

/// <summary>Stop the ring <see cref="Ring"/> (the sequence of its <see cref="RingAgent"/>) at <see cref="AgentId"/>'s phone.</summary>
[GenerateSerializer, Immutable, Alias("acd.CancelAgent")]
public sealed record CancelAgent(
    [property: Id(0)] string CallId,
    [property: Id(1)] CommandSequence Sequence,
    [property: Id(2)] string AgentId,
    [property: Id(3)] CommandSequence Ring,
    [property: Id(4)] CancelReason Reason) : ICallCommand;

/// <summary>Why an agent left a call that goes on.</summary>
public enum DropReason
{
    Transferred,
    Parked,
}

[GenerateSerializer, Immutable, Alias("acd.DropAgent")]
public sealed record DropAgent(
    [property: Id(0)] string CallId,
    [property: Id(1)] CommandSequence Sequence,
    [property: Id(2)] string AgentId,
    [property: Id(3)] DropReason Reason) : ICallCommand;

[GenerateSerializer, Immutable, Alias("acd.HoldCall")]
public sealed record HoldCall(
    [property: Id(0)] string CallId,
    [property: Id(1)] CommandSequence Sequence) : ICallCommand;

[GenerateSerializer, Immutable, Alias("acd.ResumeCall")]
public sealed record ResumeCall(
    [property: Id(0)] string CallId,
    [property: Id(1)] CommandSequence Sequence) : ICallCommand;

[GenerateSerializer, Immutable, Alias("acd.SendDtmf")]
public sealed record SendDtmf(
    [property: Id(0)] string CallId,
    [property: Id(1)] CommandSequence Sequence,
    [property: Id(2)] string Digits) : ICallCommand;

[GenerateSerializer, Immutable, Alias("acd.CompleteConsultation")]
public sealed record CompleteConsultation(
    [property: Id(0)] string CallId,
    [property: Id(1)] CommandSequence Sequence,
    [property: Id(2)] string AgentId,
    [property: Id(3)] string PreviousAgentId) : ICallCommand;

/// <summary>An outbound call's first step: the agent's phone, which rings for <see cref="RingTimeout"/> at most.</summary>
[GenerateSerializer, Immutable, Alias("acd.PlaceOutbound")]
public sealed record PlaceOutbound(
    [property: Id(0)] string CallId,
    [property: Id(1)] CommandSequence Sequence,
    [property: Id(2)] string AgentId,
    [property: Id(3)] string Destination,
    [property: Id(4)] TimeSpan RingTimeout,
    [property: Id(5)] ImmutableArray<DeviceBinding> Devices) : ICallCommand;

/// <summary>
/// An internal call placed from the caller's desktop. The caller's phone rings first (it has nobody to talk to yet), for
/// <see cref="RingTimeout"/> at most; once it answers, the callee's phone rings with the caller's media for as long again.
/// The callee's answer or failure names this command's <see cref="Sequence"/> as its ring, as for <see cref="RingAgent"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("acd.PlaceInternal")]
public sealed record PlaceInternal(
    [property: Id(0)] string CallId,
    [property: Id(1)] CommandSequence Sequence,
    [property: Id(2)] string CallerAgentId,
    [property: Id(3)] ImmutableArray<DeviceBinding> CallerDevices,
    [property: Id(4)] string CalleeAgentId,
    [property: Id(5)] ImmutableArray<DeviceBinding> CalleeDevices,
    [property: Id(6)] TimeSpan RingTimeout) : ICallCommand;

[GenerateSerializer, Immutable, Alias("acd.TransferOut")]
public sealed record TransferOut(
    [property: Id(0)] string CallId,
    [property: Id(1)] CommandSequence Sequence,
    [property: Id(2)] string AgentId,
    [property: Id(3)] string Number,
    [property: Id(4)] TimeSpan RingTimeout) : ICallCommand;

[GenerateSerializer, Immutable, Alias("acd.HangUpCall")]
public sealed record HangUpCall(
    [property: Id(0)] string CallId,
    [property: Id(1)] CommandSequence Sequence,
    [property: Id(2)] CallDisposition Disposition) : ICallCommand;

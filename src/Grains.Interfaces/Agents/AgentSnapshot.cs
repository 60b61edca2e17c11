using System.Collections.Immutable;

namespace Acd.Agents;

/// <summary>The agent as the outside world sees it at one instant.</summary>
[GenerateSerializer, Immutable, Alias("acd.AgentSnapshot")]
public sealed record AgentSnapshot(
    [property: Id(0)] string AgentId,
    [property: Id(1)] AgentProfile? Profile,
    [property: Id(2)] AgentStatus Status,
    [property: Id(3)] string? ReasonCode,
    [property: Id(4)] DateTimeOffset StateSince,
    [property: Id(5)] string? CallId,
    [property: Id(6)] DateTimeOffset? LeaseExpiresAt,
    [property: Id(7)] bool OnHold,
    [property: Id(8)] string? PendingReasonCode,
    [property: Id(9)] bool PendingLogout,
    [property: Id(10)] DateTimeOffset? WrapUpEndsAt,
    [property: Id(11)] DateTimeOffset IdleSince,
    [property: Id(12)] int CallsHandled,
    [property: Id(13)] ImmutableArray<DeviceBinding> Devices)
{
    public bool IsConfigured => Profile is not null;

    public bool HasRegisteredDevice => !Devices.IsDefaultOrEmpty;

    public TimeSpan TimeInState(DateTimeOffset now) => now - StateSince;
}

/// <summary>One entry of the agent's bounded state history.</summary>
[GenerateSerializer, Immutable, Alias("acd.AgentStateChange")]
public sealed record AgentStateChange(
    [property: Id(0)] AgentStatus From,
    [property: Id(1)] AgentStatus To,
    [property: Id(2)] string? ReasonCode,
    [property: Id(3)] string? CallId,
    [property: Id(4)] DateTimeOffset At,
    [property: Id(5)] TimeSpan TimeInPrevious);

/// <summary>
/// A registered phone of the agent: where to send INVITEs and which edge holds the flow to it. <see cref="EdgeAddress"/>
/// is where other edges reach that edge (host:port), so a call arriving elsewhere rings the phone through it.
/// <see cref="ViaFlow"/> says only that edge's flow reaches the phone (a WebSocket or TCP connection, a NAT binding);
/// otherwise any edge may send to the contact itself.
/// </summary>
[GenerateSerializer, Immutable, Alias("acd.DeviceBinding")]
public sealed record DeviceBinding(
    [property: Id(0)] string Contact,
    [property: Id(1)] string EdgeId,
    [property: Id(2)] string Transport,
    [property: Id(3)] DateTimeOffset ExpiresAt,
    [property: Id(4)] string? UserAgent,
    [property: Id(5)] string? FlowId,
    [property: Id(6)] string? EdgeAddress = null,
    [property: Id(7)] bool ViaFlow = false);

/// <summary>An agent held for a call, with the phones to ring (as the agent grain knew them at that moment).</summary>
[GenerateSerializer, Immutable, Alias("acd.AgentReservation")]
public sealed record AgentReservation(
    [property: Id(0)] string AgentId,
    [property: Id(1)] ImmutableArray<DeviceBinding> Devices);

/// <summary>Why a reservation ended without the call being answered.</summary>
public enum ReservationRelease
{
    /// <summary>The phone rang out (RONA): the agent goes Not Ready with reason "no answer".</summary>
    NoAnswer,
    /// <summary>The agent (or the phone, 486/603) declined the offer: Not Ready with reason "rejected".</summary>
    Rejected,
    /// <summary>The caller hung up or the call ended elsewhere: the agent goes back to Ready.</summary>
    CallGone,
    /// <summary>No edge could reach the agent's phone: not the agent's doing, so it stays Ready (the stale phone is dropped).</summary>
    Unreachable,
}

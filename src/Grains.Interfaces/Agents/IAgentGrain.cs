using System.Collections.Immutable;
using Acd.Common;
using Acd.Events;

namespace Acd.Agents;

/// <summary>
/// One agent (key: agent id). Owns the agent's state machine and is the single arbiter of
/// which call the agent gets: <see cref="TryReserveAsync"/> never grants two calls at once.
/// </summary>
/// <remarks>
/// Methods that other grains call while they themselves wait (reserve, connect, hold, end, release)
/// are marked <see cref="AlwaysInterleaveAttribute"/> and change state synchronously, so grain-to-grain
/// call chains cannot deadlock and each transition is still atomic.
/// </remarks>
[Alias("acd.IAgentGrain")]
public interface IAgentGrain : IGrainWithStringKey
{
    /// <summary>Creates or updates the agent's profile.</summary>
    [Alias("Configure")]
    Task<Result> ConfigureAsync(AgentProfile profile);

    /// <summary>Removes the agent. Refused while the agent is logged in.</summary>
    [Alias("Delete")]
    Task<Result> DeleteAsync();

    [Alias("Get"), AlwaysInterleave]
    Task<AgentSnapshot> GetAsync();

    [Alias("GetHistory"), AlwaysInterleave]
    Task<ImmutableArray<AgentStateChange>> GetHistoryAsync();

    /// <summary>LoggedOut -> NotReady("login").</summary>
    [Alias("Login")]
    Task<Result> LoginAsync();

    /// <summary>Logs out now, or after the current call and wrap-up.</summary>
    [Alias("Logout")]
    Task<Result> LogoutAsync();

    /// <summary>NotReady/WrapUp -> Ready; then takes the best waiting call across the agent's queues.</summary>
    [Alias("Ready")]
    Task<Result> SetReadyAsync();

    /// <summary>
    /// The agent's own phone is on a call the ACD does not carry (seen on its 3CX extension): a Ready agent goes Not Ready
    /// "busy elsewhere" and is offered nothing; when that call ends (false) it is Ready again, unless it changed state meanwhile.
    /// </summary>
    [Alias("SetBusyElsewhere")]
    Task<Result> SetBusyElsewhereAsync(bool busy);

    /// <summary>Ready/NotReady -> NotReady(reason); during a call it takes effect after the call and wrap-up.</summary>
    [Alias("NotReady")]
    Task<Result> SetNotReadyAsync(string reasonCode);

    /// <summary>Ends wrap-up early; the agent goes Ready (or to a pending Not Ready / logout).</summary>
    [Alias("EndWrapUp")]
    Task<Result> EndWrapUpAsync();

    /// <summary>
    /// Ready -> Reserved(call) for the given lease. The only way an agent gets a call. <paramref name="byQueueId"/> is
    /// the queue reserving it, which knows of the change already and is not told again.
    /// </summary>
    [Alias("TryReserve"), AlwaysInterleave]
    Task<Result<AgentReservation>> TryReserveAsync(string callId, TimeSpan lease, string? byQueueId = null);

    /// <summary>
    /// Ready/NotReady -> Reserved(call) for an outbound call the agent places. Afterwards the agent
    /// returns to the state it came from (Ready, or Not Ready with its reason).
    /// </summary>
    [Alias("ReserveForOutbound"), AlwaysInterleave]
    Task<Result<AgentReservation>> ReserveForOutboundAsync(string callId);

    /// <summary>
    /// Ready/NotReady -> Reserved(call) for an internal call, as its caller or its callee, for <paramref name="lease"/>.
    /// Afterwards the agent returns to the state it came from. Logged out: <see cref="AcdError.IllegalTransition"/>; on or
    /// reserved for a call: <see cref="AcdError.Busy"/>; with <paramref name="needsPhone"/> and no registered phone:
    /// <see cref="AcdError.Conflict"/>.
    /// </summary>
    [Alias("ReserveForInternal"), AlwaysInterleave]
    Task<Result<AgentReservation>> ReserveForInternalAsync(string callId, TimeSpan lease, bool needsPhone);

    /// <summary>Reserved(call) -> Ready or NotReady, per the release reason.</summary>
    [Alias("ReleaseReservation"), AlwaysInterleave]
    Task<Result> ReleaseReservationAsync(string callId, ReservationRelease reason);

    /// <summary>Reserved(call) -> OnCall: the agent answered.</summary>
    [Alias("Connect"), AlwaysInterleave]
    Task<Result> ConnectAsync(string callId);

    /// <summary>Marks the agent's current call as held or resumed.</summary>
    [Alias("SetHeld"), AlwaysInterleave]
    Task<Result> SetHeldAsync(string callId, bool held);

    /// <summary>OnCall stays OnCall, on <paramref name="toCallId"/> instead of <paramref name="fromCallId"/> (a phone's attended transfer joined them).</summary>
    [Alias("MoveCall"), AlwaysInterleave]
    Task<Result> MoveCallAsync(string fromCallId, string toCallId);

    /// <summary>OnCall -> WrapUp(timer), or straight on if wrap-up is zero.</summary>
    [Alias("EndCall"), AlwaysInterleave]
    Task<Result> EndCallAsync(string callId, TimeSpan wrapUp);

    /// <summary>
    /// If Ready, takes the best waiting call across the agent's queues. Sent one-way by the agent to
    /// itself after a transition made inside another grain's call chain, and by queues as a safety sweep.
    /// </summary>
    [Alias("FindWork"), OneWay]
    Task FindWorkAsync();

    /// <summary>
    /// What <paramref name="queueId"/> needs to know of this agent for routing, or null if the agent is not one of its
    /// members. Asked by a queue while it activates: queues keep their members in memory and only who they are in storage.
    /// </summary>
    [Alias("GetQueueMember"), AlwaysInterleave]
    Task<Acd.Queues.QueueMember?> GetQueueMemberAsync(string queueId);

    /// <summary>Records or refreshes a phone registration; an expiry in the past removes it.</summary>
    [Alias("RegisterDevice")]
    Task<Result> RegisterDeviceAsync(DeviceBinding binding);

    [Alias("UnregisterDevice")]
    Task<Result> UnregisterDeviceAsync(string contact);

    [Alias("Subscribe"), AlwaysInterleave]
    Task SubscribeAsync(IAcdObserver observer);

    [Alias("Unsubscribe"), AlwaysInterleave]
    Task UnsubscribeAsync(IAcdObserver observer);
}

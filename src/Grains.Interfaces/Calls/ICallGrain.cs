using Acd.Agents;
using Acd.Common;
using Acd.Events;

namespace Acd.Calls;

/// <summary>Why an offered agent's phone did not take the call.</summary>
public enum OfferFailure
{
    /// <summary>Busy or declined: the agent goes Not Ready "rejected".</summary>
    Declined,
    /// <summary>No edge could reach the phone: the agent stays Ready and the stale phone is dropped.</summary>
    Unreachable,
    /// <summary>
    /// The phone rang past the ring timeout and the edge gave up before the grain's own ring timer ended the offer (a
    /// busy silo): a ring-no-answer like the grain's, the agent goes Not Ready "no answer".
    /// </summary>
    NoAnswer,
}

/// <summary>
/// One call (key: call id). Decides what happens to the call; the SIP edge (or a CTI integration)
/// executes it. Owns the ring-no-answer and max-wait timers.
/// </summary>
[Alias("acd.ICallGrain")]
public interface ICallGrain : IGrainWithStringKey
{
    /// <summary>Arrived -> Queued in <see cref="CallInfo.QueueId"/>; offered at once if an agent is Ready.</summary>
    [Alias("StartInbound")]
    Task<Result<CallSnapshot>> StartInboundAsync(CallInfo info);

    /// <summary>An outbound call placed for an agent (click-to-dial or dialled from the agent's phone).</summary>
    [Alias("StartOutbound")]
    Task<Result<CallSnapshot>> StartOutboundAsync(string agentId, CallInfo info);

    /// <summary>
    /// An internal call from agent <paramref name="fromAgentId"/> to agent <paramref name="toAgentId"/>: both are held for
    /// it (from Ready or Not Ready; either busy: <see cref="AcdError.Busy"/>) and return to the state they came from, with
    /// no queue and no wrap-up. With <paramref name="ringCallerFirst"/> (placed from the desktop) the caller's phone rings
    /// first, then the callee's; otherwise the caller's phone dialled and only the callee's rings. The callee is the call's
    /// agent, the caller its <see cref="CallInfo.Ani"/> (<see cref="CallSnapshot.CallerAgentId"/>).
    /// </summary>
    [Alias("StartInternal")]
    Task<Result<CallSnapshot>> StartInternalAsync(string fromAgentId, string toAgentId, CallInfo info, bool ringCallerFirst);

    [Alias("Get"), AlwaysInterleave]
    Task<CallSnapshot> GetAsync();

    /// <summary>Queue matching offers the call to a reserved agent. Refused if the call is no longer waiting.</summary>
    [Alias("Offer")]
    Task<Result> OfferAsync(AgentReservation agent, TimeSpan ringTimeout);

    /// <summary>
    /// Offered(agent) -> Connected; for outbound calls: the far end answered. <paramref name="ring"/> is the
    /// <see cref="RingAgent"/> the answer belongs to (null: whatever rings now, as a desktop's Answer means).
    /// </summary>
    [Alias("Answer")]
    Task<Result> AnswerAsync(string agentId, CommandSequence? ring = null);

    /// <summary>
    /// The offered agent's phone did not take the call: declined (the agent goes Not Ready "rejected") or unreachable
    /// (the agent stays Ready). The call goes back to the head of its queue. <paramref name="ring"/> as for answers.
    /// </summary>
    [Alias("Reject")]
    Task<Result> RejectAsync(string agentId, CommandSequence? ring = null, OfferFailure failure = OfferFailure.Declined);

    [Alias("Hold")]
    Task<Result> HoldAsync();

    [Alias("Unhold")]
    Task<Result> UnholdAsync();

    [Alias("Hangup")]
    Task<Result> HangupAsync(HangupSide side, string? reason = null);

    /// <summary>Ends a call that could not be carried (leg failure, no route). Idempotent.</summary>
    [Alias("Fail")]
    Task<Result> FailAsync(string reason);

    /// <summary>Blind transfer happens at once; attended enters Transferring until completed or cancelled.</summary>
    [Alias("Transfer")]
    Task<Result> TransferAsync(TransferTarget target, TransferMode mode);

    [Alias("CompleteTransfer")]
    Task<Result> CompleteTransferAsync();

    [Alias("CancelTransfer")]
    Task<Result> CancelTransferAsync();

    /// <summary>
    /// Completes an attended transfer the agent set up on its own phone (REFER with Replaces): the agent answering
    /// <paramref name="consultationCallId"/> (a call the transferring agent placed into the ACD) takes this call over,
    /// the transferring agent leaves it (into wrap-up) and the consultation ends as transferred.
    /// </summary>
    [Alias("TakeOverFrom")]
    Task<Result> TakeOverFromAsync(string consultationCallId);

    /// <summary>Ends this call as transferred because its agent now serves <paramref name="byCallId"/>; the agent is not released.</summary>
    [Alias("EndReplaced"), AlwaysInterleave]
    Task<Result> EndReplacedAsync(string byCallId);

    /// <summary>Records DTMF digits sent on the call and tells the edge to play them.</summary>
    [Alias("SendDtmf")]
    Task<Result> SendDtmfAsync(string digits);

    /// <summary>
    /// The edge heard a DTMF digit on the call (RFC 4733 or SIP INFO): kept in <see cref="GetDigitsAsync"/> and pushed to
    /// the call's observers. One-way: a keypad press never waits for the grain.
    /// </summary>
    [Alias("ReportDigit"), OneWay]
    Task ReportDigitAsync(char digit, bool fromCustomer);

    /// <summary>The digits the customer pressed on this call, oldest first (the last <see cref="DtmfDigits.Kept"/>).</summary>
    [Alias("GetDigits"), AlwaysInterleave]
    Task<string> GetDigitsAsync();

    [Alias("SetCustomer")]
    Task<Result> SetCustomerAsync(CustomerSnapshot customer);

    [Alias("Subscribe"), AlwaysInterleave]
    Task SubscribeAsync(IAcdObserver observer);

    [Alias("Unsubscribe"), AlwaysInterleave]
    Task UnsubscribeAsync(IAcdObserver observer);

    /// <summary>Parks a connected call in the lowest free numbered slot; the agent leaves it (into wrap-up).</summary>
    [Alias("Park")]
    Task<Result<int>> ParkAsync();

    /// <summary>An agent retrieves the parked call: its phone rings, or with <paramref name="ring"/> false (the agent dialled the slot) it connects at once.</summary>
    [Alias("Retrieve")]
    Task<Result> RetrieveAsync(string agentId, bool ring = true);

    /// <summary>Directed pickup: another agent takes a call ringing at an agent's phone (its phone rings, or connects at once).</summary>
    [Alias("Pickup")]
    Task<Result> PickupAsync(string agentId, bool ring = true);

    /// <summary>
    /// The SIP edge that carries the call's legs and receives its commands. The reference is kept in the call's stored
    /// state, so a call re-activated on another silo after a silo failure still commands the same edge. Unlike
    /// <see cref="SubscribeAsync"/> (state changes for desktops and wallboards) the edge gets only commands.
    /// </summary>
    [Alias("AttachEdge"), AlwaysInterleave]
    Task AttachEdgeAsync(ICallEdgeObserver edge);
}

using Microsoft.Extensions.Logging;

namespace Acd.SipEdge.Calls;

/// <summary>The call's log lines, one place for all of them; every line names the ACD call id.</summary>
internal sealed partial class EdgeCall
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: caller {Caller} dialled {Dialled}, queue {QueueId}")]
    private partial void LogCallerArrived(string callId, string caller, string dialled, string queueId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: the call grain refused to start ({Reason}); caller rejected")]
    private partial void LogStartRefused(string callId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: commands {Last} to {Next} arrived with a gap; the missing ones are given up")]
    private partial void LogCommandGap(string callId, string last, string next);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: ringing agent {AgentId} at {Contact} via {Route}")]
    private partial void LogRingingAgent(string callId, string agentId, string contact, string route);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} has no reachable phone")]
    private partial void LogNoPhone(string callId, string agentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: cannot ring agent {AgentId}: {Reason}")]
    private partial void LogCannotRing(string callId, string agentId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: cancelling agent {AgentId} leg ({Reason})")]
    private partial void LogCancellingAgent(string callId, string agentId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} answered after the offer ended; sending BYE")]
    private partial void LogAnsweredTooLate(string callId, string agentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} answered but the grain refused ({Reason}); sending BYE")]
    private partial void LogAnswerRefused(string callId, string agentId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: caller cancelled as agent {AgentId} answered; sending BYE to the agent")]
    private partial void LogCallerGoneAtAnswer(string callId, string agentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: connected the customer with agent {AgentId}")]
    private partial void LogConnected(string callId, string agentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} leg ended as asked ({Reason})")]
    private partial void LogAgentLegCancelled(string callId, string agentId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} leg failed ({Reason})")]
    private partial void LogAgentLegFailed(string callId, string agentId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: agent {AgentId}'s phone cannot be reached via {Route} ({Reason}); its binding is dropped")]
    private partial void LogPhoneUnreachable(string callId, string agentId, string route, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: agent {AgentId} still ringing past the ring timeout and the call grain did not cancel it; the edge cancelled the leg itself")]
    private partial void LogRingLimit(string callId, string agentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} left the call ({Reason}); ending its leg")]
    private partial void LogDroppingAgent(string callId, string agentId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: parked; caller on hold")]
    private partial void LogParked(string callId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: caller cancelled before an answer")]
    private partial void LogCallerCancelled(string callId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: {Party} hung up ({How})")]
    private partial void LogCallerHungUp(string callId, string party, string how);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} hung up ({How})")]
    private partial void LogAgentHungUp(string callId, string agentId, string how);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: ended by the ACD ({Disposition}); tearing down legs")]
    private partial void LogEnded(string callId, string disposition);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: ended in the ACD as transferred out; the edge keeps bridging caller and external party")]
    private partial void LogDetached(string callId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: hang-up ({Side}) not accepted by the grain: {Reason}")]
    private partial void LogHangupFailed(string callId, string side, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: {What} both legs (re-INVITE)")]
    private partial void LogHold(string callId, string what);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: the agent's phone asked for {What}; relayed and reported to the call")]
    private partial void LogPhoneHold(string callId, string what);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: INFO ({ContentType}) from the {From} relayed")]
    private partial void LogInfoRelayed(string callId, string contentType, string from);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: INFO ({ContentType}) not relayed: nobody on the other side")]
    private partial void LogInfoNotRelayed(string callId, string contentType);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: sending DTMF {Digits} to the caller (INFO)")]
    private partial void LogSendingDtmf(string callId, string digits);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: INFO failed: {Reason}")]
    private partial void LogInfoFailed(string callId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Call {CallId}: OPTIONS probe failed: {Reason}")]
    private partial void LogProbeFailed(string callId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: a leg cannot be reached any more (OPTIONS probe)")]
    private partial void LogLegUnreachable(string callId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {Transferring} consults agent {Consulted}; caller on hold")]
    private partial void LogConsultationConnected(string callId, string transferring, string consulted);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: transfer completed from agent {From} to agent {To}")]
    private partial void LogTransferCompleted(string callId, string from, string to);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: consultation with agent {AgentId} ended; caller back with the transferring agent")]
    private partial void LogConsultationEnded(string callId, string agentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} took the call from its phone ({How})")]
    private partial void LogTakenFromPhone(string callId, string agentId, string how);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} could not take the call from its phone: {Reason}")]
    private partial void LogTakeRefused(string callId, string agentId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} REFERred the call to {Kind} {Target}")]
    private partial void LogReferAccepted(string callId, string agentId, string kind, string target);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId}'s phone joined it to its consultation {Consultation}; agent {ConsultedAgentId} takes the caller (REFER with Replaces)")]
    private partial void LogAttendedReferCompleted(string callId, string agentId, string consultedAgentId, string consultation);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: REFER from agent {AgentId} to {Target} refused: {Reason}")]
    private partial void LogReferRefused(string callId, string agentId, string target, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: NOTIFY for a REFER failed: {Reason}")]
    private partial void LogNotifyFailed(string callId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} is on the line; dialling {Destination} through the trunk")]
    private partial void LogDialling(string callId, string agentId, string destination);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: trunk leg to {Destination} failed: {Reason}")]
    private partial void LogTrunkFailed(string callId, string destination, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: cannot transfer to {Number}: no outbound trunk or no caller dialog")]
    private partial void LogCannotTransferOut(string callId, string number);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: transferring the caller out to {Number}")]
    private partial void LogTransferringOut(string callId, string number);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: {Party} answered the transferred caller")]
    private partial void LogExternalConnected(string callId, string party);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: grain call failed")]
    private partial void LogGrainCallFailed(Exception ex, string callId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Call {CallId}: unexpected error in the SIP edge")]
    private partial void LogUnexpected(Exception ex, string callId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: media refused: {Reason}")]
    private partial void LogMediaRefused(string callId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Call {CallId}: INFO digit {Digit} relayed in-band (RFC 4733)")]
    private partial void LogInfoAsRfc4733(string callId, string digit);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: sending DTMF {Digits} in-band (RFC 4733)")]
    private partial void LogSendingRfc4733(string callId, string digits);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: no media from {Party} for {Seconds} s; ending the call")]
    private partial void LogMediaTimeout(string callId, string party, int seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: media of {Party} failed: {Reason}; ending its leg")]
    private partial void LogMediaFailed(string callId, string party, string reason);
}

using Microsoft.Extensions.Logging;

namespace Acd.ThreeCxEdge;

/// <summary>The 3CX call's log lines; every line names the ACD call id.</summary>
internal sealed partial class ThreeCxCall
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: 3CX {Pbx} caller {Caller} on Route Point {RoutePoint}, queue {QueueId}")]
    private partial void LogArrived(string callId, string pbx, string caller, string routePoint, string queueId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: the ACD call could not be started ({Reason}); the caller is dropped")]
    private partial void LogStartFailed(string callId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: routing to agent {AgentId} at 3CX extension {Extension} for {Seconds} s")]
    private partial void LogRouting(string callId, string agentId, string extension, int seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} has no 3CX extension (agent profile threeCxExtension) and cannot take 3CX calls; the offer fails, the agent goes Not Ready")]
    private partial void LogNoExtension(string callId, string agentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: routeto agent {AgentId} failed ({Reason}); the caller keeps its place")]
    private partial void LogRouteFailed(string callId, string agentId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} places a call from 3CX extension {Extension} to {Destination}")]
    private partial void LogPlacing(string callId, string agentId, string extension, string destination);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} answered on 3CX extension {Extension}")]
    private partial void LogConnected(string callId, string agentId, string extension);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: agent {AgentId} picked up after the offer ended; its leg is dropped")]
    private partial void LogAnsweredTooLate(string callId, string agentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: the call grain refused agent {AgentId}'s answer ({Reason}); its leg is dropped")]
    private partial void LogAnswerRefused(string callId, string agentId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: ended by the ACD ({Disposition}); dropping the 3CX legs")]
    private partial void LogHangUp(string callId, string disposition);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: {Reason}")]
    private partial void LogCallerGone(string callId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: the leg on {Dn} ended ({Reason})")]
    private partial void LogLegEnded(string callId, string dn, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: transferred to {Number} through 3CX (accepted: {Accepted})")]
    private partial void LogTransferred(string callId, string number, bool accepted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: 3CX's Call Control API cannot do {What}; ignored")]
    private partial void LogUnsupported(string callId, string what);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: 3CX refused to {What}: {Reason}")]
    private partial void LogActionRefused(string callId, string what, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId}: could not {What}: {Reason}")]
    private partial void LogActionFailed(string callId, string what, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: {Why}")]
    private partial void LogEnded(string callId, string why);

    [LoggerMessage(Level = LogLevel.Error, Message = "Call {CallId}: unexpected failure")]
    private partial void LogUnexpected(Exception exception, string callId);
}

using Microsoft.Extensions.Logging;

namespace Acd.Sip;

/// <summary>
/// The stack's log lines. Whatever user code a handler runs, its failure is logged here with the Call-ID of the message
/// it was handling, so a bug in one call can be found in the logs instead of vanishing in a catch.
/// </summary>
internal static partial class SipLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "SIP handler {Handler} failed on {Method} (Call-ID {CallId})")]
    public static partial void RequestHandlerFailed(ILogger logger, Exception exception, string handler, string method, string? callId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "SIP handler {Handler} failed on {Status} {Method} (Call-ID {CallId})")]
    public static partial void ResponseHandlerFailed(ILogger logger, Exception exception, string handler, int status, string? method, string? callId);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "SIP handler {Handler} failed")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string handler);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "SIP send to {Target} failed: {Reason}")]
    public static partial void SendFailed(ILogger logger, string target, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "SIP message from {Source} {Action}: {Reason}")]
    public static partial void Rejected(ILogger logger, string source, string action, string? reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "SIP message from {Source} could not be handled")]
    public static partial void ReceiveFailed(ILogger logger, Exception exception, string source);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "SIP handler {Handler} failed (Call-ID {CallId})")]
    public static partial void DialogHandlerFailed(ILogger logger, Exception exception, string handler, string callId);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "SIP {Work} failed (Call-ID {CallId})")]
    public static partial void BackgroundFailed(ILogger logger, Exception exception, string work, string callId);

    /// <summary>Logs a handler failure with the Call-ID and method (request) or status and CSeq method (response) of <paramref name="message"/>.</summary>
    public static void HandlerFailed(ILogger logger, Exception exception, string handler, Messages.SipMessage? message)
    {
        switch (message)
        {
            case Messages.SipRequest request:
                RequestHandlerFailed(logger, exception, handler, request.Method, request.CallId);
                break;
            case Messages.SipResponse response:
                ResponseHandlerFailed(logger, exception, handler, response.StatusCode, response.CSeq?.Method, response.CallId);
                break;
            default:
                HandlerFailed(logger, exception, handler);
                break;
        }
    }
}

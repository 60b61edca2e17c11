using System.Net;
using Acd.Agents;
using Acd.CallControl.Calls;
using Acd.Calls;
using Acd.Common;
using Acd.Media;
using Acd.Sip;
using Acd.Sip.Auth;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Parsing;
using Acd.Sip.Registrar;
using Acd.Sip.Transactions;
using Acd.SipEdge.Bridging;
using Acd.SipEdge.Calls;
using Acd.SipEdge.Registration;
using Acd.SipEdge.Relay;
using Acd.SipEdge.Routing;
using Acd.SipEdge.Trunks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Acd.SipEdge.Hosting;

/// <summary>Draining: how a stopping edge lets its calls finish instead of dropping them.</summary>
public sealed partial class SipEdgeService
{
    private static readonly TimeSpan DrainPollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan DrainReportInterval = TimeSpan.FromMinutes(1);

    /// <summary>A draining edge does not come back: the trunk should keep to the other edges for a while.</summary>
    private static readonly TimeSpan DrainingRetryAfter = TimeSpan.FromSeconds(60);

    private volatile bool _draining;
    private int _drainStarted;

    /// <summary>Whether the edge is stopping: it refuses new calls and waits for its established ones to end.</summary>
    public bool IsDraining => _draining;

    /// <summary>
    /// The first half of a graceful stop: new calls are refused 503 with Retry-After (trunks and the load balancer send
    /// them elsewhere; readiness already fails), established calls keep their legs and media until they end or
    /// <see cref="SipEdgeOptions.DrainSeconds"/> passes. Progress is logged every minute.
    /// </summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _drainStarted, 1) == 1)
        {
            return;
        }

        _draining = true;
        if (_calls.Count == 0)
        {
            return;
        }

        var limit = TimeSpan.FromSeconds(Math.Max(0, _options.DrainSeconds));
        var started = Time.GetTimestamp();
        var reported = started;
        LogDraining(EdgeId, _calls.Count, (int)limit.TotalSeconds);
        while (_calls.Count > 0 && Time.GetElapsedTime(started) < limit && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(DrainPollInterval, Time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (Time.GetElapsedTime(reported) >= DrainReportInterval)
            {
                reported = Time.GetTimestamp();
                LogStillDraining(EdgeId, _calls.Count, (int)(limit - Time.GetElapsedTime(started)).TotalSeconds);
            }
        }

        if (_calls.Count == 0)
        {
            LogDrained(EdgeId, (int)Time.GetElapsedTime(started).TotalSeconds);
        }
        else
        {
            LogDrainCutShort(EdgeId, _calls.Count, (int)Time.GetElapsedTime(started).TotalSeconds);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SIP edge {EdgeId} draining: {Calls} calls up keep going, new calls are refused 503; ending the rest in {LimitSeconds} s at the latest (Sip:DrainSeconds)")]
    private partial void LogDraining(string edgeId, int calls, int limitSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "SIP edge {EdgeId} draining: {Calls} calls still up, {RemainingSeconds} s left")]
    private partial void LogStillDraining(string edgeId, int calls, int remainingSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "SIP edge {EdgeId} drained: its last call ended after {Seconds} s")]
    private partial void LogDrained(string edgeId, int seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SIP edge {EdgeId} stops with {Calls} calls still up after {Seconds} s of draining: they are ended with a call record")]
    private partial void LogDrainCutShort(string edgeId, int calls, int seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "SIP edge draining: new call to {Target} refused 503")]
    private partial void LogRefusedWhileDraining(string target);
}

using System.Collections.Concurrent;
using Acd.Calls;
using Acd.Common;
using Acd.ThreeCx;
using Acd.ThreeCx.Events;
using Acd.ThreeCx.Rest;
using Microsoft.Extensions.Logging;

namespace Acd.ThreeCxEdge;

/// <summary>
/// The connector's side of every PBX's event stream: a caller ringing on a mapped Route Point becomes an ACD call, the
/// call's other legs (the agent's extension after a routeto) and removals go to that call, digits to the caller's call.
/// Streams call in one notification at a time per PBX; the calls do their work in their own queues.
/// </summary>
public sealed partial class ThreeCxCalls : IThreeCxObserver
{
    private readonly ThreeCxConnector _connector;
    private readonly ILogger<ThreeCxCalls> _logger;
    private readonly ThreeCxEdgeContext _ctx;
    private readonly AgentPresence _presence;
    private readonly ConcurrentDictionary<(string Pbx, int Participant), ThreeCxCall> _byCaller = new();
    private readonly ConcurrentDictionary<(string Pbx, int PbxCall), ThreeCxCall> _byPbxCall = new();
    private readonly ConcurrentDictionary<(string Pbx, string Extension), ThreeCxCall> _placing = new();
    private readonly ConcurrentDictionary<string, ThreeCxConnectionHealth> _health = new(StringComparer.OrdinalIgnoreCase);

    internal ThreeCxCalls(ThreeCxConnector connector, ThreeCxEdgeContext ctx, AgentPresence presence, ILogger<ThreeCxCalls> logger)
    {
        _connector = connector;
        _ctx = ctx;
        _presence = presence;
        _logger = logger;
    }

    /// <summary>The ACD calls the connector carries now.</summary>
    public int Count => _byCaller.Count;

    /// <summary>Each PBX's socket as last reported (none yet: not connected so far).</summary>
    public IReadOnlyDictionary<string, ThreeCxConnectionHealth> Health => _health;

    internal ThreeCxCall? FindByCallId(string callId) => _byCaller.Values.FirstOrDefault(c => c.CallId == callId);

    public Task ParticipantChangedAsync(string pbx, ThreeCxParticipant participant, ThreeCxParticipant? previous)
    {
        if (_connector.Find(pbx) is not { } server)
        {
            return Task.CompletedTask;
        }

        if (participant.Dn == server.Options.ClientId)
        {
            if (participant.IsRinging && !_byCaller.ContainsKey((pbx, participant.Id)))
            {
                Arrive(server, participant);
            }

            return Task.CompletedTask;
        }

        if (CallOf(pbx, participant.Dn, participant.CallId) is { } call)
        {
            call.OnLegChanged(participant);
            return Task.CompletedTask;
        }

        return _presence.OnPrivateLegAsync(pbx, participant);
    }

    public Task ParticipantRemovedAsync(string pbx, ThreeCxRemoval removal)
    {
        if (_byCaller.TryGetValue((pbx, removal.Id), out var call) && removal.Dn == call.Caller?.Dn)
        {
            call.OnCallerRemoved(removal);
        }
        else if (CallOf(pbx, removal.Dn, removal.LastKnown.CallId) is { } byPbx)
        {
            byPbx.OnLegRemoved(removal);
        }
        else
        {
            return _presence.OnPrivateLegRemovedAsync(pbx, removal);
        }

        return Task.CompletedTask;
    }

    public Task DtmfReceivedAsync(string pbx, string dn, int participantId, string digits)
    {
        if (_byCaller.TryGetValue((pbx, participantId), out var call))
        {
            call.OnDigits(digits);
        }

        return Task.CompletedTask;
    }

    public Task ConnectionStateChangedAsync(string pbx, ThreeCxConnectionHealth health)
    {
        _health[pbx] = health;
        if (health.Healthy)
        {
            LogConnected(pbx);
        }
        else
        {
            LogDisconnected(pbx, health.Reason ?? "unknown");
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Click-to-dial from the agent's 3CX extension (the first PBX configured: agents' extensions are on it). Null when no
    /// PBX is configured.
    /// </summary>
    public async Task<Result<CallSnapshot>?> DialAsync(string agentId, string extension, CallInfo info)
    {
        if (_connector.Pbxs.FirstOrDefault() is not { } server)
        {
            return null;
        }

        var call = ThreeCxCall.Outbound(_ctx, server, extension, Forget);
        if (!_placing.TryAdd((server.Name, extension), call))
        {
            return Result.Fail(AcdError.Busy, $"3CX extension {extension} is placing a call already.");
        }

        return await call.StartOutboundAsync(agentId, info);
    }

    /// <summary>The ACD call a leg on <paramref name="dn"/> of 3CX call <paramref name="pbxCallId"/> belongs to, if any.</summary>
    private ThreeCxCall? CallOf(string pbx, string dn, int pbxCallId) =>
        _byPbxCall.TryGetValue((pbx, pbxCallId), out var call) ? call : Placing(pbx, dn, pbxCallId);

    /// <summary>
    /// The outbound call placed from <paramref name="dn"/> a participant belongs to: the makecall's answer and the
    /// socket's first event about its leg race, so the leg is claimed here by extension until its 3CX call id is known.
    /// </summary>
    private ThreeCxCall? Placing(string pbx, string dn, int pbxCallId)
    {
        if (!_placing.TryGetValue((pbx, dn), out var call) || (call.PbxCallId != 0 && call.PbxCallId != pbxCallId))
        {
            return null;
        }

        _byPbxCall.TryAdd((pbx, pbxCallId), call);
        return call;
    }

    private void Arrive(ThreeCxPbx server, ThreeCxParticipant caller)
    {
        var queueId = server.Options.ResolveQueue(caller.Dn, caller.PartyDid);
        if (queueId is null)
        {
            LogUnmapped(server.Name, caller.Dn, caller.PartyDid ?? "");
            return;
        }

        var call = new ThreeCxCall(_ctx, server, caller, queueId, Forget);
        if (!_byCaller.TryAdd((server.Name, caller.Id), call))
        {
            return; // a repeated report of the same caller
        }

        _byPbxCall[(server.Name, caller.CallId)] = call;
        call.Start();
    }

    private void Forget(ThreeCxCall call)
    {
        foreach (var entry in _byCaller.Where(e => ReferenceEquals(e.Value, call)).ToList())
        {
            _byCaller.TryRemove(entry);
        }

        foreach (var entry in _byPbxCall.Where(e => ReferenceEquals(e.Value, call)).ToList())
        {
            _byPbxCall.TryRemove(entry);
        }

        foreach (var entry in _placing.Where(e => ReferenceEquals(e.Value, call)).ToList())
        {
            _placing.TryRemove(entry);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "3CX {Pbx}: a caller on Route Point {RoutePoint} (DID '{Did}') maps to no queue (ThreeCx:Pbxs:N:RoutePoints); left to the PBX")]
    private partial void LogUnmapped(string pbx, string routePoint, string did);

    [LoggerMessage(Level = LogLevel.Information, Message = "3CX {Pbx}: connected")]
    private partial void LogConnected(string pbx);

    [LoggerMessage(Level = LogLevel.Warning, Message = "3CX {Pbx}: disconnected ({Reason}); retrying")]
    private partial void LogDisconnected(string pbx, string reason);
}

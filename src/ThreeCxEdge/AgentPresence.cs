using Acd.Agents;
using Acd.Catalog;
using Acd.ThreeCx.Events;
using Acd.ThreeCx.Rest;
using Microsoft.Extensions.Logging;

namespace Acd.ThreeCxEdge;

/// <summary>
/// Agents' 3CX extensions as presence: a call on an agent's extension that the ACD does not carry (a private or direct
/// call) makes a Ready agent Not Ready "busy elsewhere", so it is offered nothing, and Ready again when the last such
/// call ends. Extensions are mapped to agents from their profiles, read again when an unknown extension shows up (at
/// most every <see cref="RefreshAfter"/>) and whenever the map is older than <see cref="MaxAge"/> (a changed extension).
/// </summary>
internal sealed partial class AgentPresence(IGrainFactory grains, TimeProvider time, ILogger<AgentPresence> logger)
{
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Pbx, string Dn), HashSet<int>> _private = [];
    private Dictionary<string, string> _agentsByExtension = new(StringComparer.Ordinal);
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;

    /// <summary>A participant on <paramref name="participant"/>'s DN that belongs to no ACD call.</summary>
    public async Task OnPrivateLegAsync(string pbx, ThreeCxParticipant participant)
    {
        if (await AgentOfAsync(participant.Dn) is not { } agentId)
        {
            return;
        }

        bool first;
        lock (_gate)
        {
            var key = (pbx, participant.Dn);
            if (!_private.TryGetValue(key, out var legs))
            {
                _private[key] = legs = [];
            }

            first = legs.Add(participant.Id) && legs.Count == 1;
        }

        if (first)
        {
            LogBusy(agentId, participant.Dn);
            await grains.GetGrain<IAgentGrain>(agentId).SetBusyElsewhereAsync(true);
        }
    }

    /// <summary>A participant that belonged to no ACD call is gone.</summary>
    public async Task OnPrivateLegRemovedAsync(string pbx, ThreeCxRemoval removal)
    {
        bool last;
        lock (_gate)
        {
            var key = (pbx, removal.Dn);
            last = _private.TryGetValue(key, out var legs) && legs.Remove(removal.Id) && legs.Count == 0;
            if (last)
            {
                _private.Remove(key);
            }
        }

        if (last && await AgentOfAsync(removal.Dn) is { } agentId)
        {
            LogFree(agentId, removal.Dn);
            await grains.GetGrain<IAgentGrain>(agentId).SetBusyElsewhereAsync(false);
        }
    }

    private async Task<string?> AgentOfAsync(string extension)
    {
        var age = time.GetUtcNow() - _readAt;
        if (age < MaxAge && _agentsByExtension.TryGetValue(extension, out var agentId))
        {
            return agentId;
        }

        if (age < RefreshAfter)
        {
            return null;
        }

        _readAt = time.GetUtcNow();
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var id in await grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).ListAgentsAsync())
        {
            if ((await grains.GetGrain<IAgentGrain>(id).GetAsync()).Profile?.ThreeCxExtension is { Length: > 0 } ext)
            {
                map[ext] = id;
            }
        }

        _agentsByExtension = map;
        return map.GetValueOrDefault(extension);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId} is on a call of its own on 3CX extension {Extension}: busy elsewhere")]
    private partial void LogBusy(string agentId, string extension);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId}'s own call on 3CX extension {Extension} ended")]
    private partial void LogFree(string agentId, string extension);
}

using System.Collections.Immutable;
using Acd.Common;

namespace Acd.Catalog;

/// <summary>
/// The cluster-wide index (singleton key <see cref="CatalogKeys.Default"/>): which agents and queues exist,
/// which dialled numbers route to which queue, and the configured Not Ready reason codes.
/// </summary>
[Alias("acd.ICatalogGrain")]
public interface ICatalogGrain : IGrainWithStringKey
{
    [Alias("ListAgents"), AlwaysInterleave]
    Task<ImmutableArray<string>> ListAgentsAsync();

    [Alias("ListQueues"), AlwaysInterleave]
    Task<ImmutableArray<string>> ListQueuesAsync();

    [Alias("AddAgent")]
    Task AddAgentAsync(string agentId);

    [Alias("RemoveAgent")]
    Task RemoveAgentAsync(string agentId);

    /// <summary>Registers a queue and the numbers routed to it. Conflict if a number already routes elsewhere.</summary>
    [Alias("SetQueue")]
    Task<Result> SetQueueAsync(string queueId, ImmutableArray<string> numbers);

    [Alias("RemoveQueue")]
    Task RemoveQueueAsync(string queueId);

    /// <summary>The queue a dialled number routes to, or null.</summary>
    [Alias("ResolveNumber"), AlwaysInterleave]
    Task<string?> ResolveNumberAsync(string number);

    [Alias("GetRoutes"), AlwaysInterleave]
    Task<ImmutableDictionary<string, string>> GetRoutesAsync();

    [Alias("GetReasonCodes"), AlwaysInterleave]
    Task<ImmutableArray<string>> GetReasonCodesAsync();

    /// <summary>Replaces the operator-defined reason codes (system codes always remain valid).</summary>
    [Alias("SetReasonCodes")]
    Task<Result> SetReasonCodesAsync(ImmutableArray<string> reasonCodes);
}

public static class CatalogKeys
{
    public const string Default = "default";
}

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

    /// <summary>Adds (or updates) an agent and the extension colleagues dial to reach it (the latest agent to claim one has it).</summary>
    [Alias("AddAgent")]
    Task AddAgentAsync(string agentId, string? extension = null);

    [Alias("RemoveAgent")]
    Task RemoveAgentAsync(string agentId);

    /// <summary>The agent whose extension this is, or null.</summary>
    [Alias("ResolveExtension"), AlwaysInterleave]
    Task<string?> ResolveExtensionAsync(string extension);

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

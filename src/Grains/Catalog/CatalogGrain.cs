using System.Collections.Immutable;
using Acd.Agents;
using Acd.Catalog;
using Acd.Common;
using Acd.Grains.Hosting;
using Acd.Grains.Infrastructure;

namespace Acd.Grains.Catalog;

public sealed class CatalogGrain(
    [PersistentState("catalog", AcdStorage.GrainState)] IPersistentState<CatalogState> state) : Grain, ICatalogGrain
{
    private readonly SerialStateWriter<CatalogState> _writer = new(state);

    private CatalogState S => state.State;

    public Task<ImmutableArray<string>> ListAgentsAsync() => Task.FromResult(S.Agents.ToImmutableArray());

    public Task<ImmutableArray<string>> ListQueuesAsync() => Task.FromResult(S.Queues.ToImmutableArray());

    public Task AddAgentAsync(string agentId, string? extension = null)
    {
        var changed = S.Agents.Add(agentId);
        if (extension is { Length: > 0 } && !(S.Extensions.TryGetValue(extension, out var owner) && owner == agentId))
        {
            changed |= ForgetExtensions(agentId);
            S.Extensions[extension] = agentId;
            changed = true;
        }

        return changed ? _writer.WriteAsync() : Task.CompletedTask;
    }

    public Task RemoveAgentAsync(string agentId)
    {
        var changed = S.Agents.Remove(agentId) | ForgetExtensions(agentId);
        return changed ? _writer.WriteAsync() : Task.CompletedTask;
    }

    public Task<string?> ResolveExtensionAsync(string extension) =>
        Task.FromResult(S.Extensions.TryGetValue(extension.Trim(), out var agentId) ? agentId : null);

    private bool ForgetExtensions(string agentId)
    {
        var stale = S.Extensions.Where(e => e.Value == agentId).Select(e => e.Key).ToList();
        stale.ForEach(e => S.Extensions.Remove(e));
        return stale.Count > 0;
    }

    public async Task<Result> SetQueueAsync(string queueId, ImmutableArray<string> numbers)
    {
        var taken = numbers.FirstOrDefault(n => S.Routes.TryGetValue(n, out var owner) && owner != queueId);
        if (taken is not null)
        {
            return Result.Fail(AcdError.Conflict, $"Number '{taken}' already routes to queue '{S.Routes[taken]}'.");
        }

        foreach (var stale in S.Routes.Where(r => r.Value == queueId).Select(r => r.Key).ToList())
        {
            S.Routes.Remove(stale);
        }

        foreach (var number in numbers)
        {
            S.Routes[number] = queueId;
        }

        S.Queues.Add(queueId);
        await _writer.WriteAsync();
        return Result.Ok;
    }

    public Task RemoveQueueAsync(string queueId)
    {
        foreach (var stale in S.Routes.Where(r => r.Value == queueId).Select(r => r.Key).ToList())
        {
            S.Routes.Remove(stale);
        }

        S.Queues.Remove(queueId);
        return _writer.WriteAsync();
    }

    public Task<string?> ResolveNumberAsync(string number) =>
        Task.FromResult(S.Routes.TryGetValue(number.Trim(), out var queueId) ? queueId : null);

    public Task<ImmutableDictionary<string, string>> GetRoutesAsync() =>
        Task.FromResult(S.Routes.ToImmutableDictionary(StringComparer.Ordinal));

    /// <summary>System codes (login, no answer, ...) are always valid; operators configure the rest.</summary>
    public Task<ImmutableArray<string>> GetReasonCodesAsync() =>
        Task.FromResult(ReasonCodes.System.Concat(S.ReasonCodes ?? [.. ReasonCodes.Defaults])
            .Distinct(StringComparer.OrdinalIgnoreCase).ToImmutableArray());

    public async Task<Result> SetReasonCodesAsync(ImmutableArray<string> reasonCodes)
    {
        if (reasonCodes.IsDefault || reasonCodes.Any(c => string.IsNullOrWhiteSpace(c) || c.Length > 64))
        {
            return Result.Fail(AcdError.InvalidArgument, "Reason codes must be non-empty and at most 64 characters.");
        }

        S.ReasonCodes = [.. reasonCodes.Select(c => c.Trim()).Distinct(StringComparer.OrdinalIgnoreCase)];
        await _writer.WriteAsync();
        return Result.Ok;
    }
}

using Acd.Agents;
using Acd.Calls;
using Acd.Catalog;
using Acd.Common;

namespace Acd.CallControl.Calls;

/// <summary>What a dialled string names inside the ACD.</summary>
public enum DialTargetKind
{
    Agent,
    Queue,
    External,
}

/// <summary>A dialled or typed target, resolved: an agent id, a queue id, or a number outside the ACD.</summary>
public sealed record DialTarget(DialTargetKind Kind, string Value)
{
    public TransferTarget ToTransferTarget() => new(Kind switch
    {
        DialTargetKind.Agent => TransferTargetKind.Agent,
        DialTargetKind.Queue => TransferTargetKind.Queue,
        _ => TransferTargetKind.External,
    }, Value);
}

/// <summary>
/// Resolves what a user or a phone dialled, in one order for every path (transfer from the API or the desktop, REFER or
/// INVITE from a phone, click-to-dial): an agent's id, then an agent's extension, then a queue's id, then a number routed
/// to a queue, then a phone number outside the ACD.
/// </summary>
public sealed class DialTargets(IGrainFactory grains)
{
    /// <summary>What outside numbers look like: an optional + and up to 32 of 0-9, * and #.</summary>
    public static bool IsPhoneNumber(string value)
    {
        if (value.Length is 0 or > 33)
        {
            return false;
        }

        var digits = value[0] == '+' ? value.AsSpan(1) : value.AsSpan();
        if (digits.IsEmpty)
        {
            return false;
        }

        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c) && c is not '*' and not '#')
            {
                return false;
            }
        }

        return true;
    }

    public async Task<Result<DialTarget>> ResolveAsync(string target, TransferTargetKind? kind = null)
    {
        target = target.Trim();
        if (target.Length == 0)
        {
            return Result.Fail(AcdError.InvalidArgument, "A target is needed: an agent, a queue or a phone number.");
        }

        var catalog = grains.GetGrain<ICatalogGrain>(CatalogKeys.Default);
        switch (kind)
        {
            case TransferTargetKind.Agent:
                return await AgentAsync(target) is { } agentId
                    ? Result<DialTarget>.Ok(new DialTarget(DialTargetKind.Agent, agentId))
                    : Result.Fail(AcdError.NotFound, $"No agent is '{target}'.");
            case TransferTargetKind.Queue:
                if ((await catalog.ListQueuesAsync()).Contains(target))
                {
                    return Result<DialTarget>.Ok(new DialTarget(DialTargetKind.Queue, target));
                }

                return await catalog.ResolveNumberAsync(target) is { } routed
                    ? Result<DialTarget>.Ok(new DialTarget(DialTargetKind.Queue, routed))
                    : Result.Fail(AcdError.NotFound, $"No queue is '{target}'.");
            case TransferTargetKind.External:
                return IsPhoneNumber(target)
                    ? Result<DialTarget>.Ok(new DialTarget(DialTargetKind.External, target))
                    : Result.Fail(AcdError.InvalidArgument, $"'{target}' is not a phone number (an optional + and up to 32 of 0-9, *, #).");
        }

        if (await AgentAsync(target) is { } agent)
        {
            return Result<DialTarget>.Ok(new DialTarget(DialTargetKind.Agent, agent));
        }

        if ((await catalog.ListQueuesAsync()).Contains(target))
        {
            return Result<DialTarget>.Ok(new DialTarget(DialTargetKind.Queue, target));
        }

        if (await catalog.ResolveNumberAsync(target) is { } queueId)
        {
            return Result<DialTarget>.Ok(new DialTarget(DialTargetKind.Queue, queueId));
        }

        return IsPhoneNumber(target)
            ? Result<DialTarget>.Ok(new DialTarget(DialTargetKind.External, target))
            : Result.Fail(AcdError.InvalidArgument, $"'{target}' is neither an agent, a queue nor a phone number.");
    }

    /// <summary>The agent whose id or extension <paramref name="value"/> is.</summary>
    private async Task<string?> AgentAsync(string value)
    {
        var catalog = grains.GetGrain<ICatalogGrain>(CatalogKeys.Default);
        if ((await catalog.ListAgentsAsync()).Contains(value))
        {
            return value;
        }

        return await catalog.ResolveExtensionAsync(value);
    }
}

using Acd.CallControl.Customers;
using Acd.Calls;
using Acd.Catalog;
using Acd.Common;

namespace Acd.CallControl.Calls;

/// <summary>A call arriving at the ACD: who calls, what was dialled, and which edge carries it (none for a CTI report).</summary>
public sealed record InboundCall(string From, string To, string? CallerName, int Priority = 0, string? QueueId = null, string? EdgeId = null);

/// <summary>
/// Starts inbound calls the same way for every path (a PBX or CTI report through the API, a SIP INVITE at the edge): the
/// queue from the dialled number, the caller looked up (CRM, then the built-in customer table) so the agent's popup
/// shows who it is, then the call grain started.
/// </summary>
public sealed class InboundCalls(IGrainFactory grains, ICustomerLookup customers, CallControlMetrics metrics)
{
    /// <summary>The queue a dialled number routes to, or null.</summary>
    public Task<string?> ResolveQueueAsync(string dialled) =>
        string.IsNullOrWhiteSpace(dialled) ? Task.FromResult<string?>(null) : grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).ResolveNumberAsync(dialled);

    /// <summary>
    /// Starts <paramref name="callId"/> (see <see cref="CallIds.New"/>). <paramref name="beforeStart"/> runs on the grain
    /// first: the SIP edge attaches itself there, since the call may be offered inside the start.
    /// </summary>
    public async Task<Result<CallSnapshot>> StartAsync(string callId, InboundCall request, string origin,
        Func<ICallGrain, Task>? beforeStart = null, CancellationToken cancellationToken = default)
    {
        var queueId = request.QueueId ?? await ResolveQueueAsync(request.To);
        if (queueId is null)
        {
            return Result.Fail(AcdError.NotFound, $"No queue is configured for the number '{request.To}'.");
        }

        var customer = await customers.LookupAsync(request.From, cancellationToken);
        var info = new CallInfo(request.From, request.To, request.CallerName ?? customer.Name, CallDirection.Inbound, request.Priority, queueId,
            customer, request.EdgeId);
        var call = grains.GetGrain<ICallGrain>(callId);
        if (beforeStart is not null)
        {
            await beforeStart(call);
        }

        var result = await call.StartInboundAsync(info);
        metrics.CallStarted(CallDirection.Inbound, origin, result.IsSuccess);
        return result;
    }
}

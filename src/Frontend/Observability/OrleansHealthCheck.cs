using Acd.Catalog;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Acd.Frontend.Observability;

/// <summary>Ready when the cluster answers a grain call.</summary>
public sealed class OrleansHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var queues = await grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).ListQueuesAsync()
                .WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return HealthCheckResult.Healthy($"cluster reachable ({queues.Length} queues)");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("cluster unreachable", ex);
        }
    }
}

using Acd.Events;
using Acd.Grains.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Acd.Grains.Hosting;

public static class GrainServiceCollectionExtensions
{
    /// <summary>Services the ACD grains depend on, with safe defaults a host may replace.</summary>
    public static IServiceCollection AddAcdGrainServices(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IReportingSink, NullReportingSink>();
        services.AddMetrics();
        services.TryAddSingleton<RoutingMetrics>();
        return services;
    }
}

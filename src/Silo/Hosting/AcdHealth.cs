using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;

namespace Acd.Silo.Hosting;

/// <summary>
/// The three probe endpoints every ACD process serves, with the meaning Kubernetes gives them:
/// <list type="bullet">
/// <item>/health/startup: the process finished starting (silo joined the cluster, or the client connected); until then
/// liveness is not judged, so a slow first join is not mistaken for a hang.</item>
/// <item>/health/ready: send traffic here. False while starting and as soon as the host is stopping, so a pod leaves
/// the Service before its silo hands over its grains or its frontend closes its connections.</item>
/// <item>/health/live: the process still works (no dependency is checked: a database outage must not restart every pod).</item>
/// </list>
/// </summary>
public static class AcdHealth
{
    public const string StartupTag = "startup";
    public const string ReadyTag = "ready";

    /// <summary>Health checks of a silo host: the silo's own membership status decides startup and readiness.</summary>
    public static IHealthChecksBuilder AddAcdSiloHealthChecks(this IServiceCollection services) =>
        services.AddHealthChecks()
            .AddCheck<SiloStatusHealthCheck>("silo", tags: [StartupTag, ReadyTag])
            .AddCheck<StoppingHealthCheck>("stopping", tags: [ReadyTag]);

    /// <summary>/health/startup, /health/ready and /health/live, each answering 200 or 503 with a plain-text status.</summary>
    public static IEndpointRouteBuilder MapAcdHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/startup", new HealthCheckOptions { Predicate = c => c.Tags.Contains(StartupTag), ResponseWriter = WriteAsync });
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync });
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        return endpoints;
    }

    /// <summary>The overall status, then one line per check with its description (e.g. how many silos are active).</summary>
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        var text = new StringBuilder(report.Status.ToString()).Append('\n');
        foreach (var (name, entry) in report.Entries)
        {
            text.Append(name).Append(": ").Append(entry.Status).Append(entry.Description is { } d ? $" ({d})" : "").Append('\n');
        }

        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text.ToString());
    }
}

/// <summary>Healthy while this silo is an Active member of the cluster (joined, not shutting down).</summary>
internal sealed class SiloStatusHealthCheck(ISiloStatusOracle oracle) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = oracle.CurrentStatus;
        var active = oracle.GetApproximateSiloStatuses(onlyActive: true).Count;
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"silo {oracle.SiloName} active; {active} active silos")
            : HealthCheckResult.Unhealthy($"silo {oracle.SiloName} is {status}"));
    }
}

/// <summary>Unhealthy from the moment the host starts stopping, so load balancers stop sending new work at once.</summary>
public sealed class StoppingHealthCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResult.Unhealthy("shutting down")
            : HealthCheckResult.Healthy());
}

using Acd.ThreeCx;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Acd.ThreeCxEdge;

/// <summary>
/// The connector in /health/ready: Degraded (not Unhealthy, so SIP calls keep reaching this pod) while a PBX's socket is
/// down or has not come up yet, with the PBX and the reason in the details.
/// </summary>
internal sealed class ThreeCxHealthCheck(ThreeCxConnector connector, ThreeCxCalls calls) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>();
        var down = new List<string>();
        foreach (var pbx in connector.Pbxs)
        {
            if (calls.Health.TryGetValue(pbx.Name, out var health) && health.Healthy)
            {
                data[$"3cx:{pbx.Name}"] = "connected";
            }
            else
            {
                var why = health?.Reason ?? "not connected yet";
                data[$"3cx:{pbx.Name}"] = "down: " + why;
                down.Add($"{pbx.Name} ({why})");
            }
        }

        data["3cx calls"] = calls.Count;
        return Task.FromResult(down.Count == 0
            ? HealthCheckResult.Healthy($"3CX: {connector.Pbxs.Count} PBX(s) connected", data)
            : HealthCheckResult.Degraded($"3CX not connected: {string.Join(", ", down)}; retrying", data: data));
    }
}

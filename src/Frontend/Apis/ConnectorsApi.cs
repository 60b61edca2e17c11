using Acd.Frontend.Auth;
using Acd.ThreeCxEdge;

namespace Acd.Frontend.Apis;

/// <summary>One PBX connector's link as the wallboard shows it.</summary>
public sealed record ConnectorView(string Kind, string Name, bool Healthy, string? Reason, DateTimeOffset? Since, DateTimeOffset? LastSnapshotAt);

public static class ConnectorsApi
{
    /// <summary>GET /connectors: the PBX connectors this frontend runs (3CX), connected or not and why (supervisors).</summary>
    public static IEndpointRouteBuilder MapConnectorsApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/connectors", (IServiceProvider services) =>
            {
                if (services.GetService<ThreeCx.ThreeCxConnector>() is not { } connector || services.GetService<ThreeCxCalls>() is not { } calls)
                {
                    return TypedResults.Ok(Array.Empty<ConnectorView>());
                }

                return TypedResults.Ok(connector.Pbxs.Select(p => calls.Health.TryGetValue(p.Name, out var h)
                    ? new ConnectorView("3cx", p.Name, h.Healthy, h.Reason, h.Since, h.LastSnapshotAt)
                    : new ConnectorView("3cx", p.Name, false, "not connected yet", null, null)).ToArray());
            })
            .WithTags("Connectors").RequireAuthorization(Policies.Supervisor)
            .WithSummary("The PBX connectors (3CX) of this frontend and their links.");
        return api;
    }
}

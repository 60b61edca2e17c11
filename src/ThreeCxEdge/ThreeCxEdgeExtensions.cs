using Acd.ThreeCx;
using Acd.ThreeCx.Configuration;
using Acd.ThreeCx.Events;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Acd.ThreeCxEdge;

public static class ThreeCxEdgeExtensions
{
    /// <summary>Whether any 3CX PBX is configured (ThreeCx:Pbxs).</summary>
    public static bool IsThreeCxConfigured(this IConfiguration configuration) =>
        configuration.GetSection(ThreeCxOptions.Section).Get<ThreeCxOptions>()?.Pbxs is { Count: > 0 };

    /// <summary>
    /// The 3CX connector carrying calls into the ACD: every configured PBX's event stream, Route Point callers as ACD
    /// calls, the health check (tag <paramref name="readyTag"/>). Needs the SIP edge's media engine and queue audio
    /// (the waiting callers' music is played by it).
    /// </summary>
    public static IServiceCollection AddThreeCxEdge(this IServiceCollection services, IConfiguration configuration, string readyTag)
    {
        services.AddThreeCx(configuration);
        services.TryAddSingleton<ThreeCxEdgeContext>();
        services.TryAddSingleton<AgentPresence>();
        services.TryAddSingleton(sp => new ThreeCxCalls(sp.GetRequiredService<ThreeCxConnector>(), sp.GetRequiredService<ThreeCxEdgeContext>(),
            sp.GetRequiredService<AgentPresence>(), sp.GetRequiredService<ILogger<ThreeCxCalls>>()));
        services.TryAddSingleton<IThreeCxObserver>(sp => sp.GetRequiredService<ThreeCxCalls>());
        services.AddThreeCxEventStreams();
        services.AddHealthChecks().AddCheck<ThreeCxHealthCheck>("3cx", tags: [readyTag]);
        return services;
    }
}

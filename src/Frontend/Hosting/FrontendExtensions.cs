using System.Text.Json;
using System.Text.Json.Serialization;
using Acd.CallControl;
using Acd.Frontend.Apis;
using Acd.Frontend.Auth;
using Acd.Frontend.FirstRun;
using Acd.Frontend.Hubs;
using Acd.Frontend.Observability;
using Acd.Silo.Hosting;
using Acd.SipEdge.Announcements;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Orleans.Dashboard;

namespace Acd.Frontend.Hosting;

/// <summary>Configuration section "Frontend".</summary>
public sealed class FrontendOptions
{
    public const string Section = "Frontend";

    /// <summary>Largest request body accepted (bytes).</summary>
    public long MaxRequestBodyBytes { get; set; } = 256 * 1024;

    /// <summary>Whether /dashboard needs a supervisor (the wallboard's "Cluster" link signs the browser in). Default true.</summary>
    public bool ProtectDashboard { get; set; } = true;

    /// <summary>
    /// The agent desktop's phone: "sip" or "auto" (default; a browser SIP phone over the edge's WebSocket when the SIP
    /// edge is enabled and the agent has a SIP password, else CTI) or "cti" (no media in the browser, e.g. desk phones).
    /// </summary>
    public string? SoftPhone { get; set; } = "auto";
}

public static class FrontendExtensions
{
    /// <summary>Services of the frontend: API, auth, SignalR relay, customer lookup, limits, health and metrics.</summary>
    public static WebApplicationBuilder AddAcdFrontend(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        var frontend = configuration.GetSection(FrontendOptions.Section).Get<FrontendOptions>() ?? new FrontendOptions();
        services.Configure<FrontendOptions>(configuration.GetSection(FrontendOptions.Section));
        services.Configure<RelayOptions>(configuration.GetSection(RelayOptions.Section));
        services.Configure<Acd.Frontend.WebRtc.WebRtcOptions>(configuration.GetSection(Acd.Frontend.WebRtc.WebRtcOptions.Section));
        services.AddSingleton<Acd.Frontend.WebRtc.IceServers>();
        services.TryAddTimeProvider();
        services.AddLogRedaction();

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = frontend.MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
        });

        services.ConfigureHttpJsonOptions(o => Configure(o.SerializerOptions));
        services.AddProblemDetails(o => o.CustomizeProblemDetails = BadRequestProblems.Customize);
        // Binding failures throw, so BadRequestProblems can say which field is wrong and what it accepts.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddExceptionHandler<BadRequestProblems>();
        services.AddAcdAuth(configuration);
        services.AddFirstRun();
        services.AddAcdRateLimits(configuration);
        services.AddOpenApi();
        services.AddSignalR(o =>
            {
                o.MaximumReceiveMessageSize = 32 * 1024;
                o.AddFilter<HubArguments>();
            })
            .AddJsonProtocol(o => Configure(o.PayloadSerializerOptions));

        services.AddSingleton<FrontendMetrics>();
        services.AddSingleton<EventRelay>();
        services.AddHostedService<SubscriptionRefresher>();
        services.AddSingleton<AgentCommands>();
        services.AddSingleton<Acd.Frontend.Scoping.ScopeResolver>();
        services.AddSingleton<CallCommands>();
        services.AddCallControl(configuration);
        // The sounds folder: the queues API checks hold music and prompt sets against it (the SIP edge plays them).
        services.AddQueueAudio(configuration);

        services.AddHealthChecks()
            .AddCheck<OrleansHealthCheck>("orleans", tags: [AcdHealth.StartupTag, AcdHealth.ReadyTag])
            .AddCheck<StoppingHealthCheck>("stopping", tags: [AcdHealth.ReadyTag]);
        services.AddSingleton<HubConnections>();
        services.AddSingleton<HubConnectionBindings>();
        services.AddSingleton(typeof(HubLifetimeManager<>), typeof(DrainingHubLifetimeManager<>));
        services.AddHostedService<HubDrainService>();
        builder.AddAcdTelemetry("acd-frontend", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel",
            "Microsoft.AspNetCore.Http.Connections", "Microsoft.AspNetCore.RateLimiting");
        return builder;
    }

    /// <summary>The request pipeline: errors as problem+json, security headers, static UI, auth, rate limits.</summary>
    public static WebApplication UseAcdFrontend(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAcdSecurityHeaders();
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = ctx => ctx.Context.Response.Headers.CacheControl = "no-cache",
        });
        app.UseHubDrain();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseHubConnectionBinding(HubsPath);
        // Every /dashboard path (routes the dashboard does not have included) needs the supervisor session, and its
        // input is checked against the cluster before the dashboard sees it.
        var protect = app.Services.GetRequiredService<IOptions<FrontendOptions>>().Value.ProtectDashboard;
        app.UseOrleansDashboardGuard(DashboardPath, protect ? AdmitSupervisorAsync : null);
        return app;
    }

    public const string DashboardPath = "/dashboard";

    public const string HubsPath = "/hubs";

    private static async Task<bool> AdmitSupervisorAsync(HttpContext context)
    {
        if (context.User.Identity?.IsAuthenticated != true)
        {
            await context.ChallengeAsync();
            return false;
        }

        var authorization = context.RequestServices.GetRequiredService<IAuthorizationService>();
        if ((await authorization.AuthorizeAsync(context.User, Policies.Supervisor)).Succeeded)
        {
            return true;
        }

        await context.ForbidAsync();
        return false;
    }

    /// <summary>Endpoints: /api/v1, SignalR hubs, health, metrics, OpenAPI and the Orleans dashboard.</summary>
    public static WebApplication MapAcdFrontend(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1").RequireRateLimiting(RateLimits.ApiPolicy);
        api.MapAuthApi()
            .MapAgentsApi()
            .MapQueuesApi()
            .MapCallsApi()
            .MapCustomersApi()
            .MapReasonCodesApi()
            .MapReportsApi()
            .MapTeamsApi()
            .MapUsersApi()
            .MapWallboardApi()
            .MapSoftPhoneApi()
            .MapConnectorsApi();

        app.MapHub<AgentHub>("/hubs/agent");
        app.MapHub<SupervisorHub>("/hubs/supervisor");
        app.MapAcdHealth();
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapOpenApi("/openapi/{documentName}.json");

        var dashboard = app.MapOrleansDashboard(DashboardPath);
        if (app.Services.GetRequiredService<IOptions<FrontendOptions>>().Value.ProtectDashboard)
        {
            dashboard.RequireAuthorization(Policies.Supervisor);
        }

        return app;
    }

    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        // Names only: a number would slip past as an undefined value. Unknown names fail with the accepted list (BadRequestProblems).
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
    }

    private static void TryAddTimeProvider(this IServiceCollection services) =>
        Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.TryAddSingleton(services, TimeProvider.System);
}

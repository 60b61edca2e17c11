using Acd.CallControl;
using Acd.Media;
using Acd.Sip.Transports;
using Acd.SipEdge.Announcements;
using Acd.SipEdge.Registration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Acd.SipEdge.Hosting;

public static class SipEdgeExtensions
{
    /// <summary>What the host's shutdown keeps beyond the drain: ending the last calls, flushing their records.</summary>
    private static readonly TimeSpan DrainMargin = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The SIP edge (registrar + B2BUA) configured from section "Sip". Call after the Orleans silo/client is added,
    /// so hosted services start the silo first and stop it last.
    /// </summary>
    public static IHostApplicationBuilder AddSipEdge(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(SipEdgeOptions.Section);
        builder.Services.Configure<SipEdgeOptions>(section);
        // Frontends of one cluster share Auth:SigningKey already; it signs edge-to-edge hops unless a key of their own is set.
        builder.Services.PostConfigure<SipEdgeOptions>(o => o.EdgeSecret ??= builder.Configuration["Auth:SigningKey"]);
        if (!(section.Get<SipEdgeOptions>() ?? new SipEdgeOptions()).Enabled)
        {
            return builder;
        }

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddCallControl(builder.Configuration);
        builder.Services.AddSingleton<AgentCredentialStore>();
        builder.Services.Configure<MediaOptions>(builder.Configuration.GetSection(MediaOptions.SectionName));
        builder.Services.PostConfigure<MediaOptions>(media =>
        {
            // SDP must name an address peers reach: the SIP edge's public host unless media has one of its own.
            if (string.IsNullOrWhiteSpace(media.PublicAddress)
                && (builder.Configuration.GetSection(SipEdgeOptions.Section).Get<SipEdgeOptions>() ?? new SipEdgeOptions()).ResolvePublicHost() is var host
                && System.Net.IPAddress.TryParse(host, out _))
            {
                media.PublicAddress = host;
            }
        });
        builder.Services.AddSingleton(sp => new MediaEngine(sp.GetRequiredService<IOptions<MediaOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>()));
        // Hold music, position announcements and ringback of anchored calls (the frontend adds it too, for the queues API).
        builder.Services.AddQueueAudio(builder.Configuration);
        builder.Services.AddSingleton<SipEdgeService>();
        builder.Services.AddHostedService<SipEdgeHostedService>();
        // The host's shutdown budget must cover the drain, or the host would cut it short.
        builder.Services.AddOptions<HostOptions>().PostConfigure<IOptions<SipEdgeOptions>>((host, sip) =>
        {
            var needed = TimeSpan.FromSeconds(sip.Value.DrainSeconds) + DrainMargin;
            if (host.ShutdownTimeout < needed)
            {
                host.ShutdownTimeout = needed;
            }
        });
        return builder;
    }

    /// <summary>SIP over WebSocket (RFC 7118, subprotocol "sip") at Sip:WebSocketPath, default /sip.</summary>
    public static WebApplication MapSipEdge(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<SipEdgeOptions>>().Value;
        if (!options.Enabled)
        {
            return app;
        }

        app.UseWebSockets();
        app.MapSipWebSocket(options.WebSocketPath, app.Services.GetRequiredService<SipEdgeService>().Stack);
        return app;
    }
}

/// <summary>
/// Starts the SIP listeners with the host; when it stops, drains first (in StoppingAsync, which runs before any hosted
/// service stops, so the web server still carries browser phones' WebSockets and the silo still answers), then ends
/// what is left.
/// </summary>
internal sealed class SipEdgeHostedService(SipEdgeService edge) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => edge.StartAsync(cancellationToken);

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => edge.DrainAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => edge.StopAsync(cancellationToken);

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

using Acd.ThreeCx.Configuration;
using Acd.ThreeCx.Events;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Acd.ThreeCx;

public static class ThreeCxServiceCollectionExtensions
{
    /// <summary>Name prefix of the HttpClients, one per PBX ("ThreeCx:" + PBX name), for handlers such as a custom CA.</summary>
    public const string HttpClientPrefix = "ThreeCx:";

    /// <summary>The "ThreeCx" section, validated at start, and one <see cref="ThreeCxPbx"/> per configured PBX.</summary>
    public static IServiceCollection AddThreeCx(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(ThreeCxConnector)))
        {
            return services;
        }

        services.AddOptions<ThreeCxOptions>().Bind(configuration.GetSection(ThreeCxOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ThreeCxOptions>, ThreeCxOptionsValidator>();
        services.TryAddTimeProvider();
        var section = configuration.GetSection(ThreeCxOptions.Section).Get<ThreeCxOptions>() ?? new ThreeCxOptions();
        foreach (var pbx in section.Pbxs)
        {
            // routeto and audio streams stay open as long as a call needs: the client sets each request's limit itself.
            services.AddHttpClient(HttpClientPrefix + pbx.Name, http => http.Timeout = Timeout.InfiniteTimeSpan);
        }

        services.AddSingleton<ThreeCxConnector>();
        return services;
    }

    /// <summary>Runs every PBX's event stream for the registered <see cref="IThreeCxObserver"/>.</summary>
    public static IServiceCollection AddThreeCxEventStreams(this IServiceCollection services)
    {
        // Resolvable as itself too, so /health/ready can read the streams' health.
        services.AddSingleton<ThreeCxEventStreamsService>();
        services.AddHostedService(sp => sp.GetRequiredService<ThreeCxEventStreamsService>());
        return services;
    }

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }
}

/// <summary>The configured PBXs, by name.</summary>
public sealed class ThreeCxConnector
{
    public ThreeCxConnector(IOptions<ThreeCxOptions> options, IHttpClientFactory http, TimeProvider time, ILoggerFactory loggers)
    {
        Pbxs = options.Value.Pbxs
            .Select(p => new ThreeCxPbx(p, http.CreateClient(ThreeCxServiceCollectionExtensions.HttpClientPrefix + p.Name), time, loggers))
            .ToArray();
    }

    public IReadOnlyList<ThreeCxPbx> Pbxs { get; }

    public ThreeCxPbx? Find(string name) => Pbxs.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>Keeps one event stream per PBX running while the host runs; their health is on <see cref="Streams"/>.</summary>
public sealed class ThreeCxEventStreamsService(ThreeCxConnector connector, IThreeCxObserver observer) : BackgroundService
{
    public IReadOnlyList<ThreeCxEventStream> Streams { get; } = connector.Pbxs.Select(p => p.CreateEventStream(observer)).ToArray();

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Streams.Select(s => s.RunAsync(stoppingToken)));
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Acd.Silo.Hosting;

/// <summary>Metrics and traces for every ACD process (frontend and standalone silo), from the "Telemetry" section.</summary>
public static class TelemetryExtensions
{
    /// <summary>Every meter and activity source of the product: Acd.Routing, Acd.Sip, Acd.Media, Acd.Reporting, ...</summary>
    public const string AcdInstruments = "Acd.*";

    private static readonly string[] OrleansSources =
        ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", "Microsoft.Orleans.Storage"];

    /// <summary>
    /// The ACD's, Orleans' and the runtime's meters on a Prometheus scrape endpoint (map it with
    /// <c>MapPrometheusScrapingEndpoint</c>), and with Telemetry:Traces or Telemetry:OtlpEndpoint the call traces.
    /// </summary>
    public static IHostApplicationBuilder AddAcdTelemetry(this IHostApplicationBuilder builder, string serviceName, params string[] extraMeters)
    {
        var section = builder.Configuration.GetSection(TelemetryOptions.Section);
        builder.Services.Configure<TelemetryOptions>(section);
        var options = section.Get<TelemetryOptions>() ?? new();
        if (options.TraceSampleRatio is < 0 or > 1)
        {
            throw new InvalidOperationException($"Telemetry:TraceSampleRatio must be between 0 and 1, not {options.TraceSampleRatio}.");
        }

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName, serviceInstanceId: Environment.MachineName))
            .WithMetrics(m =>
            {
                m.AddMeter(AcdInstruments, "Microsoft.Orleans", "System.Runtime").AddMeter(extraMeters).AddPrometheusExporter();
                if (options.OtlpEndpoint is { } endpoint)
                {
                    m.AddOtlpExporter(o => Point(o, endpoint, options));
                }
            });
        if (options.TracesEnabled)
        {
            telemetry.WithTracing(t =>
            {
                t.AddSource(AcdInstruments).AddSource(OrleansSources).AddSource("Npgsql")
                    .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.TraceSampleRatio)));
                if (options.OtlpEndpoint is { } endpoint)
                {
                    t.AddOtlpExporter(o => Point(o, endpoint, options));
                }
            });
        }

        return builder;
    }

    /// <summary>Whether grain calls carry the caller's trace context (Orleans' activity propagation), read from configuration.</summary>
    public static bool TracesEnabled(IConfiguration configuration) =>
        (configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new()).TracesEnabled;

    private static void Point(OpenTelemetry.Exporter.OtlpExporterOptions exporter, Uri endpoint, TelemetryOptions options)
    {
        exporter.Endpoint = endpoint;
        exporter.Protocol = options.OtlpProtocol;
    }
}

using OpenTelemetry.Exporter;

namespace Acd.Silo.Hosting;

/// <summary>
/// Traces and the OTLP exporter ("Telemetry" section). Metrics are always on at /metrics (Prometheus text); traces are
/// off by default and cost nothing then, since no span is created without a listener.
/// </summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>The OTLP collector (e.g. http://otel-collector:4317): traces and metrics are exported there when set.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>grpc (4317) or http/protobuf (4318).</summary>
    public OtlpExportProtocol OtlpProtocol { get; set; } = OtlpExportProtocol.Grpc;

    /// <summary>
    /// Record spans (a trace per call across edge, grains and storage). On by itself when <see cref="OtlpEndpoint"/> is
    /// set; without an endpoint only in-process listeners see them.
    /// </summary>
    public bool Traces { get; set; }

    /// <summary>The share of new traces (calls) that are recorded, 0-1: busy sites sample.</summary>
    public double TraceSampleRatio { get; set; } = 1.0;

    public bool TracesEnabled => Traces || OtlpEndpoint is not null;
}

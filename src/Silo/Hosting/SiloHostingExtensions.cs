using System.Net;
using Acd.Grains.Hosting;
using Acd.Reporting;
using Acd.Reporting.Hosting;
using Acd.Reporting.Stores;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Hosting;
using Orleans.Serialization;

namespace Acd.Silo.Hosting;

public static class SiloHostingExtensions
{
    private const string NpgsqlInvariant = "Npgsql";

    /// <summary>
    /// Runs an ACD silo inside this host, configured from "Cluster", "Storage" and "ConnectionStrings".
    /// Embedded mode needs nothing installed; Postgres mode needs the schema applied (see docs/operations.md).
    /// </summary>
    public static IHostApplicationBuilder AddAcdSilo(this IHostApplicationBuilder builder)
    {
        builder.Configuration.AddAcdLoggingDefaults();
        var cluster = builder.Configuration.GetSection(AcdClusterOptions.Section).Get<AcdClusterOptions>() ?? new();
        var storage = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new();
        builder.Services.Configure<AcdClusterOptions>(builder.Configuration.GetSection(AcdClusterOptions.Section));
        builder.Services.Configure<StorageOptions>(builder.Configuration.GetSection(StorageOptions.Section));
        builder.Services.AddAcdGrainServices();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = cluster.ShutdownTimeout);

        var dataPath = ResolveDataPath(storage, builder.Environment);
        var connectionString = builder.Configuration.GetConnectionString(storage.ConnectionStringName);

        // Reporting before UseOrleans: hosted services stop in reverse order, so the batching writer stops after the
        // silo and still flushes the events grains raise while they deactivate.
        builder.Services.AddAcdReporting(cluster, dataPath, connectionString, withWriter: true, builder.Configuration);
        var traces = TelemetryExtensions.TracesEnabled(builder.Configuration);
        builder.UseOrleans(silo =>
        {
            silo.UseAcdCluster(cluster, dataPath, connectionString);
            if (traces)
            {
                // Grain calls carry the caller's trace: one trace per call across edge, grains and storage.
                silo.AddActivityPropagation();
            }
        });
        return builder;
    }

    /// <summary>
    /// The web host's entry point: a co-hosted silo (<see cref="AddAcdSilo"/>) in embedded mode or when
    /// Cluster:CoHostSilo is true, otherwise an Orleans client of the PostgreSQL cluster (ADO.NET clustering)
    /// with read access to the reporting store.
    /// </summary>
    public static IHostApplicationBuilder AddAcdCluster(this IHostApplicationBuilder builder)
    {
        var cluster = builder.Configuration.GetSection(AcdClusterOptions.Section).Get<AcdClusterOptions>() ?? new();
        return cluster is { Mode: ClusterMode.Postgres, CoHostSilo: false } ? builder.AddAcdClient() : builder.AddAcdSilo();
    }

    /// <summary>An Orleans client of the PostgreSQL cluster (cluster mode, Cluster:CoHostSilo=false).</summary>
    public static IHostApplicationBuilder AddAcdClient(this IHostApplicationBuilder builder)
    {
        builder.Configuration.AddAcdLoggingDefaults();
        var cluster = builder.Configuration.GetSection(AcdClusterOptions.Section).Get<AcdClusterOptions>() ?? new();
        var storage = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new();
        builder.Services.Configure<AcdClusterOptions>(builder.Configuration.GetSection(AcdClusterOptions.Section));
        builder.Services.Configure<StorageOptions>(builder.Configuration.GetSection(StorageOptions.Section));
        if (cluster.Mode != ClusterMode.Postgres)
        {
            throw new InvalidOperationException("An Orleans client host needs Cluster:Mode=Postgres; embedded mode always co-hosts the silo.");
        }

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = cluster.ShutdownTimeout);

        var connectionString = RequireConnectionString(builder.Configuration.GetConnectionString(storage.ConnectionStringName), storage);
        builder.Services.AddAcdReporting(cluster, ResolveDataPath(storage, builder.Environment), connectionString, withWriter: false,
            builder.Configuration);
        var traces = TelemetryExtensions.TracesEnabled(builder.Configuration);
        builder.UseOrleansClient(client =>
        {
            if (traces)
            {
                client.AddActivityPropagation();
            }

            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = NpgsqlInvariant;
                o.ConnectionString = connectionString;
            });
            // The frontend serves the dashboard (/dashboard) for supervisors; as a client it reads the silos' data.
            client.AddDashboard();
        });
        return builder;
    }

    /// <summary>Reporting store for the mode: SQLite reporting.db under the data folder, or the PostgreSQL database.</summary>
    public static IServiceCollection AddAcdReporting(this IServiceCollection services, AcdClusterOptions cluster, string dataPath,
        string? connectionString, bool withWriter, IConfiguration? configuration = null)
    {
        var section = configuration?.GetSection(ReportingOptions.Section);
        void Configure(ReportingOptions o) => section?.Bind(o);
        return cluster.Mode switch
        {
            ClusterMode.Embedded => services.AddAcdReporting(ReportingDatabase.Sqlite,
                SqliteReportingStore.ConnectionStringFor(Path.Combine(dataPath, EmbeddedStorageExtensions.ReportingFile)), withWriter, Configure),
            ClusterMode.Postgres => services.AddAcdReporting(ReportingDatabase.Postgres,
                RequireConnectionString(connectionString, null), withWriter, Configure),
            _ => throw new InvalidOperationException($"Unknown Cluster:Mode '{cluster.Mode}'."),
        };
    }

    private static string RequireConnectionString(string? connectionString, StorageOptions? storage) =>
        string.IsNullOrWhiteSpace(connectionString)
            ? throw new InvalidOperationException(
                $"Cluster:Mode is Postgres but no connection string is configured (ConnectionStrings:{storage?.ConnectionStringName ?? "Acd"}).")
            : connectionString;

    /// <summary>Clustering, grain storage, reminders and the dashboard for the chosen mode.</summary>
    public static ISiloBuilder UseAcdCluster(this ISiloBuilder silo, AcdClusterOptions cluster, string dataPath, string? connectionString)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.ServiceId = cluster.ServiceId;
        });

        switch (cluster.Mode)
        {
            case ClusterMode.Embedded:
                silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
                silo.UseAcdEmbeddedStorage(dataPath);
                break;
            case ClusterMode.Postgres:
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    throw new InvalidOperationException(
                        "Cluster:Mode is Postgres but no connection string is configured (ConnectionStrings:Acd).");
                }

                if (cluster.AdvertisedAddress is { } address)
                {
                    silo.ConfigureEndpoints(IPAddress.Parse(address), cluster.SiloPort, cluster.GatewayPort);
                }
                else
                {
                    // Advertise the host's own address (the pod IP on Kubernetes) and listen on all interfaces.
                    silo.ConfigureEndpoints(cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
                }

                if (cluster.KubernetesHosting)
                {
                    silo.UseKubernetesHosting();
                }

                silo.UseAdoNetClustering(o =>
                {
                    o.Invariant = NpgsqlInvariant;
                    o.ConnectionString = connectionString;
                });
                silo.AddAdoNetGrainStorage(AcdStorage.GrainState, (OptionsBuilder<AdoNetGrainStorageOptions> options) =>
                    options.Configure<Serializer>((o, serializer) =>
                    {
                        o.Invariant = NpgsqlInvariant;
                        o.ConnectionString = connectionString;
                        o.GrainStorageSerializer = AcdGrainStateSerializer.Create(serializer);
                    }));
                silo.UseAdoNetReminderService(o =>
                {
                    o.Invariant = NpgsqlInvariant;
                    o.ConnectionString = connectionString;
                });
                break;
            default:
                throw new InvalidOperationException($"Unknown Cluster:Mode '{cluster.Mode}'.");
        }

        silo.AddDashboard();
        return silo;
    }

    public static string ResolveDataPath(StorageOptions storage, IHostEnvironment environment) =>
        Path.GetFullPath(Path.IsPathRooted(storage.DataPath)
            ? storage.DataPath
            : Path.Combine(environment.ContentRootPath, storage.DataPath));
}

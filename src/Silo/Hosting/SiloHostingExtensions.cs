using System.Net;
using Acd.Grains.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Hosting;

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
        var cluster = builder.Configuration.GetSection(AcdClusterOptions.Section).Get<AcdClusterOptions>() ?? new();
        var storage = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new();
        builder.Services.Configure<AcdClusterOptions>(builder.Configuration.GetSection(AcdClusterOptions.Section));
        builder.Services.Configure<StorageOptions>(builder.Configuration.GetSection(StorageOptions.Section));
        builder.Services.AddAcdGrainServices();

        var dataPath = ResolveDataPath(storage, builder.Environment);
        var connectionString = builder.Configuration.GetConnectionString(storage.ConnectionStringName);
        builder.UseOrleans(silo => silo.UseAcdCluster(cluster, dataPath, connectionString));
        return builder;
    }

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

                silo.ConfigureEndpoints(
                    cluster.AdvertisedAddress is { } address ? IPAddress.Parse(address) : null!,
                    cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: cluster.AdvertisedAddress is null);
                silo.UseAdoNetClustering(o =>
                {
                    o.Invariant = NpgsqlInvariant;
                    o.ConnectionString = connectionString;
                });
                silo.AddAdoNetGrainStorage(AcdStorage.GrainState, o =>
                {
                    o.Invariant = NpgsqlInvariant;
                    o.ConnectionString = connectionString;
                });
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

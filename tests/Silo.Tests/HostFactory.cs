using System.Net;
using System.Net.Sockets;
using Acd.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Acd.Silo.Tests;

/// <summary>Builds real product hosts (AddAcdSilo / AddAcdCluster) from in-memory configuration.</summary>
internal static class HostFactory
{
    public static IHost Embedded(string dataPath, string serviceId = "acd-test") => Build(new Dictionary<string, string?>
    {
        ["Cluster:Mode"] = "Embedded",
        ["Cluster:ClusterId"] = "embedded-" + serviceId,
        ["Cluster:ServiceId"] = serviceId,
        ["Cluster:SiloPort"] = FreePort().ToString(),
        ["Cluster:GatewayPort"] = FreePort().ToString(),
        ["Storage:DataPath"] = dataPath,
        ["Reporting:FlushInterval"] = "00:00:00.050",
    }, cluster: false);

    public static IHost PostgresSilo(string connectionString, string clusterId) => Build(new Dictionary<string, string?>
    {
        ["Cluster:Mode"] = "Postgres",
        ["Cluster:ClusterId"] = clusterId,
        ["Cluster:ServiceId"] = "acd-test",
        ["Cluster:SiloPort"] = FreePort().ToString(),
        ["Cluster:GatewayPort"] = FreePort().ToString(),
        ["Cluster:AdvertisedAddress"] = "127.0.0.1",
        ["ConnectionStrings:Acd"] = connectionString,
        ["Reporting:FlushInterval"] = "00:00:00.050",
    }, cluster: true);

    public static IHost PostgresClient(string connectionString, string clusterId) => Build(new Dictionary<string, string?>
    {
        ["Cluster:Mode"] = "Postgres",
        ["Cluster:CoHostSilo"] = "false",
        ["Cluster:ClusterId"] = clusterId,
        ["Cluster:ServiceId"] = "acd-test",
        ["ConnectionStrings:Acd"] = connectionString,
    }, cluster: true);

    private static IHost Build(Dictionary<string, string?> settings, bool cluster)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (cluster)
        {
            builder.AddAcdCluster();
        }
        else
        {
            builder.AddAcdSilo();
        }

        return builder.Build();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

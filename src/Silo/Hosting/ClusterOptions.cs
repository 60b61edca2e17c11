namespace Acd.Silo.Hosting;

public enum ClusterMode
{
    /// <summary>One process: co-hosted silo, localhost clustering, SQLite files under <see cref="StorageOptions.DataPath"/>.</summary>
    Embedded = 0,
    /// <summary>Many silos: Orleans ADO.NET clustering, grain storage and reminders on PostgreSQL.</summary>
    Postgres,
}

/// <summary>Configuration section "Cluster".</summary>
public sealed class AcdClusterOptions
{
    public const string Section = "Cluster";

    public ClusterMode Mode { get; set; } = ClusterMode.Embedded;

    public string ClusterId { get; set; } = "acd";

    public string ServiceId { get; set; } = "acd";

    /// <summary>Silo-to-silo port. Each silo on one machine needs its own.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client gateway port (0 = no gateway).</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Address advertised to other silos; defaults to loopback in embedded mode, the host's address otherwise.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Whether this web host runs a silo itself (true) or connects to silos as a client (false). Cluster mode only.</summary>
    public bool CoHostSilo { get; set; } = true;

    /// <summary>
    /// How long a stopping host may take: a silo leaves the membership table, deactivates its grains (their state is
    /// already stored) and flushes the reporting writer. Keep it below the pod's terminationGracePeriodSeconds.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>
    /// Silos only: Orleans' Kubernetes integration (pod name as silo name, pod IP, cluster/service ids from the pod's
    /// orleans/* labels, and silos whose pods are gone declared dead at once instead of after missed probes).
    /// Needs POD_NAME, POD_NAMESPACE and POD_IP from the downward API and a role to read pods (k8s/base/rbac.yaml).
    /// </summary>
    public bool KubernetesHosting { get; set; }
}

/// <summary>Configuration section "Storage".</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Folder for the embedded SQLite files (grain state, reminders, reporting). Relative paths resolve against the content root.</summary>
    public string DataPath { get; set; } = "data";

    /// <summary>Name of the connection string (ConnectionStrings:...) used in Postgres mode.</summary>
    public string ConnectionStringName { get; set; } = "Acd";
}

using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Acd.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Acd.Cluster.Tests;

/// <summary>
/// The local cluster of ./cluster.sh, as the test's own processes: a private PostgreSQL (schema applied with the product's
/// `setup-database` command), three silos and two frontends (Orleans clients with SIP edges), all on 127.0.0.1.
/// The test itself is an Orleans client too, for the management grain (where grains live, which silos are active).
/// Logs go to artifacts/test-results/cluster/ and stay after the run.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const string AdminPassword = "cluster-admin-1";
    public const string SipPassword = "sip-secret-1";
    private const string ServiceId = "acd-cluster-test";

    private readonly PostgresServer _postgres = new();
    private readonly List<NodeProcess> _silos = [];
    private readonly List<NodeProcess> _frontends = [];
    private readonly List<int> _siloPorts = [];
    private IHost? _client;
    private string? _adminToken;

    public string ClusterId { get; } = "c" + Guid.NewGuid().ToString("N")[..8];

    public string ConnectionString { get; private set; } = "";

    public string LogDirectory { get; } = Path.Combine(NodeProcess.RepositoryRoot, "artifacts", "test-results", "cluster",
        DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));

    public IReadOnlyList<NodeProcess> Silos => _silos;

    public IReadOnlyList<NodeProcess> Frontends => _frontends;

    /// <summary>SIP port (UDP and TCP) of each frontend.</summary>
    public List<int> SipPorts { get; } = [];

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(15) };

    /// <summary>
    /// The sum over <paramref name="nodes"/> of a Prometheus series from their /metrics (each silo counts what its grains
    /// did), over the samples whose labels contain <paramref name="labels"/>.
    /// </summary>
    public async Task<double> MetricSumAsync(IEnumerable<NodeProcess> nodes, string name, string labels)
    {
        double sum = 0;
        foreach (var node in nodes)
        {
            var text = await Http.GetStringAsync(node.BaseUrl + "/metrics");
            foreach (var line in text.Split('\n'))
            {
                if (line.StartsWith(name + "{", StringComparison.Ordinal) && line.Contains(labels, StringComparison.Ordinal))
                {
                    // name{labels} value [timestamp]
                    var value = line[(line.IndexOf("} ", StringComparison.Ordinal) + 2)..].Split(' ')[0];
                    sum += double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }

        return sum;
    }

    public IClusterClient Orleans => _client!.Services.GetRequiredService<IClusterClient>();

    public async Task InitializeAsync()
    {
        _ = Sipp.Executable; // fail fast with the install hint
        Directory.CreateDirectory(LogDirectory);
        await _postgres.InitializeAsync();
        ConnectionString = await _postgres.CreateEmptyDatabaseAsync("cluster");

        // The documented schema step, exactly as an operator (or the k8s init container) runs it.
        await using (var setup = new NodeProcess("setup-database", NodeProcess.SiloDll, SiloEnvironment(0, 0, 0), LogDirectory, 0))
        {
            await setup.RunToEndAsync(["setup-database"], TimeSpan.FromSeconds(60));
        }

        for (var i = 0; i < 3; i++)
        {
            var siloPort = Sipp.FreeTcpPort();
            _siloPorts.Add(siloPort);
            var http = Sipp.FreeTcpPort();
            _silos.Add(new NodeProcess($"silo{i}", NodeProcess.SiloDll, SiloEnvironment(siloPort, Sipp.FreeTcpPort(), http), LogDirectory, http));
        }

        foreach (var silo in _silos)
        {
            silo.Start();
        }

        await Task.WhenAll(_silos.Select(s => s.WaitHealthyAsync(Http, "/health/ready", TimeSpan.FromSeconds(90))));

        for (var i = 0; i < 2; i++)
        {
            var sip = Sipp.FreeUdpAndTcpPort();
            SipPorts.Add(sip);
            var http = Sipp.FreeTcpPort();
            _frontends.Add(new NodeProcess($"frontend{i}", NodeProcess.FrontendDll, FrontendEnvironment(i, sip, http), LogDirectory, http));
        }

        foreach (var frontend in _frontends)
        {
            frontend.Start();
        }

        await Task.WhenAll(_frontends.Select(f => f.WaitHealthyAsync(Http, "/health/ready", TimeSpan.FromSeconds(90))));

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = ClusterId;
                o.ServiceId = ServiceId;
            });
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = ConnectionString;
            });
        });
        _client = builder.Build();
        await _client.StartAsync();
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_client is not null)
            {
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _client.StopAsync(stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                _client.Dispose();
            }
        }
        finally
        {
            // Kill every process even when something above failed: nothing may outlive the test run.
            foreach (var node in _frontends.Concat(_silos))
            {
                await node.DisposeAsync();
            }

            Http.Dispose();
            await _postgres.DisposeAsync();
        }
    }

    private Dictionary<string, string> Common(int httpPort) => new()
    {
        ["Cluster__Mode"] = "Postgres",
        ["Cluster__ClusterId"] = ClusterId,
        ["Cluster__ServiceId"] = ServiceId,
        ["ConnectionStrings__Acd"] = ConnectionString,
        ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}",
        ["DOTNET_ENVIRONMENT"] = "Production",
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["Reporting__FlushInterval"] = "00:00:00.100",
        ["Logging__LogLevel__Default"] = "Information",
        ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
        ["Logging__LogLevel__Orleans"] = "Warning",
        ["Logging__LogLevel__Polly"] = "Warning",
        ["Logging__LogLevel__Orleans.Runtime.MembershipService"] = "Information",
        ["Logging__Console__FormatterName"] = "simple",
        ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
    };

    private Dictionary<string, string> SiloEnvironment(int siloPort, int gatewayPort, int httpPort)
    {
        var env = Common(httpPort);
        env["Cluster__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture);
        env["Cluster__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture);
        env["Cluster__AdvertisedAddress"] = "127.0.0.1";
        return env;
    }

    private Dictionary<string, string> FrontendEnvironment(int index, int sipPort, int httpPort)
    {
        var env = Common(httpPort);
        env["Cluster__CoHostSilo"] = "false";
        env["Auth__SigningKey"] = Convert.ToBase64String("cluster-test-signing-key-32-bytes!!"u8.ToArray());
        env["Bootstrap__AdminPassword"] = AdminPassword;
        env["RateLimits__Api__PermitLimit"] = "100000";
        env["RateLimits__Auth__PermitLimit"] = "10000";
        env["Sip__ListenAddress"] = "127.0.0.1";
        env["Sip__UdpPort"] = sipPort.ToString(CultureInfo.InvariantCulture);
        env["Sip__TcpPort"] = sipPort.ToString(CultureInfo.InvariantCulture);
        env["Sip__Domain"] = "127.0.0.1";
        env["Sip__EdgeId"] = $"frontend{index}";
        env["Sip__TrunkAllowList__0"] = "127.0.0.1/32";
        foreach (var (key, value) in MediaPorts.Settings("Media__"))
        {
            env[key] = value!;
        }

        return env;
    }

    /// <summary>Which silo process (index) listens on the silo port of <paramref name="address"/>.</summary>
    public int SiloIndexOf(SiloAddress address) => _siloPorts.IndexOf(address.Endpoint.Port);

    // ---- REST API (as admin, through frontend 0 unless told otherwise) ---------------------------------------

    public async Task<string> TokenAsync(string username, string password, int frontend = 0)
    {
        using var response = await Http.PostAsJsonAsync($"{_frontends[frontend].BaseUrl}/api/v1/auth/token", new { username, password });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("accessToken").GetString()!;
    }

    public async Task<JsonElement> ApiAsync(HttpMethod method, string path, object? body = null, int frontend = 0)
    {
        _adminToken ??= await TokenAsync("admin", AdminPassword, frontend);
        using var request = new HttpRequestMessage(method, $"{_frontends[frontend].BaseUrl}/api/v1{path}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _adminToken);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>A queue with one number, longest-idle routing, no wrap-up; returns (queue id, number).</summary>
    public async Task<(string QueueId, string Number)> CreateQueueAsync(string prefix, int ringTimeoutSeconds)
    {
        var id = $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";
        var number = "8" + Random.Shared.Next(1_000_000, 9_999_999).ToString(CultureInfo.InvariantCulture);
        await ApiAsync(HttpMethod.Post, "/queues", new { id, name = id, numbers = new[] { number }, ringTimeoutSeconds, wrapUpSeconds = 0 });
        return (id, number);
    }

    /// <summary>An agent of the queue with a phone (SIPp: digest REGISTER, then a UAS that answers every call) on
    /// <paramref name="frontend"/>, logged in and Ready.</summary>
    public async Task<(string AgentId, Sipp Phone)> CreateAgentAsync(string queueId, int frontend)
    {
        var id = $"a{Guid.NewGuid().ToString("N")[..8]}";
        await ApiAsync(HttpMethod.Post, "/agents", new
        {
            id,
            name = "Agent " + id,
            password = "agent-pass-1",
            extension = Random.Shared.Next(100, 999).ToString(CultureInfo.InvariantCulture),
            sipPassword = SipPassword,
            queues = new[] { queueId },
        });
        var port = Sipp.FreeUdpPort();
        await using (var register = Sipp.Start($"register-{id}", "register.xml", SipPorts[frontend], port, id, LogDirectory,
                         ["-au", id, "-ap", SipPassword, "-set", "expires", "3600", "-m", "1", "-timeout", "20s", "-timeout_error"]))
        {
            Assert.True(await register.WaitForExitAsync(TimeSpan.FromSeconds(30)) == 0, $"REGISTER of {id} failed:\n{register.Output()}");
        }

        await Eventually(async () => (await AgentAsync(id)).GetProperty("phoneRegistered").GetBoolean(), $"{id}'s phone registered",
            TimeSpan.FromSeconds(15));
        var phone = Sipp.Start($"phone-{id}", "agent-uas.xml", SipPorts[frontend], port, id, LogDirectory, []);
        await ApiAsync(HttpMethod.Post, $"/agents/{id}/login");
        await ApiAsync(HttpMethod.Post, $"/agents/{id}/ready");
        return (id, phone);
    }

    /// <summary>An agent of the queue with a SIP password but no phone yet (the test registers one its own way).</summary>
    public async Task<string> CreateAgentWithoutPhoneAsync(string queueId)
    {
        var id = $"a{Guid.NewGuid().ToString("N")[..8]}";
        await ApiAsync(HttpMethod.Post, "/agents", new
        {
            id,
            name = "Agent " + id,
            password = "agent-pass-1",
            extension = Random.Shared.Next(100, 999).ToString(CultureInfo.InvariantCulture),
            sipPassword = SipPassword,
            queues = new[] { queueId },
        });
        return id;
    }

    public Task<JsonElement> AgentAsync(string agentId) => ApiAsync(HttpMethod.Get, $"/agents/{agentId}");

    public async Task<IReadOnlyList<CallRow>> CallsAsync(string queueId)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT call_id, status, disposition, ani, agent_id, queued_at_ms, offered_at_ms, connected_at_ms, ended_at_ms " +
            "FROM calls WHERE queue_id = @q", connection);
        command.Parameters.AddWithValue("q", queueId);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<CallRow>();
        while (await reader.ReadAsync())
        {
            long? At(int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);
            rows.Add(new CallRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), At(5), At(6), At(7), At(8)));
        }

        return rows;
    }

    /// <summary>Status of each silo in the membership table (3 = Active, 6 = Dead), by silo port.</summary>
    public async Task<Dictionary<int, int>> MembershipAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT port, status, startTime FROM OrleansMembershipTable WHERE DeploymentId = @c ORDER BY startTime", connection);
        command.Parameters.AddWithValue("c", ClusterId);
        await using var reader = await command.ExecuteReaderAsync();
        var result = new Dictionary<int, int>();
        while (await reader.ReadAsync())
        {
            result[reader.GetInt32(0)] = reader.GetInt32(1); // the newest generation on a port wins
        }

        return result;
    }

    public int SiloPort(int index) => _siloPorts[index];

    public static async Task Eventually(Func<Task<bool>> condition, string what, TimeSpan timeout, Func<Task<string>>? describe = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                // e.g. a request that hit a node while it restarted: try again until the deadline.
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds} s waiting for {what}.{(describe is null ? "" : "\n" + await describe())}");
            }

            await Task.Delay(200);
        }
    }
}

public sealed record CallRow(string CallId, string Status, string Disposition, string? Ani, string? AgentId, long? QueuedAt, long? OfferedAt,
    long? ConnectedAt, long? EndedAt);

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

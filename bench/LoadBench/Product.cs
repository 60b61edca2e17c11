using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Acd.LoadBench;

/// <summary>The ACD built in Release and run as its own process in embedded mode (co-hosted silo, SQLite in a temp folder).</summary>
public sealed class Product : IAsyncDisposable
{
    public const string AdminPassword = "bench-admin-pass-1";
    public const string AgentPassword = "bench-agent-pass-1";
    public const string SipPassword = "bench-sip-secret";

    private readonly Process _process;
    private readonly string _dataPath;

    private Product(Process process, string dataPath, Uri baseAddress, int sipPort)
    {
        _process = process;
        _dataPath = dataPath;
        BaseAddress = baseAddress;
        SipPort = sipPort;
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri BaseAddress { get; }

    public int SipPort { get; }

    public HttpClient Http { get; }

    public int Pid => _process.Id;

    /// <summary>Builds src/Frontend in Release into its own artifacts folder (never the developer's bin/obj).</summary>
    public static async Task<string> BuildAsync(string sourceRoot, string artifacts)
    {
        Console.WriteLine($"building the product (Release) from {sourceRoot} into {artifacts} ...");
        var code = await Processes.RunInAsync(sourceRoot, "dotnet", "build", Path.Combine("src", "Frontend", "Frontend.csproj"), "-c", "Release",
            "--artifacts-path", artifacts, "-p:SkipClientApp=true", "-nologo", "-v", "q");
        var exe = Path.Combine(artifacts, "bin", "Frontend", "release", "Acd.Frontend");
        if (code != 0 || !File.Exists(exe))
        {
            throw new InvalidOperationException($"the product build failed (exit {code}); run the same dotnet build by hand to see why.");
        }

        return exe;
    }

    public static async Task<Product> StartAsync(string exe, int sipPort, string workDir)
    {
        var dataPath = Path.Combine(workDir, "product-data");
        Directory.CreateDirectory(dataPath);
        var httpPort = FreeTcpPort();
        var info = new ProcessStartInfo(exe)
        {
            WorkingDirectory = Path.GetDirectoryName(exe)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var env = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Storage__DataPath"] = dataPath,
            ["Cluster__SiloPort"] = FreeTcpPort().ToString(CultureInfo.InvariantCulture),
            ["Cluster__GatewayPort"] = FreeTcpPort().ToString(CultureInfo.InvariantCulture),
            ["Sip__ListenAddress"] = "127.0.0.1",
            ["Sip__UdpPort"] = sipPort.ToString(CultureInfo.InvariantCulture),
            ["Sip__TcpPort"] = sipPort.ToString(CultureInfo.InvariantCulture),
            ["Sip__Domain"] = "127.0.0.1",
            ["Sip__EdgeId"] = "bench",
            ["Sip__TrunkAllowList__0"] = "127.0.0.1/32",
            ["Bootstrap__AdminPassword"] = AdminPassword,
            // Thousands of agents are created and signed in through the API: the 210,000-iteration default and the
            // per-address auth limit exist against password guessing, not for a provisioning script on loopback.
            ["Auth__PasswordIterations"] = "1000",
            ["RateLimits__Auth__PermitLimit"] = "1000000",
            ["RateLimits__Api__PermitLimit"] = "1000000",
            ["Logging__LogLevel__Default"] = Environment.GetEnvironmentVariable("ACD_BENCH_LOGLEVEL") ?? "Warning",
            ["Logging__LogLevel__Orleans"] = "Error",
            ["DOTNET_gcServer"] = "0",
        };
        foreach (var (key, value) in env)
        {
            info.Environment[key] = value;
        }

        var log = new StreamWriter(Path.Combine(workDir, "product.log")) { AutoFlush = true };
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the product");
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var product = new Product(process, dataPath, new Uri($"http://127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}/"), sipPort);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the product exited at start (code {process.ExitCode}); see {workDir}/product.log");
            }

            try
            {
                if ((await product.Http.GetAsync("health/ready")).IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the product did not become ready within 60 s");
            }

            await Task.Delay(250);
        }

        var token = await product.TokenAsync("admin", AdminPassword);
        product.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return product;
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
        }
    }

    public async Task<string> TokenAsync(string username, string password)
    {
        using var response = await Http.PostAsJsonAsync("api/v1/auth/token", new { username, password });
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("accessToken").GetString()!;
    }

    public async Task CreateQueueAsync(string id, string number)
    {
        using var response = await Http.PostAsJsonAsync("api/v1/queues", new
        {
            id,
            name = "Bench queue",
            numbers = new[] { number },
            strategy = "longestIdle",
            wrapUpSeconds = 0,
            ringTimeoutSeconds = 10,
            maxWaitSeconds = 60,
        });
        await Ensure(response, $"create queue {id}");
    }

    /// <summary>Creates, logs in agents in parallel; bounded so the API, not the client, sets the pace.</summary>
    public Task CreateAgentsAsync(IReadOnlyList<string> ids, params string[] queueIds) =>
        Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, _) =>
        {
            using (var created = await Http.PostAsJsonAsync("api/v1/agents", new
            {
                id,
                name = $"Bench {id}",
                password = AgentPassword,
                sipPassword = SipPassword,
                queues = queueIds,
            }))
            {
                await Ensure(created, $"create agent {id}");
            }

            using var login = await Http.PostAsync($"api/v1/agents/{id}/login", null);
            await Ensure(login, $"log in agent {id}");
        });

    /// <summary>
    /// Brings every agent back to Ready: hangs up calls left over from an unclean step (a caller that gave up sends no
    /// CANCEL the ACD could see, and UDP legs have no session timer yet) and sets Ready those that are not.
    /// </summary>
    public async Task<int> ReadyAllAsync()
    {
        var agents = await Http.GetFromJsonAsync<JsonElement>("api/v1/agents");
        var fixes = 0;
        var todo = agents.EnumerateArray().Select(a => (Id: a.GetProperty("id").GetString()!, Status: a.GetProperty("status").GetString()!,
            Call: a.TryGetProperty("callId", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null))
            .Where(a => a.Status != "ready").ToList();
        await Parallel.ForEachAsync(todo, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (a, _) =>
        {
            Interlocked.Increment(ref fixes);
            if (a.Call is not null)
            {
                (await Http.PostAsync($"api/v1/calls/{a.Call}/hangup", null)).Dispose();
            }

            if (a.Status == "loggedOut")
            {
                (await Http.PostAsync($"api/v1/agents/{a.Id}/login", null)).Dispose();
            }

            (await Http.PostAsync($"api/v1/agents/{a.Id}/ready", null)).Dispose();
        });
        return fixes;
    }

    public async Task<Dictionary<string, int>> StatusCountsAsync()
    {
        var agents = await Http.GetFromJsonAsync<JsonElement>("api/v1/agents");
        return agents.EnumerateArray().GroupBy(a => a.GetProperty("status").GetString()!).ToDictionary(g => g.Key, g => g.Count());
    }

    public async Task<int> WaitingAsync(string queueId) =>
        (await Http.GetFromJsonAsync<JsonElement>($"api/v1/queues/{queueId}/stats")).GetProperty("waiting").GetInt32();

    private static async Task Ensure(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{what}: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Resident set size of the product process, bytes.</summary>
    public long RssBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    /// <summary>User + system CPU time of the product process, ms (utime and stime of /proc/pid/stat, in clock ticks of 10 ms).</summary>
    public double CpuMs()
    {
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        // The command name (field 2) may hold spaces; count fields from after its closing parenthesis.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks * 10.0;
    }

    /// <summary>Bytes the product process has caused to be written to storage (write_bytes of /proc/pid/io): state and reporting.</summary>
    public long WrittenBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/io"))
        {
            if (line.StartsWith("write_bytes:", StringComparison.Ordinal))
            {
                return long.Parse(line["write_bytes:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_dataPath, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

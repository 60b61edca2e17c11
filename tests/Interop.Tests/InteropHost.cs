using System.Globalization;
using Acd.Accounts;
using Acd.Agents;
using Acd.Calls;
using Acd.Catalog;
using Acd.Frontend.Hosting;
using Acd.SipEdge.Hosting;
using Acd.SipEdge.Registration;
using Acd.Reporting.Queries;
using Acd.Queues;
using Acd.Silo.Hosting;
using Acd.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans;

namespace Acd.Interop.Tests;

/// <summary>
/// A real frontend with the SIP edge on an embedded silo, with the product's DEFAULT SIP settings: only the addresses
/// and ports a test needs (SIP on 127.0.0.1, a free UDP+TCP port, Kestrel on an ephemeral port for /sip) and the digest
/// realm 127.0.0.1. No trunk allow-list, no web callers, no digest algorithm list: every peer here authenticates with the
/// edge's default challenge. A derived host adds the few settings its peer needs (<see cref="Configure"/>).
/// </summary>
public class InteropHost : IAsyncLifetime
{
    public const string SipPassword = "sip-secret-1";

    public const string Domain = "127.0.0.1";

    private WebApplication? _app;

    public WebApplication App => _app ?? throw new InvalidOperationException("The host did not start.");

    public int SipPort { get; private set; }

    /// <summary>http://127.0.0.1:port of Kestrel (SIP over WebSocket at /sip).</summary>
    public Uri HttpAddress { get; private set; } = new("http://127.0.0.1/");

    public Uri WebSocketAddress => new($"ws://127.0.0.1:{HttpAddress.Port.ToString(CultureInfo.InvariantCulture)}/sip");

    public string DataPath { get; private set; } = "";

    /// <summary>The host's log (kept after the run for diagnosis).</summary>
    public string LogPath { get; private set; } = "";

    public IGrainFactory Grains => App.Services.GetRequiredService<IGrainFactory>();

    public SipEdgeService Edge => App.Services.GetRequiredService<SipEdgeService>();

    public async Task InitializeAsync()
    {
        DataPath = Path.Combine(Path.GetTempPath(), "acd-interop-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataPath);
        SipPort = LoopbackPorts.FreeUdpAndTcp();
        var settings = new Dictionary<string, string?>
        {
            ["Storage:DataPath"] = DataPath,
            ["Cluster:SiloPort"] = LoopbackPorts.FreeTcp().ToString(CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = LoopbackPorts.FreeTcp().ToString(CultureInfo.InvariantCulture),
            ["Cluster:ClusterId"] = "interop-" + Guid.NewGuid().ToString("N")[..8],
            ["Sip:ListenAddress"] = "127.0.0.1",
            ["Sip:UdpPort"] = SipPort.ToString(CultureInfo.InvariantCulture),
            ["Sip:TcpPort"] = SipPort.ToString(CultureInfo.InvariantCulture),
            ["Sip:Domain"] = Domain,
            ["Sip:EdgeId"] = "interop-edge",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Orleans"] = "Error",
            ["Logging:LogLevel:Acd.SipEdge"] = "Debug",
        };
        foreach (var (key, value) in MediaPorts.Settings())
        {
            settings[key] = value;
        }

        if (ServesDesktop)
        {
            settings["Auth:SigningKey"] = Convert.ToBase64String("interop-desktop-signing-key-0123456789"u8);
            settings["Auth:PasswordIterations"] = "1000";
            settings["Bootstrap:AdminPassword"] = "admin-pass-1";
        }

        Configure(settings);
        var builder = WebApplication.CreateBuilder(ServesDesktop
            ? new WebApplicationOptions
            {
                ContentRootPath = FrontendRoot,
                WebRootPath = Path.Combine(FrontendRoot, "wwwroot"),
                EnvironmentName = "Testing",
                ApplicationName = "Acd.Frontend",
            }
            : new WebApplicationOptions
            {
                ContentRootPath = DataPath,
                EnvironmentName = "Testing",
            });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        LogPath = Path.Combine(DataPath, "..", $"host-{Path.GetFileName(DataPath)}.log");
        builder.Logging.AddProvider(new FileLoggerProvider(LogPath));
        builder.AddAcdCluster();
        if (ServesDesktop)
        {
            builder.AddAcdFrontend();
        }

        builder.AddSipEdge();
        _app = builder.Build();
        if (ServesDesktop)
        {
            _app.UseAcdFrontend();
            _app.MapAcdFrontend();
        }

        _app.MapSipEdge();
        MapTestPages(_app);
        MapRoutes(_app);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        HttpAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        await OnStartedAsync();
    }

    /// <summary>
    /// Also runs the frontend (REST, SignalR, the agent desktop at /index.html), as the product's Program.cs does, for
    /// tests where the desktop's own browser phone is a peer.
    /// </summary>
    protected virtual bool ServesDesktop => false;

    /// <summary>src/Frontend of this repository (content and web root when the host serves the desktop).</summary>
    public static string FrontendRoot =>
        typeof(InteropHost).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .OfType<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "FrontendRoot")?.Value
        ?? throw new InvalidOperationException("The test assembly does not say where src/Frontend is.");

    /// <summary>
    /// An agent who signs in to the desktop with <paramref name="password"/> (and registers its browser phone with the SIP
    /// password), member of <paramref name="queueId"/>, logged out until the desktop signs in.
    /// </summary>
    public async Task<string> CreateDesktopAgentAsync(string queueId, string password)
    {
        var id = NewId("agent");
        var now = DateTimeOffset.UtcNow;
        var hash = App.Services.GetRequiredService<Acd.Frontend.Auth.PasswordHasher>().Hash(password);
        var created = await Grains.GetGrain<IUserAccountGrain>(id).CreateAsync(
            new UserAccount(id, hash, [Roles.Agent], id, null, false, now, now, AgentCredentialStore.HashSipPassword(id, Domain, SipPassword)));
        Assert.True(created.IsSuccess, created.ToString());
        Assert.True((await Grains.GetGrain<IAgentGrain>(id).ConfigureAsync(AgentProfile.Create($"Agent {id}",
            "1" + Random.Shared.Next(100, 999).ToString(CultureInfo.InvariantCulture), queues: [queueId]))).IsSuccess);
        await Grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).AddAgentAsync(id);
        return id;
    }

    /// <summary>Starts what a derived host runs beside the edge (a proxy in front of it), once the edge listens.</summary>
    protected virtual Task OnStartedAsync() => Task.CompletedTask;

    /// <summary>Stops what <see cref="OnStartedAsync"/> started.</summary>
    protected virtual ValueTask OnStoppingAsync() => ValueTask.CompletedTask;

    /// <summary>Settings a derived host adds (its peer's addresses); the defaults stay untouched otherwise.</summary>
    protected virtual void Configure(IDictionary<string, string?> settings)
    {
    }

    /// <summary>browser/dist of this project (the bundled stock JsSIP and SIP.js phones and their page).</summary>
    public static string BrowserDist =>
        typeof(InteropHost).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .OfType<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "BrowserDist")?.Value
        ?? throw new InvalidOperationException("The test assembly does not say where browser/dist is.");

    /// <summary>The test phones' page and bundles at /interop/ (same origin as /sip), from <see cref="BrowserDist"/>.</summary>
    private static void MapTestPages(WebApplication app) =>
        app.MapGet("/interop/{file}", (string file) =>
        {
            var type = Path.GetExtension(file) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".map" => "application/json",
                _ => null,
            };
            var path = Path.Combine(BrowserDist, Path.GetFileName(file));
            return type is not null && File.Exists(path) ? Results.File(path, type) : Results.NotFound();
        });

    /// <summary>Endpoints a derived host serves besides /sip.</summary>
    protected virtual void MapRoutes(WebApplication app)
    {
    }

    public async Task DisposeAsync()
    {
        await OnStoppingAsync();
        if (_app is null)
        {
            return;
        }

        try
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await _app.StopAsync(stopping.Token);
        }
        finally
        {
            await _app.DisposeAsync();
            try
            {
                Directory.Delete(DataPath, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>A queue with one dialled number; returns (queue id, number).</summary>
    public async Task<(string QueueId, string Number)> CreateQueueAsync(int ringTimeoutSeconds = 20, int wrapUpSeconds = 0)
    {
        var id = NewId("q");
        var number = "+49" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999).ToString(CultureInfo.InvariantCulture);
        var routed = await Grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).SetQueueAsync(id, [number]);
        Assert.True(routed.IsSuccess, routed.ToString());
        var configured = await Grains.GetGrain<IQueueGrain>(id).ConfigureAsync(
            QueueConfig.Create($"Queue {id}", [number], ringTimeoutSeconds: ringTimeoutSeconds, wrapUpSeconds: wrapUpSeconds));
        Assert.True(configured.IsSuccess, configured.ToString());
        return (id, number);
    }

    /// <summary>
    /// An agent account with a SIP password (stored as HA1 for the edge's realm, as the admin API stores it), member of
    /// <paramref name="queues"/>, logged in and Not Ready. With no queue it is just a SIP account to call from.
    /// </summary>
    public async Task<string> CreateAgentAsync(params string[] queues)
    {
        var id = NewId("agent");
        var now = DateTimeOffset.UtcNow;
        var created = await Grains.GetGrain<IUserAccountGrain>(id).CreateAsync(
            new UserAccount(id, "not-used", [Roles.Agent], id, null, false, now, now, AgentCredentialStore.HashSipPassword(id, Domain, SipPassword)));
        Assert.True(created.IsSuccess, created.ToString());
        var agent = Grains.GetGrain<IAgentGrain>(id);
        Assert.True((await agent.ConfigureAsync(AgentProfile.Create($"Agent {id}", "1" + Random.Shared.Next(100, 999).ToString(CultureInfo.InvariantCulture),
            queues: queues))).IsSuccess);
        await Grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).AddAgentAsync(id);
        Assert.True((await agent.LoginAsync()).IsSuccess);
        return id;
    }

    public async Task SetReadyAsync(string agentId) => Assert.True((await Grains.GetGrain<IAgentGrain>(agentId).SetReadyAsync()).IsSuccess);

    public Task<AgentSnapshot> AgentAsync(string agentId) => Grains.GetGrain<IAgentGrain>(agentId).GetAsync();

    /// <summary>Waits until the agent grain holds a device binding (the edge mirrors REGISTERs into it) and returns it.</summary>
    public async Task<DeviceBinding> RegisteredDeviceAsync(string agentId, int timeoutSeconds = 15)
    {
        DeviceBinding? device = null;
        await Eventually(async () =>
        {
            var devices = (await AgentAsync(agentId)).Devices;
            device = devices.IsDefaultOrEmpty ? null : devices[0];
            return device is not null;
        }, $"agent {agentId} to have a registered phone", timeoutSeconds);
        return device!;
    }

    /// <summary>The agent's call once it is connected (OnCall comes with the phone's 200, the bridge right after).</summary>
    public async Task<ICallGrain> ConnectedCallAsync(string agentId, int timeoutSeconds = 20)
    {
        await Eventually(async () => (await AgentAsync(agentId)) is { Status: AgentStatus.OnCall, CallId: { } id } &&
                                     (await Grains.GetGrain<ICallGrain>(id).GetAsync()).Status == CallStatus.Connected,
            $"agent {agentId} to be connected", timeoutSeconds);
        return Grains.GetGrain<ICallGrain>((await AgentAsync(agentId)).CallId!);
    }

    /// <summary>The queue's one call record once it has ended (the reporting writer batches, so poll).</summary>
    public async Task<CallRecord> EndedCallAsync(string? queueId = null, string? agentId = null)
    {
        var queries = App.Services.GetRequiredService<IReportingQueries>();
        CallRecord? record = null;
        await Eventually(async () =>
        {
            var page = await queries.GetCallsAsync(new CallHistoryQuery(QueueId: queueId, AgentId: agentId));
            record = page.Items.FirstOrDefault(c => c.Status == CallStatus.Ended);
            return record is not null;
        }, $"an ended call record (queue {queueId}, agent {agentId})");
        return record!;
    }

    public async Task WaitReleasedAsync(string callId) =>
        await Eventually(() => Task.FromResult(!Edge.IsCarrying(callId)), $"the edge to release call {callId}");

    /// <summary>The end of the host's log, for failure messages.</summary>
    public string LogTail(int maxChars = 8000)
    {
        try
        {
            var text = File.ReadAllText(LogPath);
            return text.Length > maxChars ? text[^maxChars..] : text;
        }
        catch (IOException)
        {
            return "";
        }
    }

    public static async Task Eventually(Func<Task<bool>> condition, string what, int timeoutSeconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what}.");
            }

            await Task.Delay(100);
        }
    }
}

/// <summary>Writes the host's log to a file (xunit does not show console output), so a failed run can be read back.</summary>
public sealed class FileLoggerProvider(string path) : ILoggerProvider
{
    private readonly Lock _gate = new();

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    public void Dispose()
    {
    }

    private void Write(string line)
    {
        lock (_gate)
        {
            File.AppendAllText(path, line + Environment.NewLine);
        }
    }

    private sealed class FileLogger(FileLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Write($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel,-11} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
    }
}

/// <summary>The host with the product's defaults, shared by the tests of the peers that need nothing else.</summary>
[CollectionDefinition(Name)]
public sealed class DefaultsCollection : ICollectionFixture<InteropHost>
{
    public const string Name = "interop-defaults";
}

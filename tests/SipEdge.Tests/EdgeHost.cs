using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Acd.Accounts;
using Acd.Agents;
using Acd.Calls;
using Acd.Catalog;
using Acd.SipEdge.Hosting;
using Acd.SipEdge.Registration;
using Acd.Queues;
using Acd.Reporting.Queries;
using Acd.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans;

using Acd.Testing;

namespace Acd.SipEdge.Tests;

/// <summary>
/// A real frontend host for the SIP edge: Kestrel on 127.0.0.1 (ephemeral port), SIP UDP+TCP on a free loopback port and TLS on another,
/// embedded silo with a temp data folder. Shared by the tests of the collection; each test uses its own queue and agents.
/// </summary>
public class EdgeHost : IAsyncLifetime
{
    public const string SipPassword = "sip-secret-1";

    private string _dataPath = "";

    private WebApplication? _app;

    public WebApplication App => _app ?? throw new InvalidOperationException("The host did not start.");

    public int SipPort { get; private set; }

    /// <summary>The edge's SIP over TLS port (Sip:TlsPort), with a certificate for 127.0.0.1 issued by <see cref="Certificates"/>' CA.</summary>
    public int TlsPort { get; private set; }

    /// <summary>The throwaway CA and server certificate of the TLS listener: clients trust <see cref="TestCertificates.Authority"/>.</summary>
    public TestCertificates Certificates { get; } = TestCertificates.Create("edge test");

    /// <summary>The CA of <see cref="Certificates"/> as a PEM file (for Sip:Tls:CaPath or a peer's trust list).</summary>
    public string AuthorityPath { get; private set; } = "";

    /// <summary>UDP port of the outbound trunk (Sip:OutboundTrunk), where a test starts its SIPp "carrier".</summary>
    public int TrunkPort { get; private set; }

    public const string TrunkUser = "acd-trunk";

    public const string TrunkPassword = "trunk-secret";

    /// <summary>
    /// The host's sounds folder (Media:SoundsPath): a copy of the shipped one plus <see cref="TestMusic"/>, hold music
    /// that is one steady tone of <see cref="TestMusicHz"/>, so a test can tell a queue's own music from the default.
    /// </summary>
    public string SoundsPath { get; private set; } = "";

    public const string TestMusic = "test-tone.wav";

    public const double TestMusicHz = 700;

    /// <summary>The host's log (kept after the run for diagnosis).</summary>
    public string LogPath { get; private set; } = "";

    public IGrainFactory Grains => App.Services.GetRequiredService<IGrainFactory>();

    /// <summary>The host's HTTP address (Kestrel on an ephemeral loopback port): /metrics.</summary>
    public Uri HttpAddress => new(App.Urls.First());

    public SipEdgeService Edge => App.Services.GetRequiredService<SipEdgeService>();

    /// <summary>Whether calls' media go through the edge's engine (the default) or pass between the phones (Media:Mode=direct).</summary>
    public bool Anchored => Edge.Media.IsAnchoring;

    public async Task InitializeAsync()
    {
        _ = Sipp.Executable; // fail fast with the install hint
        _dataPath = Path.Combine(Path.GetTempPath(), "acd-edge-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dataPath);
        SipPort = LoopbackPorts.FreeUdpAndTcp();
        TlsPort = LoopbackPorts.FreeTcp();
        TrunkPort = Sipp.FreeUdpPort();
        SoundsPath = Path.Combine(_dataPath, "sounds");
        CopyFolder(Acd.SipEdge.Announcements.SoundLibrary.ShippedRoot, SoundsPath);
        File.WriteAllBytes(Path.Combine(SoundsPath, "music", TestMusic), Acd.SipEdge.Tests.Announcements.Tones.Wav((TestMusicHz, 4)));
        var (tlsCertificate, tlsKey, authority) = Certificates.WritePem(Path.Combine(_dataPath, "tls"));
        AuthorityPath = authority;
        var settings = new Dictionary<string, string?>
        {
            ["Storage:DataPath"] = _dataPath,
            ["Cluster:SiloPort"] = LoopbackPorts.FreeTcp().ToString(CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = LoopbackPorts.FreeTcp().ToString(CultureInfo.InvariantCulture),
            ["Cluster:ClusterId"] = "edge-test-" + Guid.NewGuid().ToString("N")[..8],
            ["Sip:ListenAddress"] = "127.0.0.1",
            ["Sip:UdpPort"] = SipPort.ToString(CultureInfo.InvariantCulture),
            ["Sip:TcpPort"] = SipPort.ToString(CultureInfo.InvariantCulture),
            ["Sip:TlsPort"] = TlsPort.ToString(CultureInfo.InvariantCulture),
            ["Sip:Tls:CertificatePath"] = tlsCertificate,
            ["Sip:Tls:KeyPath"] = tlsKey,
            // Phones on TLS get SDES-SRTP; nobody else may (the SRTP tests check both).
            ["Sip:SrtpOverTls"] = "true",
            ["Sip:Domain"] = "127.0.0.1",
            ["Sip:EdgeId"] = "edge-test",
            ["Sip:TrunkAllowList:0"] = "127.0.0.1/32",
            ["Sip:OutboundTrunk:Host"] = $"127.0.0.1:{TrunkPort.ToString(CultureInfo.InvariantCulture)}",
            ["Sip:OutboundTrunk:Username"] = TrunkUser,
            ["Sip:OutboundTrunk:Password"] = TrunkPassword,
            ["Media:SoundsPath"] = SoundsPath,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Orleans"] = "Error",
            ["Logging:LogLevel:Acd.SipEdge"] = "Information",
        };
        foreach (var (key, value) in MediaPorts.Settings())
        {
            settings[key] = value;
        }

        Configure(settings);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = _dataPath,
            EnvironmentName = "Testing",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        LogPath = Path.Combine(_dataPath, "..", $"host-{Path.GetFileName(_dataPath)}.log");
        builder.Logging.AddProvider(new FileLoggerProvider(LogPath));
        builder.AddAcdCluster();
        builder.AddSipEdge();
        builder.AddAcdTelemetry("acd-edge-test");
        _app = builder.Build();
        _app.MapSipEdge();
        _app.MapPrometheusScrapingEndpoint("/metrics");
        await _app.StartAsync();
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>Settings a derived host changes (another collection, another host).</summary>
    protected virtual void Configure(IDictionary<string, string?> settings)
    {
    }

    public async Task DisposeAsync()
    {
        Certificates.Dispose();
        if (_app is null)
        {
            return; // never started (e.g. SIPp missing): the tests already failed with the reason
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
                Directory.Delete(_dataPath, recursive: true);
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
    public async Task<(string QueueId, string Number)> CreateQueueAsync(int ringTimeoutSeconds, int wrapUpSeconds = 0, string? holdMusic = null,
        int announceSeconds = QueueConfig.DefaultAnnounceSeconds)
    {
        var id = NewId("q");
        var number = "+49" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999).ToString(CultureInfo.InvariantCulture);
        var routed = await Grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).SetQueueAsync(id, [number]);
        Assert.True(routed.IsSuccess, routed.ToString());
        var configured = await Grains.GetGrain<IQueueGrain>(id).ConfigureAsync(
            QueueConfig.Create($"Queue {id}", [number], ringTimeoutSeconds: ringTimeoutSeconds, wrapUpSeconds: wrapUpSeconds,
                holdMusic: holdMusic, announceSeconds: announceSeconds));
        Assert.True(configured.IsSuccess, configured.ToString());
        return (id, number);
    }

    /// <summary>An agent of the queue with SIP credentials, logged in (Not Ready until the test says otherwise).</summary>
    public async Task<string> CreateAgentAsync(string queueId, params string[] moreQueues)
    {
        var id = NewId("agent");
        var now = DateTimeOffset.UtcNow;
        var created = await Grains.GetGrain<IUserAccountGrain>(id).CreateAsync(
            new UserAccount(id, "not-used", [Roles.Agent], id, null, false, now, now, AgentCredentialStore.HashSipPassword(id, "127.0.0.1", SipPassword)));
        Assert.True(created.IsSuccess, created.ToString());
        var agent = Grains.GetGrain<IAgentGrain>(id);
        Assert.True((await agent.ConfigureAsync(AgentProfile.Create($"Agent {id}", "1" + Random.Shared.Next(100, 999).ToString(CultureInfo.InvariantCulture), queues: [queueId, .. moreQueues]))).IsSuccess);
        await Grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).AddAgentAsync(id);
        Assert.True((await agent.LoginAsync()).IsSuccess);
        return id;
    }

    /// <summary>Registers a SIPp "phone" for the agent (digest REGISTER from <paramref name="phonePort"/>) and waits for the grain to see it.</summary>
    /// <remarks>With <paramref name="contact"/> (host:port[;uri-params]) the REGISTER names that Contact instead of its own address.</remarks>
    public async Task RegisterPhoneAsync(string agentId, int phonePort, int expires = 3600, string? contact = null)
    {
        string[] args = ["-au", agentId, "-ap", SipPassword, "-set", "expires", expires.ToString(CultureInfo.InvariantCulture)];
        await using (var register = Sipp.Start(contact is null ? "register.xml" : "register-contact.xml", SipPort, phonePort, agentId, 15,
                         contact is null ? args : [.. args, "-set", "contact", contact]))
        {
            await register.AssertSucceededAsync(20);
        }

        await Eventually(async () =>
        {
            var devices = (await Grains.GetGrain<IAgentGrain>(agentId).GetAsync()).Devices;
            return expires > 0 ? !devices.IsDefaultOrEmpty : devices.IsDefaultOrEmpty;
        }, $"agent {agentId} device {(expires > 0 ? "registered" : "removed")}");
    }

    /// <summary>An agent of the queue, Ready.</summary>
    public async Task<string> ReadyAgentAsync(string queueId)
    {
        var agentId = await CreateAgentAsync(queueId);
        Assert.True((await Grains.GetGrain<IAgentGrain>(agentId).SetReadyAsync()).IsSuccess);
        return agentId;
    }

    /// <summary>Registers a SIPp phone for the agent and starts <paramref name="scenario"/> on it, listening.</summary>
    public async Task<Sipp> StartPhoneAsync(string agentId, string scenario, IEnumerable<string>? extra = null)
    {
        var port = Sipp.FreeUdpPort();
        await RegisterPhoneAsync(agentId, port);
        var phone = Sipp.Start(scenario, SipPort, port, agentId, 40, extra);
        await phone.WaitListeningAsync();
        return phone;
    }

    /// <summary>The agent's call once it is connected (OnCall comes with the phone's 200, the bridge right after).</summary>
    public async Task<ICallGrain> ConnectedCallAsync(string agentId)
    {
        await Eventually(async () => (await AgentAsync(agentId)) is { Status: AgentStatus.OnCall, CallId: { } id } &&
                                     (await Grains.GetGrain<ICallGrain>(id).GetAsync()).Status == CallStatus.Connected,
            $"agent {agentId} to be connected");
        return Grains.GetGrain<ICallGrain>((await AgentAsync(agentId)).CallId!);
    }

    public Task<AgentSnapshot> AgentAsync(string agentId) => Grains.GetGrain<IAgentGrain>(agentId).GetAsync();

    /// <summary>Returns once the host's clock has passed <paramref name="moment"/>, so the next state change is later.</summary>
    public async Task AfterAsync(DateTimeOffset moment)
    {
        var time = App.Services.GetRequiredService<TimeProvider>();
        while (time.GetUtcNow() <= moment)
        {
            await Task.Yield();
        }
    }

    /// <summary>The queue's one call record once it has ended (the reporting writer batches, so poll).</summary>
    public async Task<CallRecord> EndedCallAsync(string queueId)
    {
        var queries = App.Services.GetRequiredService<IReportingQueries>();
        CallRecord? record = null;
        await Eventually(async () =>
        {
            var page = await queries.GetCallsAsync(new CallHistoryQuery(QueueId: queueId));
            record = page.Items.FirstOrDefault(c => c.Status == CallStatus.Ended);
            return record is not null;
        }, $"an ended call record in queue {queueId}");
        return record!;
    }

    public async Task WaitReleasedAsync(string callId) => await Eventually(() => Task.FromResult(!Edge.IsCarrying(callId)), $"the edge to release call {callId}");

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

[CollectionDefinition(Name)]
public sealed class EdgeCollection : ICollectionFixture<EdgeHost>
{
    public const string Name = "sip-edge";
}

/// <summary>An edge that passes session descriptions between the legs (Media:Mode=direct): re-pointing is re-INVITEs.</summary>
public sealed class DirectEdgeHost : EdgeHost
{
    protected override void Configure(IDictionary<string, string?> settings)
    {
        settings["Media:Mode"] = "direct";
        settings["Sip:EdgeId"] = "edge-test-direct";
    }
}

/// <summary>
/// An edge whose outbound trunk is on TLS with SDES-SRTP (Sip:OutboundTrunk:Transport=tls, Srtp=true), the trunk's
/// certificate checked against the test CA (Sip:Tls:CaPath). The "carrier" is a test party listening on <see cref="TlsTrunkPort"/>.
/// </summary>
public sealed class TlsTrunkEdgeHost : EdgeHost
{
    public int TlsTrunkPort { get; } = LoopbackPorts.FreeTcp();

    protected override void Configure(IDictionary<string, string?> settings)
    {
        settings["Sip:EdgeId"] = "edge-test-tls-trunk";
        settings["Sip:OutboundTrunk:Host"] = $"127.0.0.1:{TlsTrunkPort.ToString(CultureInfo.InvariantCulture)}";
        settings["Sip:OutboundTrunk:Transport"] = "tls";
        settings["Sip:OutboundTrunk:Srtp"] = "true";
        settings["Sip:Tls:CaPath"] = AuthorityPath;
    }
}

[CollectionDefinition(Name)]
public sealed class TlsTrunkEdgeCollection : ICollectionFixture<TlsTrunkEdgeHost>
{
    public const string Name = "sip-edge-tls-trunk";
}

[CollectionDefinition(Name)]
public sealed class DirectEdgeCollection : ICollectionFixture<DirectEdgeHost>
{
    public const string Name = "sip-edge-direct";
}

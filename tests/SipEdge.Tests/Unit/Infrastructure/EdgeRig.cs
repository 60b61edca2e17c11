using Xunit.Abstractions;
using System.Globalization;
using System.Net;
using Acd.Accounts;
using Acd.Agents;
using Acd.CallControl;
using Acd.CallControl.Calls;
using Acd.CallControl.Customers;
using Acd.Calls;
using Acd.Catalog;
using Acd.Events;
using Acd.Grains.Tests.Infrastructure;
using Acd.Queues;
using Acd.Sip.Messages;
using Acd.SipEdge.Hosting;
using Acd.SipEdge.Registration;
using Acd.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Acd.SipEdge.Tests.Unit.Infrastructure;

/// <summary>The edge unit tests share one in-process cluster (and its fake clock), one test at a time.</summary>
[CollectionDefinition(Name)]
public sealed class EdgeUnitCollection : ICollectionFixture<AcdCluster>
{
    public const string Name = "sip edge unit";
}

/// <summary>
/// One test's world: a <see cref="SipEdgeService"/> at 10.0.0.1 on an in-memory SIP network whose clock is the
/// cluster's <see cref="FakeTimeProvider"/> (so SIP timers, the edge's own limits and grain timers all move together and
/// only when the test says), the call-control use cases over the cluster, a trusted caller at 10.0.0.2, and helpers to
/// make queues and agents whose phones register through the edge's registrar with digest.
/// </summary>
/// <remarks>
/// Nothing here sleeps to order events: the test delivers SIP traffic, moves the clock, and waits for effects in the
/// cluster or the edge (which run on the thread pool) with <see cref="Until"/>, a bounded poll of a condition.
/// </remarks>
public sealed class EdgeRig : IAsyncDisposable
{
    public const string Domain = "acd.test";
    public const string EdgeAddress = "10.0.0.1";
    public const string CallerAddress = "10.0.0.2";
    public const string SipPassword = "phone-secret-1";
    public const string EdgeSecret = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    private static int _extensions = 20_000 + Random.Shared.Next(0, 50_000);
    private readonly AcdCluster _cluster;
    private readonly List<SipParty> _parties = [];

    private EdgeRig(AcdCluster cluster, ITestOutputHelper? output, SipEdgeOptions options)
    {
        _cluster = cluster;
        Start = cluster.Time.GetUtcNow();
        Net = new InMemorySipNetwork(cluster.Time);
        Log = new TestLog(output, Start, cluster.Time);
        Options = options;
        Grains = new TappingGrainFactory(cluster.Client);
        var metrics = new CallControlMetrics(new NoMeters());
        var customers = new CustomerLookup(Grains, new NoHttp(), new NoCrm(), metrics, Log.CreateLogger<CustomerLookup>());
        var stack = Net.AddStack(EdgeAddress, SipEdgeService.StackOptions(options, EdgeAddress), Log.CreateLogger("Acd.Sip.SipStack"));
        Edge = new SipEdgeService(options, Grains, new AgentCredentialStore(Grains, Log.CreateLogger<AgentCredentialStore>()),
            new InboundCalls(Grains, customers, metrics), new DialTargets(Grains), cluster.Time, Log, stack);
        Caller = Party(CallerAddress, "+15550100", 10000);
    }

    /// <summary>An edge with the options the tests share (the caller's address trusted, no probes), changed by <paramref name="configure"/>.</summary>
    public static async Task<EdgeRig> StartAsync(AcdCluster cluster, ITestOutputHelper? output, Action<SipEdgeOptions>? configure = null)
    {
        var options = new SipEdgeOptions
        {
            ListenAddress = EdgeAddress,
            PublicHost = EdgeAddress,
            Domain = Domain,
            EdgeId = "edge-unit",
            TrunkAllowList = [CallerAddress],
            LegProbeSeconds = 0,
            RingGraceSeconds = 2,
            EdgeSecret = EdgeSecret,
        };
        configure?.Invoke(options);
        var rig = new EdgeRig(cluster, output, options);
        await rig.Edge.StartAsync(CancellationToken.None);
        return rig;
    }

    public InMemorySipNetwork Net { get; }

    public FakeTimeProvider Time => _cluster.Time;

    /// <summary>The fake time the test began at; packet times are read relative to it.</summary>
    public DateTimeOffset Start { get; }

    public TimeSpan Elapsed => Time.GetUtcNow() - Start;

    public TestLog Log { get; }

    public SipEdgeOptions Options { get; }

    /// <summary>The edge's grain factory (with its taps); tests call grains through <see cref="Client"/>.</summary>
    public TappingGrainFactory Grains { get; }

    public IGrainFactory Client => _cluster.Client;

    public SipEdgeService Edge { get; }

    /// <summary>A caller on a trusted address: its INVITEs need no digest.</summary>
    public SipParty Caller { get; }

    public SipParty Party(string address, string user, int mediaPort)
    {
        var party = new SipParty(Net, address, user, mediaPort);
        _parties.Add(party);
        return party;
    }

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    // ---- the ACD side ----------------------------------------------------------------------------------

    /// <summary>A queue with one number the caller can dial.</summary>
    public async Task<(string QueueId, string Number)> NewQueueAsync(int ringTimeoutSeconds = 20, int wrapUpSeconds = 0)
    {
        var id = Unique("q");
        var number = "+49" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999).ToString(CultureInfo.InvariantCulture);
        Ok(await Client.GetGrain<ICatalogGrain>(CatalogKeys.Default).SetQueueAsync(id, [number]));
        Ok(await Client.GetGrain<IQueueGrain>(id).ConfigureAsync(QueueConfig.Create($"Queue {id}", [number], ringTimeoutSeconds: ringTimeoutSeconds,
            wrapUpSeconds: wrapUpSeconds)));
        return (id, number);
    }

    /// <summary>
    /// An agent of <paramref name="queueId"/> with SIP credentials whose phone at <paramref name="address"/> registered
    /// through the edge's registrar (digest), logged in and (unless told otherwise) Ready.
    /// </summary>
    public async Task<Agent> NewAgentAsync(string queueId, string address, bool ready = true, int mediaPort = 20000)
    {
        var id = Unique("agent");
        var now = Time.GetUtcNow();
        Ok(await Client.GetGrain<IUserAccountGrain>(id).CreateAsync(new UserAccount(id, "not-used", [Roles.Agent], id, null, false, now, now,
            AgentCredentialStore.HashSipPassword(id, Domain, SipPassword))));
        var extension = Interlocked.Increment(ref _extensions).ToString(CultureInfo.InvariantCulture);
        Ok(await Client.GetGrain<IAgentGrain>(id).ConfigureAsync(AgentProfile.Create($"Agent {id}", extension, queues: [queueId])));
        await Client.GetGrain<ICatalogGrain>(CatalogKeys.Default).AddAgentAsync(id);
        Ok(await Client.GetGrain<IAgentGrain>(id).LoginAsync());
        var phone = Party(address, id, mediaPort);
        var agent = new Agent(this, id, extension, phone);
        await agent.RegisterAsync();
        if (ready)
        {
            Ok(await agent.Grain.SetReadyAsync());
        }

        return agent;
    }

    public Task<CallSnapshot> CallAsync(string callId) => Client.GetGrain<ICallGrain>(callId).GetAsync();

    /// <summary>The call records reporting got for <paramref name="callId"/>: its events into Ended (one per ended call).</summary>
    public List<CallSnapshot> EndedRecords(string callId) =>
        [.. _cluster.Reporting.Events.OfType<CallChanged>().Where(e => e.Call.CallId == callId && e.Call.Status == CallStatus.Ended).Select(e => e.Call)];

    /// <summary>The ACD call id the edge put on its INVITE to an agent's phone.</summary>
    public static string CallIdOf(SipRequest agentInvite) =>
        agentInvite.Headers["X-Call-Id"] ?? throw new InvalidOperationException("the agent's INVITE carries no X-Call-Id");

    public Task UntilCallAsync(string callId, Func<CallSnapshot, bool> condition, string what) =>
        UntilAsync(async () => condition(await CallAsync(callId)), $"call {callId}: {what}");

    public Task UntilEndedAsync(string callId) => UntilAsync(() => Task.FromResult(EndedRecords(callId).Count > 0 && !Edge.IsCarrying(callId)),
        $"call {callId} ended with a record and left the edge");

    // ---- SIP traffic -------------------------------------------------------------------------------------

    /// <summary>Messages sent from <paramref name="from"/> to <paramref name="to"/> (addresses), in sending order.</summary>
    public List<InMemorySipPacket> Between(string from, string to) =>
        [.. Net.Sent.Where(p => p.From.Address.Equals(IPAddress.Parse(from)) && p.To.Address.Equals(IPAddress.Parse(to)))];

    public List<SipRequest> RequestsBetween(string from, string to, string method) =>
        [.. Between(from, to).Select(p => p.Message).OfType<SipRequest>().Where(r => r.Method == method)];

    public List<SipResponse> ResponsesBetween(string from, string to, int status) =>
        [.. Between(from, to).Select(p => p.Message).OfType<SipResponse>().Where(r => r.StatusCode == status)];

    /// <summary>When (fake time since the start) the first message matching <paramref name="match"/> was sent.</summary>
    public TimeSpan SentAt(Func<InMemorySipPacket, bool> match) =>
        (Net.Sent.FirstOrDefault(match) ?? throw new InvalidOperationException("no such packet was sent")).SentAt - Start;

    // ---- waiting and time ---------------------------------------------------------------------------------

    /// <summary>
    /// Delivers SIP traffic until <paramref name="condition"/> holds; the fake clock stands still. The edge and the
    /// grains work on other threads, so this polls (bounded by wall time: a condition that never comes fails the test).
    /// </summary>
    public async Task Until(Func<bool> condition, string what, int timeoutSeconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            Net.Run();
            if (condition())
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {what} (fake time +{Elapsed.TotalSeconds:0.000}s). Sent:\n" +
                            string.Join("\n", Net.Sent.Select(p => $"  +{(p.SentAt - Start).TotalSeconds:0.000}s {p}")));
            }

            await Task.Delay(1);
        }
    }

    /// <inheritdoc cref="Until"/>
    public async Task UntilAsync(Func<Task<bool>> condition, string what, int timeoutSeconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            Net.Run();
            if (await condition())
            {
                Net.Run();
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {what} (fake time +{Elapsed.TotalSeconds:0.000}s). Sent:\n" +
                            string.Join("\n", Net.Sent.Select(p => $"  +{(p.SentAt - Start).TotalSeconds:0.000}s {p}")));
            }

            await Task.Delay(1);
        }
    }

    /// <summary>
    /// Moves the fake clock in steps of <paramref name="step"/>, delivering traffic and letting the edge's threads run
    /// between steps, until <paramref name="condition"/> holds or <paramref name="limit"/> of fake time has passed: for
    /// timers the edge starts a moment after the event the test waited for.
    /// </summary>
    public async Task AdvanceUntil(Func<bool> condition, TimeSpan step, TimeSpan limit, string what)
    {
        var until = Elapsed + limit;
        while (true)
        {
            Net.Run();
            if (condition())
            {
                return;
            }

            if (Elapsed >= until)
            {
                await Until(condition, what); // one last wall-clock wait, with the traffic in the failure message
                return;
            }

            Net.Advance(step);
            await Task.Delay(1);
        }
    }

    /// <summary>Moves the fake clock (SIP timers fire, retransmissions travel, grain timers become due).</summary>
    public void Advance(TimeSpan by) => Net.Advance(by);

    /// <summary>Moves the fake clock to <paramref name="sinceStart"/> after the test's start.</summary>
    public void AdvanceTo(TimeSpan sinceStart)
    {
        var by = sinceStart - Elapsed;
        if (by > TimeSpan.Zero)
        {
            Net.Advance(by);
        }
    }

    /// <summary>No unexpected errors in the edge (a failed mailbox item, a handler that threw).</summary>
    public void AssertNoErrors() => Assert.Empty(Log.At(LogLevel.Error));

    public async ValueTask DisposeAsync()
    {
        try
        {
            // The edge ends what it still carries; whatever the test left in flight is delivered, and if the edge still
            // waits (a transaction timer, say) the clock moves on until it is done, within a bound.
            Net.Drop = null;
            Net.Delay = null;
            var stopping = Edge.StopAsync(CancellationToken.None);
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (!stopping.IsCompleted)
            {
                Net.Run();
                await Task.WhenAny(stopping, Task.Delay(5));
                if (!stopping.IsCompleted)
                {
                    Net.Advance(TimeSpan.FromMilliseconds(100));
                }

                if (DateTime.UtcNow > deadline)
                {
                    Assert.Fail("The edge did not stop: a call's mailbox is stuck.");
                }
            }

            await stopping;
            await Edge.DisposeAsync();
            foreach (var party in _parties)
            {
                await party.DisposeAsync();
            }
        }
        finally
        {
            Log.Close();
        }
    }

    private static void Ok(Common.Result result) => Assert.True(result.IsSuccess, result.ToString());

    private sealed class NoMeters : System.Diagnostics.Metrics.IMeterFactory
    {
        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }

    private sealed class NoHttp : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => throw new InvalidOperationException("no CRM is configured in these tests");
    }

    private sealed class NoCrm : Microsoft.Extensions.Options.IOptionsMonitor<CrmOptions>
    {
        public CrmOptions CurrentValue { get; } = new();

        public CrmOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<CrmOptions, string?> listener) => null;
    }
}

/// <summary>An agent of a test: its grain, and its phone on the network.</summary>
public sealed class Agent(EdgeRig rig, string id, string extension, SipParty phone)
{
    public string Id { get; } = id;

    public string Extension { get; } = extension;

    public SipParty Phone { get; } = phone;

    public IAgentGrain Grain => rig.Client.GetGrain<IAgentGrain>(Id);

    public Task<AgentSnapshot> GetAsync() => Grain.GetAsync();

    /// <summary>REGISTERs the phone (digest) and waits until the agent grain lists it.</summary>
    public async Task RegisterAsync(string? contact = null, Acd.Sip.Transports.SipTransportKind transport = Acd.Sip.Transports.SipTransportKind.Udp)
    {
        var registered = await Phone.RegisterAsync(Id, EdgeRig.SipPassword, EdgeRig.Domain, contact, transport: transport);
        Assert.Equal(200, registered.StatusCode);
        await rig.UntilAsync(async () => !(await GetAsync()).Devices.IsDefaultOrEmpty, $"agent {Id}'s phone is in its grain");
    }

    public Task UntilAsync(Func<AgentSnapshot, bool> condition, string what) =>
        rig.UntilAsync(async () => condition(await GetAsync()), $"agent {Id}: {what}");
}

using System.Collections.Immutable;
using Acd.CallControl.Calls;
using Acd.CallControl.Customers;
using Acd.Calls;
using Acd.Catalog;
using Acd.Common;
using Acd.Customers;
using Acd.Grains.Tests.Infrastructure;

namespace Acd.CallControl.Tests;

/// <summary>The use cases the REST API, the hubs and the SIP edge share, on an in-process cluster.</summary>
[Collection(AcdCollection.Name)]
public sealed class UseCaseTests(AcdCluster fixture) : AcdTestBase(fixture)
{
    private DialTargets Targets => new(Client);

    [Fact]
    public async Task A_dialled_target_resolves_agent_then_extension_then_queue_then_number()
    {
        var queue = await NewQueueAsync();
        var number = "+4989" + Random.Shared.Next(1_000_000, 9_999_999);
        Ok(await Client.GetGrain<ICatalogGrain>(CatalogKeys.Default).SetQueueAsync(queue, [number]));
        var agent = await NewAgentAsync([queue]);
        var extension = Random.Shared.Next(20_000, 29_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Ok(await Agent(agent).ConfigureAsync(Acd.Agents.AgentProfile.Create(agent, extension, queues: [queue])));

        Assert.Equal(new DialTarget(DialTargetKind.Agent, agent), (await Targets.ResolveAsync(agent)).Value);
        Assert.Equal(new DialTarget(DialTargetKind.Agent, agent), (await Targets.ResolveAsync(extension)).Value);
        Assert.Equal(new DialTarget(DialTargetKind.Queue, queue), (await Targets.ResolveAsync(queue)).Value);
        Assert.Equal(new DialTarget(DialTargetKind.Queue, queue), (await Targets.ResolveAsync(number)).Value);
        Assert.Equal(new DialTarget(DialTargetKind.External, "+15550123"), (await Targets.ResolveAsync("+15550123")).Value);
        Assert.Equal(AcdError.InvalidArgument, (await Targets.ResolveAsync("no such thing")).Error);

        // A kind the caller names is checked, not guessed.
        Assert.Equal(AcdError.NotFound, (await Targets.ResolveAsync("+15550123", TransferTargetKind.Agent)).Error);
        Assert.Equal(new DialTarget(DialTargetKind.Queue, queue), (await Targets.ResolveAsync(number, TransferTargetKind.Queue)).Value);
        Assert.Equal(AcdError.InvalidArgument, (await Targets.ResolveAsync(agent, TransferTargetKind.External)).Error);
    }

    [Fact]
    public async Task A_new_extension_moves_and_a_removed_agent_frees_it()
    {
        var catalog = Client.GetGrain<ICatalogGrain>(CatalogKeys.Default);
        var agent = await NewAgentAsync([]);
        Ok(await Agent(agent).ConfigureAsync(Acd.Agents.AgentProfile.Create(agent, "31001")));
        Ok(await Agent(agent).ConfigureAsync(Acd.Agents.AgentProfile.Create(agent, "31002")));
        Assert.Null(await catalog.ResolveExtensionAsync("31001"));
        Assert.Equal(agent, await catalog.ResolveExtensionAsync("31002"));
        await catalog.RemoveAgentAsync(agent);
        Assert.Null(await catalog.ResolveExtensionAsync("31002"));
    }

    [Fact]
    public async Task An_inbound_call_carries_the_customer_and_runs_the_hook_before_it_can_be_offered()
    {
        var queue = await NewQueueAsync();
        var number = "+4940" + Random.Shared.Next(1_000_000, 9_999_999);
        Ok(await Client.GetGrain<ICatalogGrain>(CatalogKeys.Default).SetQueueAsync(queue, [number]));
        var agent = await NewAgentAsync([queue]);
        var ani = "+1555" + Random.Shared.Next(1_000_000, 9_999_999);
        var customerId = Unique("cust");
        Ok(await Client.GetGrain<ICustomerDirectoryGrain>(CustomerDirectoryKeys.Default).CreateAsync(new Customer(customerId, "Ada Lovelace", [ani],
            "ada@example.com", "Analytical Engines", null, ImmutableDictionary<string, string>.Empty, Fixture.Time.GetUtcNow())));
        var inbound = new InboundCalls(Client, new CustomerLookup(Client, new NoHttp(), new NoCrm(), Metrics(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<CustomerLookup>.Instance), Metrics());

        var edge = new RecordingEdge();
        var callId = CallIds.New();
        var started = await inbound.StartAsync(callId, new InboundCall(ani, number, null), "test",
            grain => grain.AttachEdgeAsync(Client.CreateObjectReference<ICallEdgeObserver>(edge)));

        Ok(started);
        Assert.Equal("Ada Lovelace", started.Value!.Info!.CallerName);
        Assert.Equal(customerId, started.Value.Info.Customer!.CustomerId);
        Assert.Equal(queue, started.Value.QueueId);
        // The agent was Ready, so the call was offered inside the start: the edge attached first got the ring.
        await Eventually(() => Task.FromResult(edge.Of<RingAgent>().Any(r => r.AgentId == agent)), "the edge to be told to ring");

        var unknown = await inbound.StartAsync(CallIds.New(), new InboundCall(ani, "+0000", null), "test");
        Assert.Equal(AcdError.NotFound, unknown.Error);
    }

    [Fact]
    public void Call_ids_are_time_ordered_and_dtmf_has_one_rule()
    {
        // Version 7: the first 48 bits are the creation time in milliseconds, so ids sort by start.
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var id = CallIds.New();
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.Equal(32, id.Length);
        Assert.Equal(7, Guid.ParseExact(id, "N").Version);
        Assert.InRange(Convert.ToInt64(id[..12], 16), before, after);
        Assert.True(DtmfDigits.IsValid("0123456789*#ABCDabcd"));
        Assert.False(DtmfDigits.IsValid(""));
        Assert.False(DtmfDigits.IsValid("12E"));
        Assert.False(DtmfDigits.IsValid(new string('1', DtmfDigits.MaxLength + 1)));
    }

    private static CallControlMetrics Metrics() => new(new TestMeterFactory());

    private sealed class TestMeterFactory : System.Diagnostics.Metrics.IMeterFactory
    {
        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }

    private sealed class NoHttp : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => throw new InvalidOperationException("no CRM is configured in this test");
    }

    private sealed class NoCrm : Microsoft.Extensions.Options.IOptionsMonitor<CrmOptions>
    {
        public CrmOptions CurrentValue { get; } = new();

        public CrmOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<CrmOptions, string?> listener) => null;
    }
}

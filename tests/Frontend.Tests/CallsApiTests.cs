using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Acd.Frontend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Acd.Frontend.Tests;

[Collection(HostCollection.Name)]
public sealed class CallsApiTests(HostFixture fixture)
{
    private AcdHost Host => fixture.Host;

    [Fact]
    public async Task Inbound_call_is_routed_answered_held_and_hung_up()
    {
        using var admin = await Host.AdminAsync();
        var (queueId, number) = await fixture.CreateQueueAsync(admin);
        var agentId = await fixture.CreateAgentAsync(admin, queueId);
        using var agent = await fixture.AgentClientAsync(agentId);
        var caller = HostFixture.NewNumber();
        await fixture.CreateCustomerAsync(admin, caller, "Jane Doe");
        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsync($"api/v1/agents/{agentId}/login", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsync($"api/v1/agents/{agentId}/ready", null)).StatusCode);

        var reported = await admin.PostAsJsonAsync("api/v1/calls/inbound", new { from = caller, to = number, callerName = "JANE D" });
        Assert.Equal(HttpStatusCode.Created, reported.StatusCode);
        var call = await HostFixture.JsonAsync(reported);
        var callId = call.GetProperty("id").GetString()!;
        Assert.Equal("Jane Doe", call.GetProperty("customer").GetProperty("name").GetString());
        Assert.Equal("builtin", call.GetProperty("customer").GetProperty("source").GetString());
        Assert.Equal(queueId, call.GetProperty("queueId").GetString());

        var offered = await WaitForAsync(agent, callId, c => c.GetProperty("status").GetString() == "offered");
        Assert.Equal(agentId, offered.GetProperty("agentId").GetString());
        Assert.Equal("reserved", (await HostFixture.JsonAsync(await agent.GetAsync($"api/v1/agents/{agentId}"))).GetProperty("status").GetString());

        await Problems.AssertAsync(await agent.PostAsync($"api/v1/calls/{callId}/hold", null), HttpStatusCode.Conflict);
        var answered = await HostFixture.JsonAsync(await agent.PostAsync($"api/v1/calls/{callId}/answer", null));
        Assert.Equal("connected", answered.GetProperty("status").GetString());
        // Answering again is idempotent: nothing changes.
        Assert.Equal("connected", (await HostFixture.JsonAsync(await agent.PostAsync($"api/v1/calls/{callId}/answer", null))).GetProperty("status").GetString());

        Assert.Equal("held", (await HostFixture.JsonAsync(await agent.PostAsync($"api/v1/calls/{callId}/hold", null))).GetProperty("status").GetString());
        Assert.Equal("held", (await HostFixture.JsonAsync(await agent.PostAsync($"api/v1/calls/{callId}/hold", null))).GetProperty("status").GetString());
        Assert.Equal("connected", (await HostFixture.JsonAsync(await agent.PostAsync($"api/v1/calls/{callId}/unhold", null))).GetProperty("status").GetString());

        await Problems.AssertAsync(await agent.PostAsJsonAsync($"api/v1/calls/{callId}/dtmf", new { digits = "12x" }), HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsJsonAsync($"api/v1/calls/{callId}/dtmf", new { digits = "123#" })).StatusCode);
        await Problems.AssertAsync(await agent.PostAsJsonAsync($"api/v1/calls/{callId}/transfer", new { target = "" }), HttpStatusCode.BadRequest);

        // Another agent cannot see or touch this call.
        var otherId = await fixture.CreateAgentAsync(admin, queueId);
        using var other = await fixture.AgentClientAsync(otherId);
        await Problems.AssertAsync(await other.GetAsync($"api/v1/calls/{callId}"), HttpStatusCode.NotFound);
        await Problems.AssertAsync(await other.PostAsync($"api/v1/calls/{callId}/hangup", null), HttpStatusCode.NotFound);

        var ended = await HostFixture.JsonAsync(await agent.PostAsync($"api/v1/calls/{callId}/hangup", null));
        Assert.Equal("ended", ended.GetProperty("status").GetString());
        Assert.Equal("answered", ended.GetProperty("disposition").GetString());
        await Problems.AssertAsync(await agent.PostAsync($"api/v1/calls/{callId}/hold", null), HttpStatusCode.Conflict);
        Assert.Equal("ended", (await HostFixture.JsonAsync(await agent.GetAsync($"api/v1/calls/{callId}"))).GetProperty("status").GetString());

        // The call shows up in the agent's history once the reporting writer has flushed.
        var history = await PollAsync(async () =>
        {
            var page = await HostFixture.JsonAsync(await agent.GetAsync($"api/v1/calls?agentId={agentId}"));
            return page.GetProperty("items").EnumerateArray().Any(i => i.GetProperty("id").GetString() == callId) ? page : (JsonElement?)null;
        });
        Assert.True(history.GetProperty("total").GetInt64() >= 1);
        await Problems.AssertAsync(await agent.GetAsync($"api/v1/calls?agentId={otherId}"), HttpStatusCode.Forbidden);
        await Problems.AssertAsync(await agent.GetAsync("api/v1/calls?pageSize=0"), HttpStatusCode.BadRequest);
        var all = await HostFixture.JsonAsync(await admin.GetAsync($"api/v1/calls?queueId={queueId}&page=1&pageSize=10"));
        Assert.True(all.GetProperty("total").GetInt64() >= 1);
    }

    [Fact]
    public async Task Directed_pickup_park_and_retrieve_through_the_api()
    {
        using var admin = await Host.AdminAsync();
        var (queueId, number) = await fixture.CreateQueueAsync(admin);
        var firstId = await fixture.CreateAgentAsync(admin, queueId);
        var secondId = await fixture.CreateAgentAsync(admin, queueId);
        using var first = await fixture.AgentClientAsync(firstId);
        using var second = await fixture.AgentClientAsync(secondId);
        Assert.Equal(HttpStatusCode.OK, (await first.PostAsync($"api/v1/agents/{firstId}/login", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await second.PostAsync($"api/v1/agents/{secondId}/login", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await first.PostAsync($"api/v1/agents/{firstId}/ready", null)).StatusCode);
        var callId = (await HostFixture.JsonAsync(await admin.PostAsJsonAsync("api/v1/calls/inbound", new { from = HostFixture.NewNumber(), to = number })))
            .GetProperty("id").GetString()!;
        await WaitForAsync(first, callId, c => c.GetProperty("status").GetString() == "offered");
        Assert.Equal(HttpStatusCode.OK, (await second.PostAsync($"api/v1/agents/{secondId}/ready", null)).StatusCode);

        // The second agent picks up the call ringing at the first one's phone.
        await Problems.AssertAsync(await second.PostAsJsonAsync($"api/v1/calls/{callId}/pickup", new { agentId = firstId }), HttpStatusCode.Forbidden);
        var picked = await HostFixture.JsonAsync(await second.PostAsync($"api/v1/calls/{callId}/pickup", null));
        Assert.Equal("offered", picked.GetProperty("status").GetString());
        Assert.Equal(secondId, picked.GetProperty("agentId").GetString());
        Assert.Equal("connected", (await HostFixture.JsonAsync(await second.PostAsync($"api/v1/calls/{callId}/answer", null))).GetProperty("status").GetString());

        // Parked: the caller waits in a numbered slot that any agent can retrieve.
        var parked = await HostFixture.JsonAsync(await second.PostAsync($"api/v1/calls/{callId}/park", null));
        Assert.Equal("parked", parked.GetProperty("status").GetString());
        var slot = parked.GetProperty("parkedSlot").GetInt32();
        var lot = await HostFixture.JsonAsync(await first.GetAsync("api/v1/parking"));
        Assert.Contains(lot.EnumerateArray(), p => p.GetProperty("slot").GetInt32() == slot && p.GetProperty("callId").GetString() == callId);
        await Problems.AssertAsync(await second.PostAsync($"api/v1/calls/{callId}/park", null), HttpStatusCode.Conflict); // parked already
        await Problems.AssertAsync(await first.PostAsync("api/v1/parking/0/retrieve", null), HttpStatusCode.NotFound);

        var retrieved = await HostFixture.JsonAsync(await first.PostAsync($"api/v1/parking/{slot}/retrieve", null));
        Assert.Equal("offered", retrieved.GetProperty("status").GetString());
        Assert.Equal(firstId, retrieved.GetProperty("agentId").GetString());
        Assert.Equal("connected", (await HostFixture.JsonAsync(await first.PostAsync($"api/v1/calls/{callId}/answer", null))).GetProperty("status").GetString());
        var lotAfter = await HostFixture.JsonAsync(await first.GetAsync("api/v1/parking"));
        Assert.DoesNotContain(lotAfter.EnumerateArray(), p => p.GetProperty("callId").GetString() == callId);
        Assert.Equal("ended", (await HostFixture.JsonAsync(await first.PostAsync($"api/v1/calls/{callId}/hangup", null))).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Inbound_call_bad_input_and_unknown_number()
    {
        using var admin = await Host.AdminAsync();
        await Problems.AssertAsync(await admin.PostAsJsonAsync("api/v1/calls/inbound", new { from = "+4930123", to = "+4930999999999" }), HttpStatusCode.NotFound);
        await Problems.AssertAsync(await admin.PostAsJsonAsync("api/v1/calls/inbound", new { from = "", to = "+49" }), HttpStatusCode.BadRequest);
        await Problems.AssertAsync(await admin.PostAsJsonAsync("api/v1/calls/inbound", new { from = "+4930", to = "+4930", priority = 1000 }), HttpStatusCode.BadRequest);
        using var raw = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json");
        await Problems.AssertAsync(await admin.PostAsync("api/v1/calls/inbound", raw), HttpStatusCode.BadRequest);
        await Problems.AssertAsync(await admin.GetAsync("api/v1/calls/no-such-call"), HttpStatusCode.NotFound);
        await Problems.AssertAsync(await admin.PostAsync("api/v1/calls/no-such-call/answer", null), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Inbound_call_uses_the_crm_and_waits_in_queue_without_agents()
    {
        using var admin = await Host.AdminAsync();
        var (queueId, number) = await fixture.CreateQueueAsync(admin);
        var call = await HostFixture.JsonAsync(await admin.PostAsJsonAsync("api/v1/calls/inbound", new { from = HostFixture.CrmKnownNumber, to = number }));
        Assert.Equal("crm", call.GetProperty("customer").GetProperty("source").GetString());
        Assert.Equal("Grace Hopper", call.GetProperty("customer").GetProperty("name").GetString());
        Assert.Equal("queued", call.GetProperty("status").GetString());
        var stats = await HostFixture.JsonAsync(await admin.GetAsync($"api/v1/queues/{queueId}/stats"));
        Assert.Equal(1, stats.GetProperty("waiting").GetInt32());
        await Problems.AssertAsync(await admin.DeleteAsync($"api/v1/queues/{queueId}"), HttpStatusCode.Conflict);

        // A PBX integration reports that the caller gave up.
        var callId = call.GetProperty("id").GetString()!;
        var ended = await HostFixture.JsonAsync(await admin.PostAsJsonAsync($"api/v1/calls/{callId}/hangup", new { side = "caller" }));
        Assert.Equal("abandoned", ended.GetProperty("disposition").GetString());
    }

    [Fact]
    public async Task Click_to_dial_and_blind_transfer_to_an_external_number()
    {
        using var admin = await Host.AdminAsync();
        var (queueId, _) = await fixture.CreateQueueAsync(admin);
        var agentId = await fixture.CreateAgentAsync(admin, queueId);
        using var agent = await fixture.AgentClientAsync(agentId);
        await agent.PostAsync($"api/v1/agents/{agentId}/login", null);

        await Problems.AssertAsync(await agent.PostAsJsonAsync("api/v1/calls", new { destination = "call me" }), HttpStatusCode.BadRequest);
        var otherId = await fixture.CreateAgentAsync(admin, queueId);
        await Problems.AssertAsync(await agent.PostAsJsonAsync("api/v1/calls", new { agentId = otherId, destination = "+4930111" }), HttpStatusCode.Forbidden);

        var dialled = await agent.PostAsJsonAsync("api/v1/calls", new { destination = "+4930111222" });
        Assert.Equal(HttpStatusCode.Created, dialled.StatusCode);
        var call = await HostFixture.JsonAsync(dialled);
        var callId = call.GetProperty("id").GetString()!;
        Assert.Equal("outbound", call.GetProperty("direction").GetString());
        Assert.Equal("+4930111222", call.GetProperty("to").GetString());

        // The far end answers (reported by the integration), then the agent hands the caller to an outside number.
        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsync($"api/v1/calls/{callId}/answer", null)).StatusCode);
        var transferred = await agent.PostAsJsonAsync($"api/v1/calls/{callId}/transfer", new { target = "+4940555666", mode = "blind" });
        Assert.Equal(HttpStatusCode.OK, transferred.StatusCode);
        var after = await HostFixture.JsonAsync(await agent.GetAsync($"api/v1/calls/{callId}"));
        Assert.Equal("ended", after.GetProperty("status").GetString());
        Assert.Equal("transferred", after.GetProperty("disposition").GetString());
    }

    [Fact]
    public async Task Dialling_a_colleagues_extension_without_the_sip_edge_is_a_409_problem()
    {
        using var admin = await Host.AdminAsync();
        var (queueId, _) = await fixture.CreateQueueAsync(admin);
        var callerId = await fixture.CreateAgentAsync(admin, queueId);
        var calleeId = await fixture.CreateAgentAsync(admin, queueId);
        var extension = "7" + Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var callee = Host.Services.GetRequiredService<IGrainFactory>().GetGrain<Acd.Agents.IAgentGrain>(calleeId);
        Assert.True((await callee.ConfigureAsync((await callee.GetAsync()).Profile! with { Extension = extension })).IsSuccess);
        using var caller = await fixture.AgentClientAsync(callerId);

        // Not the outbound click-to-dial (which a CTI integration would carry): an internal call needs phones.
        var problem = await Problems.AssertAsync(await caller.PostAsJsonAsync("api/v1/calls", new { destination = extension }), HttpStatusCode.Conflict);
        Assert.Contains("SIP edge", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    internal static async Task<JsonElement> WaitForAsync(HttpClient client, string callId, Func<JsonElement, bool> condition) =>
        await PollAsync(async () =>
        {
            var call = await HostFixture.JsonAsync(await client.GetAsync($"api/v1/calls/{callId}"));
            return condition(call) ? call : (JsonElement?)null;
        });

    /// <summary>Bounded polling for state reached through real I/O (grain turns, the reporting writer).</summary>
    internal static async Task<JsonElement> PollAsync(Func<Task<JsonElement?>> probe, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
            await Task.Delay(50);
        }
    }
}

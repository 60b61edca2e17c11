using System.Net;
using System.Net.Http.Json;
using Acd.Accounts;
using Acd.SipEdge.Hosting;
using Acd.Frontend.Tests.Infrastructure;
using Acd.Sip.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Acd.Frontend.Tests;

[Collection(HostCollection.Name)]
public sealed class AdminApiTests(HostFixture fixture)
{
    private AcdHost Host => fixture.Host;

    [Fact]
    public async Task Agents_crud_with_bad_input_and_conflicts()
    {
        using var admin = await Host.AdminAsync();
        var (queueId, _) = await fixture.CreateQueueAsync(admin);
        var id = HostFixture.NewId("crud");

        await Problems.AssertAsync(await admin.PostAsJsonAsync("api/v1/agents", new { id, name = "", password = "short" }), HttpStatusCode.BadRequest);
        await Problems.AssertAsync(await admin.PostAsJsonAsync("api/v1/agents", new { id = "bad id!", name = "N", password = "password-1" }), HttpStatusCode.BadRequest);
        await Problems.AssertAsync(await admin.PostAsJsonAsync("api/v1/agents",
            new { id, name = "N", password = "password-1", skills = new Dictionary<string, int> { ["x"] = 11 } }), HttpStatusCode.BadRequest);
        await Problems.AssertAsync(await admin.PostAsJsonAsync("api/v1/agents",
            new { id, name = "N", password = "password-1", queues = new[] { "no-such-queue" } }), HttpStatusCode.BadRequest);
        await Problems.AssertAsync(await admin.GetAsync($"api/v1/agents/{id}"), HttpStatusCode.NotFound);

        var created = await admin.PostAsJsonAsync("api/v1/agents", new
        {
            id, name = "Ada Lovelace", password = "password-1", extension = "2001", sipPassword = "s3cret",
            skills = new Dictionary<string, int> { ["german"] = 7 }, queues = new[] { queueId },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/v1/agents/{id}", created.Headers.Location?.OriginalString);
        var body = await HostFixture.JsonAsync(created);
        Assert.Equal("Ada Lovelace", body.GetProperty("name").GetString());
        Assert.Equal("loggedOut", body.GetProperty("status").GetString());
        Assert.DoesNotContain("s3cret", body.GetRawText(), StringComparison.Ordinal);

        // Only digest hashes of the SIP password are stored, for the edge's realm (Sip:Domain, else its public host).
        var stored = await Host.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserAccountGrain>(id).GetAsync();
        var realm = Host.Services.GetRequiredService<IOptions<SipEdgeOptions>>().Value.ResolveDomain();
        Assert.Null(stored!.SipPassword);
        Assert.Equal(DigestHash.ComputeHa1(DigestAlgorithm.Md5, id, realm, "s3cret"), stored.SipHa1![$"MD5:{realm}"]);
        Assert.Equal(DigestHash.ComputeHa1(DigestAlgorithm.Sha256, id, realm, "s3cret"), stored.SipHa1[$"SHA-256:{realm}"]);

        await Problems.AssertAsync(await admin.PostAsJsonAsync("api/v1/agents", new { id, name = "Again", password = "password-1" }), HttpStatusCode.Conflict);
        var unchanged = await HostFixture.JsonAsync(await admin.GetAsync($"api/v1/agents/{id}"));
        Assert.Equal("Ada Lovelace", unchanged.GetProperty("name").GetString());

        var updated = await admin.PutAsJsonAsync($"api/v1/agents/{id}", new { name = "Ada King", extension = "2002" });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("2002", (await HostFixture.JsonAsync(updated)).GetProperty("extension").GetString());
        await Problems.AssertAsync(await admin.PutAsJsonAsync("api/v1/agents/nobody-here", new { name = "x" }), HttpStatusCode.NotFound);

        var list = await HostFixture.JsonAsync(await admin.GetAsync("api/v1/agents"));
        Assert.Contains(list.EnumerateArray(), a => a.GetProperty("id").GetString() == id);

        // The agent's own login works; a logged-in agent cannot be deleted.
        using var agent = await fixture.AgentClientAsync(id, "password-1");
        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsync($"api/v1/agents/{id}/login", null)).StatusCode);
        await Problems.AssertAsync(await admin.DeleteAsync($"api/v1/agents/{id}"), HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsync($"api/v1/agents/{id}/logout", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/v1/agents/{id}")).StatusCode);
        await Problems.AssertAsync(await admin.GetAsync($"api/v1/agents/{id}"), HttpStatusCode.NotFound);
        await Problems.AssertAsync(await admin.DeleteAsync($"api/v1/agents/{id}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Agent_state_commands_and_their_errors()
    {
        using var admin = await Host.AdminAsync();
        var (queueId, _) = await fixture.CreateQueueAsync(admin);
        var id = await fixture.CreateAgentAsync(admin, queueId);
        using var agent = await fixture.AgentClientAsync(id);

        await Problems.AssertAsync(await agent.PostAsync($"api/v1/agents/{id}/ready", null), HttpStatusCode.Conflict);
        var state = await HostFixture.JsonAsync(await agent.GetAsync($"api/v1/agents/{id}"));
        Assert.Equal("loggedOut", state.GetProperty("status").GetString());

        var login = await HostFixture.JsonAsync(await agent.PostAsync($"api/v1/agents/{id}/login", null));
        Assert.Equal("notReady", login.GetProperty("status").GetString());
        var ready = await HostFixture.JsonAsync(await agent.PostAsync($"api/v1/agents/{id}/ready", null));
        Assert.Equal("ready", ready.GetProperty("status").GetString());

        await Problems.AssertAsync(await agent.PostAsJsonAsync($"api/v1/agents/{id}/not-ready", new { reason = "no-such-reason" }), HttpStatusCode.BadRequest);
        Assert.Equal("ready", (await HostFixture.JsonAsync(await agent.GetAsync($"api/v1/agents/{id}"))).GetProperty("status").GetString());

        var notReady = await HostFixture.JsonAsync(await agent.PostAsJsonAsync($"api/v1/agents/{id}/not-ready", new { reason = "lunch" }));
        Assert.Equal("notReady", notReady.GetProperty("status").GetString());
        Assert.Equal("lunch", notReady.GetProperty("reasonCode").GetString());

        // Supervisors (and admins) may act for any agent, with the system reason "supervisor".
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"api/v1/agents/{id}/ready", null)).StatusCode);
        var forced = await HostFixture.JsonAsync(await admin.PostAsJsonAsync($"api/v1/agents/{id}/not-ready", new { reason = "supervisor" }));
        Assert.Equal("supervisor", forced.GetProperty("reasonCode").GetString());

        var history = await HostFixture.JsonAsync(await agent.GetAsync($"api/v1/agents/{id}/history"));
        Assert.True(history.GetArrayLength() >= 4);
        await Problems.AssertAsync(await admin.PostAsync("api/v1/agents/ghost-agent/login", null), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsync($"api/v1/agents/{id}/logout", null)).StatusCode);
    }

    [Fact]
    public async Task Queues_crud_stats_and_number_conflicts()
    {
        using var admin = await Host.AdminAsync();
        var id = HostFixture.NewId("queue");
        var number = HostFixture.NewNumber();
        await Problems.AssertAsync(await admin.PostAsJsonAsync("api/v1/queues", new { id, name = "Q", numbers = new[] { "abc" } }), HttpStatusCode.BadRequest);
        await Problems.AssertAsync(await admin.PostAsJsonAsync("api/v1/queues", new { id, name = "Q", ringTimeoutSeconds = 0 }), HttpStatusCode.BadRequest);
        await Problems.AssertAsync(await admin.PostAsJsonAsync("api/v1/queues", new { id, name = "Q", strategy = "fastest" }), HttpStatusCode.BadRequest);
        await Problems.AssertAsync(await admin.PostAsJsonAsync("api/v1/queues", new { id, name = "Q", overflowQueueId = "missing" }), HttpStatusCode.BadRequest);
        await Problems.AssertAsync(await admin.GetAsync($"api/v1/queues/{id}"), HttpStatusCode.NotFound);

        var created = await admin.PostAsJsonAsync("api/v1/queues", new
        {
            id, name = "Sales", numbers = new[] { number }, strategy = "roundRobin", requiredSkills = new Dictionary<string, int> { ["english"] = 3 },
            slaSeconds = 15, maxWaitSeconds = 300, wrapUpSeconds = 5, ringTimeoutSeconds = 25,
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await HostFixture.JsonAsync(created);
        Assert.Equal("roundRobin", body.GetProperty("strategy").GetString());
        Assert.Equal(15, body.GetProperty("slaSeconds").GetInt32());

        await Problems.AssertAsync(await admin.PostAsJsonAsync("api/v1/queues", new { id, name = "Again" }), HttpStatusCode.Conflict);
        var other = HostFixture.NewId("queue");
        await Problems.AssertAsync(await admin.PostAsJsonAsync("api/v1/queues", new { id = other, name = "Other", numbers = new[] { number } }),
            HttpStatusCode.Conflict);
        await Problems.AssertAsync(await admin.GetAsync($"api/v1/queues/{other}"), HttpStatusCode.NotFound);

        var stats = await HostFixture.JsonAsync(await admin.GetAsync($"api/v1/queues/{id}/stats"));
        Assert.Equal(0, stats.GetProperty("waiting").GetInt32());
        await Problems.AssertAsync(await admin.GetAsync("api/v1/queues/none-such/stats"), HttpStatusCode.NotFound);

        var updated = await HostFixture.JsonAsync(await admin.PutAsJsonAsync($"api/v1/queues/{id}", new { name = "Sales EMEA", slaSeconds = 30 }));
        Assert.Equal("Sales EMEA", updated.GetProperty("name").GetString());
        Assert.Equal("roundRobin", updated.GetProperty("strategy").GetString());
        var all = await HostFixture.JsonAsync(await admin.GetAsync("api/v1/queues"));
        Assert.Contains(all.EnumerateArray(), q => q.GetProperty("id").GetString() == id);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/v1/queues/{id}")).StatusCode);
        await Problems.AssertAsync(await admin.GetAsync($"api/v1/queues/{id}"), HttpStatusCode.NotFound);
        await Problems.AssertAsync(await admin.DeleteAsync($"api/v1/queues/{id}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Reason_codes_crud()
    {
        using var admin = await Host.AdminAsync();
        var initial = await HostFixture.JsonAsync(await admin.GetAsync("api/v1/reason-codes"));
        Assert.Contains(initial.GetProperty("system").EnumerateArray(), c => c.GetString() == "supervisor");
        var code = HostFixture.NewId("coaching");
        var added = await HostFixture.JsonAsync(await admin.PostAsJsonAsync("api/v1/reason-codes", new { code }));
        Assert.Contains(added.GetProperty("codes").EnumerateArray(), c => c.GetString() == code);
        await Problems.AssertAsync(await admin.PostAsJsonAsync("api/v1/reason-codes", new { code }), HttpStatusCode.Conflict);
        await Problems.AssertAsync(await admin.PostAsJsonAsync("api/v1/reason-codes", new { code = "" }), HttpStatusCode.BadRequest);
        await Problems.AssertAsync(await admin.PutAsJsonAsync("api/v1/reason-codes", new { codes = new[] { "" } }), HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"api/v1/reason-codes/{code}")).StatusCode);
        await Problems.AssertAsync(await admin.DeleteAsync($"api/v1/reason-codes/{code}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Customers_crud_and_lookup_with_crm_connector()
    {
        using var admin = await Host.AdminAsync();
        var phone = HostFixture.NewNumber();
        var id = await fixture.CreateCustomerAsync(admin, phone, "Jane Doe");
        var fetched = await HostFixture.JsonAsync(await admin.GetAsync($"api/v1/customers/{id}"));
        Assert.Equal("Jane Doe", fetched.GetProperty("name").GetString());
        var byPhone = await HostFixture.JsonAsync(await admin.GetAsync($"api/v1/customers?phone={Uri.EscapeDataString(phone)}"));
        Assert.Equal(id, byPhone.GetProperty("items")[0].GetProperty("id").GetString());

        await Problems.AssertAsync(await admin.PostAsJsonAsync("api/v1/customers", new { id, name = "Dup" }), HttpStatusCode.Conflict);
        await Problems.AssertAsync(await admin.PostAsJsonAsync("api/v1/customers", new { id = HostFixture.NewId("c"), name = "Other", phoneNumbers = new[] { phone } }),
            HttpStatusCode.Conflict);
        await Problems.AssertAsync(await admin.PostAsJsonAsync("api/v1/customers", new { id = "x", name = "" }), HttpStatusCode.BadRequest);
        await Problems.AssertAsync(await admin.GetAsync("api/v1/customers/nobody"), HttpStatusCode.NotFound);

        // The CRM does not know this number: the built-in table answers.
        var builtin = await HostFixture.JsonAsync(await admin.GetAsync($"api/v1/customers/lookup?phone={Uri.EscapeDataString(phone)}"));
        Assert.Equal("builtin", builtin.GetProperty("source").GetString());
        Assert.Equal("Jane Doe", builtin.GetProperty("name").GetString());
        // The CRM knows this one.
        var crm = await HostFixture.JsonAsync(await admin.GetAsync($"api/v1/customers/lookup?phone={Uri.EscapeDataString(HostFixture.CrmKnownNumber)}"));
        Assert.Equal("crm", crm.GetProperty("source").GetString());
        Assert.Equal("Grace Hopper", crm.GetProperty("name").GetString());
        Assert.Equal("enterprise", crm.GetProperty("attributes").GetProperty("segment").GetString());
        // The CRM is too slow: after the timeout the built-in table answers.
        await fixture.CreateCustomerAsync(admin, HostFixture.CrmSlowNumber, "Slow Sam");
        var started = System.Diagnostics.Stopwatch.StartNew();
        var slow = await HostFixture.JsonAsync(await admin.GetAsync($"api/v1/customers/lookup?phone={Uri.EscapeDataString(HostFixture.CrmSlowNumber)}"));
        Assert.Equal("builtin", slow.GetProperty("source").GetString());
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"lookup took {started.Elapsed}");
        await Problems.AssertAsync(await admin.GetAsync("api/v1/customers/lookup"), HttpStatusCode.BadRequest);

        var updated = await admin.PutAsJsonAsync($"api/v1/customers/{id}", new { name = "Jane Smith", phoneNumbers = new[] { phone } });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/v1/customers/{id}")).StatusCode);
        await Problems.AssertAsync(await admin.GetAsync($"api/v1/customers/{id}"), HttpStatusCode.NotFound);
        var unknown = await HostFixture.JsonAsync(await admin.GetAsync($"api/v1/customers/lookup?phone={Uri.EscapeDataString(phone)}"));
        Assert.Equal("none", unknown.GetProperty("source").GetString());
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using Acd.Agents;
using Acd.Calls;
using Acd.Media.Tests.Infrastructure;
using Acd.ThreeCx.Tests.StandIn;
using Microsoft.Extensions.DependencyInjection;

namespace Acd.ThreeCx.Tests.Acd;

/// <summary>
/// 3CX-carried calls through the whole ACD: a caller on the Route Point is queued, hears the queue's music streamed to
/// the PBX, is routed to the chosen agent's extension, and ends in the same call records as a SIP call.
/// </summary>
[Collection(ThreeCxAcdCollection.Name)]
public sealed class ThreeCxAcdTests(ThreeCxAcdHost acd)
{
    private StandInPbx Pbx => acd.Pbx.Pbx;

    [Fact]
    public async Task A_route_point_caller_is_queued_hears_the_queue_music_and_is_routed_to_the_agents_extension()
    {
        var ani = NewNumber();
        var caller = Pbx.InjectCaller(StandInServer.RoutePoint, ani, "Jane Caller");

        // Nobody is Ready yet: the caller waits on the Route Point, answered by the connector, hearing the queue's music.
        var call = await WaitingCallAsync(ani);
        Assert.Equal("Connected", Pbx.Leg(caller)!.Status);
        await ThreeCxAcdHost.Eventually(() => Task.FromResult(Pbx.ReceivedAudio.TryGetValue(caller, out var audio) && audio.Length >= 16000),
            "a second of streamed audio");
        var samples = Samples(Pbx.ReceivedAudio[caller]);
        Assert.True(Goertzel.Detects(samples.AsSpan(samples.Length - 4000, 4000), ThreeCxAcdHost.MusicHz, ThreeCxAcdHost.MusicHz * 1.5),
            "the caller hears the queue's hold music (a 600 Hz tone)");

        // An agent turns Ready: routeto its extension, the phone rings there, the agent picks up.
        var agentId = await acd.ReadyAgentAsync("103");
        await ThreeCxAcdHost.Eventually(() => Task.FromResult(Pbx.LegsOn("103").Any(l => l.Status == "Ringing")), "extension 103 ringing");
        Pbx.AnswerPhone("103");
        await ThreeCxAcdHost.Eventually(async () => (await acd.Grains.GetGrain<ICallGrain>(call).GetAsync()).Status == CallStatus.Connected,
            "the ACD call connected");
        var agent = await acd.Grains.GetGrain<IAgentGrain>(agentId).GetAsync();
        Assert.Equal(AgentStatus.OnCall, agent.Status);
        // The Route Point leg is dropped once routeto delivered the caller (THREECX.md's pattern).
        await ThreeCxAcdHost.Eventually(() => Task.FromResult(Pbx.Leg(caller) is null), "the Route Point leg dropped");

        // The agent hangs up on the 3CX phone: the ACD call ends, answered, with the agent on the record.
        Pbx.HangUp(Pbx.LegsOn("103").Single().Id);
        var record = await acd.EndedCallAsync(ani);
        Assert.Equal(CallDisposition.Answered, record.Disposition);
        Assert.Equal(agentId, record.AgentId);
        Assert.Equal("Jane Caller", record.CallerName);
        await ThreeCxAcdHost.Eventually(() => Task.FromResult(acd.Calls.Count == 0), "the connector forgets the call");
    }

    [Fact]
    public async Task The_longest_idle_agent_gets_the_call_survives_a_socket_drop_and_transfers_it_out_with_one_record()
    {
        var first = await acd.ReadyAgentAsync("108");
        var second = await acd.ReadyAgentAsync("109");
        var ani = NewNumber();
        Pbx.InjectCaller(StandInServer.RoutePoint, ani, "Transfer Caller");
        await ThreeCxAcdHost.Eventually(() => Task.FromResult(Pbx.LegsOn("108").Any(l => l.Status == "Ringing")), "108 (idle longest) ringing");
        Assert.Empty(Pbx.LegsOn("109"));
        Pbx.AnswerPhone("108");
        string? callId = null;
        await ThreeCxAcdHost.Eventually(async () => (callId = (await acd.Grains.GetGrain<IAgentGrain>(first).GetAsync()).CallId) is not null
            && (await acd.Grains.GetGrain<ICallGrain>(callId).GetAsync()).Status == CallStatus.Connected, "the call connected at 108");

        // The socket drops mid-call and comes back: the call goes on, nothing is doubled.
        var connections = acd.Pbx.SocketConnections;
        acd.Pbx.DropSockets();
        await ThreeCxAcdHost.Eventually(() => Task.FromResult(acd.Pbx.SocketConnections > connections && acd.Calls.Health["pbx1"].Healthy), "the socket back");
        Assert.Equal(CallStatus.Connected, (await acd.Grains.GetGrain<ICallGrain>(callId!).GetAsync()).Status);

        // The agent transfers the caller to an outside number from the desktop: 3CX's transferto on the agent's leg.
        using var agentClient = acd.Host.Client((await acd.Host.LoginAsync(first, "agent-pass-1")).AccessToken);
        using var moved = await agentClient.PostAsJsonAsync($"api/v1/calls/{callId}/transfer", new { target = "+4930999000", mode = "Blind" });
        Assert.True(moved.IsSuccessStatusCode, await moved.Content.ReadAsStringAsync());
        await ThreeCxAcdHost.Eventually(() => Task.FromResult(Pbx.LegsOn("108").Count == 0), "the agent's leg handed over");
        var record = await acd.EndedCallAsync(ani);
        Assert.Equal(CallDisposition.Transferred, record.Disposition);
        Assert.Equal(first, record.AgentId);
        var queries = acd.Host.Services.GetRequiredService<global::Acd.Reporting.Queries.IReportingQueries>();
        Assert.Single((await queries.GetCallsAsync(new global::Acd.Reporting.Queries.CallHistoryQuery(QueueId: ThreeCxAcdHost.QueueId))).Items,
            c => c.Ani == ani);
        await acd.Grains.GetGrain<IAgentGrain>(first).LogoutAsync();
        await acd.Grains.GetGrain<IAgentGrain>(second).LogoutAsync();
    }

    [Fact]
    public async Task A_failed_routeto_is_a_ring_no_answer_and_the_caller_keeps_its_place_for_the_next_agent()
    {
        var silent = await acd.ReadyAgentAsync("104");
        var ani = NewNumber();
        Pbx.InjectCaller(StandInServer.RoutePoint, ani, "Rona Caller");
        await ThreeCxAcdHost.Eventually(() => Task.FromResult(Pbx.LegsOn("104").Any(l => l.Status == "Ringing")), "extension 104 ringing");

        // Nobody picks up on 104: the queue's 3 s ring timeout passes, 3CX fails the routeto.
        var answering = await acd.ReadyAgentAsync("105");
        await ThreeCxAcdHost.Eventually(() => Task.FromResult(Pbx.LegsOn("105").Any(l => l.Status == "Ringing")), "extension 105 ringing", 30);
        var rona = await acd.Grains.GetGrain<IAgentGrain>(silent).GetAsync();
        Assert.Equal(AgentStatus.NotReady, rona.Status);
        Assert.Equal(ReasonCodes.NoAnswer, rona.ReasonCode);
        Pbx.AnswerPhone("105");
        await ThreeCxAcdHost.Eventually(async () => (await acd.Grains.GetGrain<IAgentGrain>(answering).GetAsync()).Status == AgentStatus.OnCall,
            "the second agent on the call");

        // The ACD hangs the call up (desktop button): 3CX drops the agent's leg.
        var callId = (await acd.Grains.GetGrain<IAgentGrain>(answering).GetAsync()).CallId!;
        Assert.True((await acd.Grains.GetGrain<ICallGrain>(callId).HangupAsync(HangupSide.Agent)).IsSuccess);
        await ThreeCxAcdHost.Eventually(() => Task.FromResult(Pbx.LegsOn("105").Count == 0), "the agent's leg dropped on the PBX");
        var record = await acd.EndedCallAsync(ani);
        Assert.Equal(CallDisposition.Answered, record.Disposition);
        Assert.Equal(answering, record.AgentId);
        await acd.Grains.GetGrain<IAgentGrain>(silent).SetReadyAsync(); // leave it usable: it still rings for others otherwise
        await acd.Grains.GetGrain<IAgentGrain>(silent).LogoutAsync();
    }

    [Fact]
    public async Task An_agent_on_a_call_of_its_own_is_busy_elsewhere_and_offered_nothing_until_it_ends()
    {
        var agentId = await acd.ReadyAgentAsync("106");
        var agent = acd.Grains.GetGrain<IAgentGrain>(agentId);

        // The agent dials out from its 3CX phone: a participant on 106 that no ACD call owns.
        var (status, _) = Pbx.MakeCall("106", null, new System.Text.Json.Nodes.JsonObject { ["destination"] = "+4930555" });
        Assert.Equal(200, status);
        await ThreeCxAcdHost.Eventually(async () => (await agent.GetAsync()) is { Status: AgentStatus.NotReady, ReasonCode: ReasonCodes.BusyElsewhere },
            "the agent busy elsewhere");

        // A caller now waits: the busy agent is not offered the call.
        var ani = NewNumber();
        var caller = Pbx.InjectCaller(StandInServer.RoutePoint, ani, "Patient Caller");
        var waiting = await WaitingCallAsync(ani);
        await Task.Delay(500); // long enough for an offer to have rung 106, if the agent had been offered the call
        Assert.DoesNotContain(Pbx.LegsOn("106"), l => l.Status == "Ringing");
        Assert.Equal(CallStatus.Queued, (await acd.Grains.GetGrain<ICallGrain>(waiting).GetAsync()).Status);

        // Its own call ends: Ready again, and the waiting caller rings at 106.
        Pbx.HangUp(Pbx.LegsOn("106").Single().Id);
        await ThreeCxAcdHost.Eventually(() => Task.FromResult(Pbx.LegsOn("106").Any(l => l.Status == "Ringing")), "extension 106 ringing for the caller");
        Pbx.HangUp(caller);
        await acd.EndedCallAsync(ani);
        await ThreeCxAcdHost.Eventually(async () => (await agent.GetAsync()).Status is AgentStatus.Ready or AgentStatus.NotReady, "the agent free");
        await agent.LogoutAsync();
    }

    [Fact]
    public async Task Click_to_dial_places_the_call_from_the_agents_extension_and_its_end_on_the_phone_ends_the_acd_call()
    {
        var agentId = await acd.ReadyAgentAsync("107");
        using var agentClient = acd.Host.Client((await acd.Host.LoginAsync(agentId, "agent-pass-1")).AccessToken);
        using var dialled = await agentClient.PostAsJsonAsync("api/v1/calls", new { destination = "+4930777888" });
        Assert.True(dialled.IsSuccessStatusCode, await dialled.Content.ReadAsStringAsync());
        var call = await dialled.Content.ReadFromJsonAsync<Dictionary<string, object>>();
        var callId = call!["id"].ToString()!;
        Assert.Equal("3cx", call["carrier"].ToString());

        // makecall on 107: 3CX dials the number from the agent's extension; the far end answers.
        await ThreeCxAcdHost.Eventually(() => Task.FromResult(Pbx.LegsOn("107").Any(l => l.Status == "Dialing")), "107 dialling");
        Pbx.ConnectDialing("107");
        await ThreeCxAcdHost.Eventually(async () => (await acd.Grains.GetGrain<ICallGrain>(callId).GetAsync()).Status == CallStatus.Connected,
            "the outbound call connected");
        Assert.Equal(AgentStatus.OnCall, (await acd.Grains.GetGrain<IAgentGrain>(agentId).GetAsync()).Status);
        Assert.NotEqual(ReasonCodes.BusyElsewhere, (await acd.Grains.GetGrain<IAgentGrain>(agentId).GetAsync()).ReasonCode);

        // Hung up on the 3CX phone: the ACD sees it.
        Pbx.HangUp(Pbx.LegsOn("107").Single().Id);
        await ThreeCxAcdHost.Eventually(async () => (await acd.Grains.GetGrain<ICallGrain>(callId).GetAsync()).Status == CallStatus.Ended,
            "the outbound call ended");
        Assert.Equal(CallDisposition.Answered, (await acd.Grains.GetGrain<ICallGrain>(callId).GetAsync()).Disposition);
        await acd.Grains.GetGrain<IAgentGrain>(agentId).LogoutAsync();
    }

    [Fact]
    public async Task A_call_that_ended_while_the_connector_was_blind_is_closed_from_the_snapshot_without_duplicates()
    {
        var ani = NewNumber();
        var caller = Pbx.InjectCaller(StandInServer.RoutePoint, ani, "Blind Caller");
        var callId = await WaitingCallAsync(ani);

        // The socket drops and the caller hangs up meanwhile: no event ever says so.
        acd.Pbx.DropSockets();
        Pbx.HangUp(caller, sendEvent: false);
        var record = await acd.EndedCallAsync(ani);
        Assert.Equal(CallDisposition.Abandoned, record.Disposition);
        Assert.Equal(callId, record.CallId);
        Assert.Contains("could not see the PBX", record.EndReason, StringComparison.Ordinal);

        // Back on line: the reconnect's snapshot started no second call for anyone.
        await ThreeCxAcdHost.Eventually(() => Task.FromResult(acd.Calls.Health["pbx1"].Healthy), "the connector back on line");
        var queries = acd.Host.Services.GetRequiredService<global::Acd.Reporting.Queries.IReportingQueries>();
        var page = await queries.GetCallsAsync(new global::Acd.Reporting.Queries.CallHistoryQuery(QueueId: ThreeCxAcdHost.QueueId));
        Assert.Single(page.Items, c => c.Ani == ani);
    }

    [Fact]
    public async Task A_caller_hanging_up_while_queued_is_an_abandon()
    {
        var ani = NewNumber();
        var caller = Pbx.InjectCaller(StandInServer.RoutePoint, ani, "Gone Caller");
        await WaitingCallAsync(ani);
        Pbx.HangUp(caller);
        var record = await acd.EndedCallAsync(ani);
        Assert.Equal(CallDisposition.Abandoned, record.Disposition);
        Assert.Null(record.AgentId);
    }

    [Fact]
    public async Task What_3cx_cannot_do_is_refused_with_a_problem_saying_so_and_digits_reach_the_call()
    {
        var ani = NewNumber();
        var caller = Pbx.InjectCaller(StandInServer.RoutePoint, ani, "Digits Caller");
        var call = await WaitingCallAsync(ani);
        Pbx.SendDtmf(StandInServer.RoutePoint, caller, "42#");
        await ThreeCxAcdHost.Eventually(async () => await acd.Grains.GetGrain<ICallGrain>(call).GetDigitsAsync() == "42#", "the caller's digits on the call");

        using var admin = await acd.Host.AdminAsync();
        using var hold = await admin.PostAsync($"api/v1/calls/{call}/hold", null);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, hold.StatusCode);
        var problem = await hold.Content.ReadFromJsonAsync<Dictionary<string, object>>();
        Assert.Contains("3CX", problem!["detail"].ToString(), StringComparison.Ordinal);
        Assert.Equal("NotSupported", problem["error"].ToString());
        using var dtmf = await admin.PostAsJsonAsync($"api/v1/calls/{call}/dtmf", new { digits = "1" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, dtmf.StatusCode);
        using var view = await admin.GetAsync($"api/v1/calls/{call}");
        var json = await view.Content.ReadFromJsonAsync<Dictionary<string, object>>();
        Assert.Equal("3cx", json!["carrier"].ToString());
        Assert.Equal("False", json["sipLegs"].ToString(), ignoreCase: true);

        // The wallboard's connector indicator reads this.
        using var connectors = await admin.GetAsync("api/v1/connectors");
        var link = Assert.Single(await connectors.Content.ReadFromJsonAsync<List<Dictionary<string, object>>>() ?? []);
        Assert.Equal("pbx1", link["name"].ToString());
        Assert.Equal("True", link["healthy"].ToString(), ignoreCase: true);

        // /health/ready names the PBX.
        using var health = await acd.Host.Client().GetAsync("health/ready");
        Assert.Contains("3cx: Healthy (3CX: 1 PBX(s) connected)", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Pbx.HangUp(caller);
        await acd.EndedCallAsync(ani);
    }

    private async Task<string> WaitingCallAsync(string ani)
    {
        string? callId = null;
        await ThreeCxAcdHost.Eventually(async () =>
        {
            var queue = await acd.Grains.GetGrain<Queues.IQueueGrain>(ThreeCxAcdHost.QueueId).GetAsync();
            callId = queue.Waiting.FirstOrDefault(w => w.Ani == ani)?.CallId;
            return callId is not null;
        }, $"{ani} waiting in the queue");
        return callId!;
    }

    private static string NewNumber() => "+4930" + Random.Shared.Next(1_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static short[] Samples(MemoryStream pcm)
    {
        var bytes = pcm.ToArray();
        return MemoryMarshal.Cast<byte, short>(bytes.AsSpan(0, bytes.Length & ~1)).ToArray();
    }
}

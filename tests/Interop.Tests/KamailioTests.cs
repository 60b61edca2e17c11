using System.Net;
using System.Text.RegularExpressions;
using Acd.Agents;
using Acd.Calls;
using Acd.Interop.Tests.Audio;
using Acd.Interop.Tests.Peers;
using Acd.Testing;

namespace Acd.Interop.Tests;

/// <summary>
/// The edge with a stock Kamailio on 127.0.0.2 in front of it. Beyond the defaults it has only what this topology needs:
/// Kamailio's address in <c>Sip:TrunkAllowList</c> (calls it delivers need no digest) and the outbound trunk pointed at it
/// with the credentials Kamailio asks for.
/// </summary>
public sealed class KamailioEdgeHost : InteropHost
{
    public const string TrunkUser = "acd-trunk";

    public const string TrunkPassword = "trunk-secret";

    private Kamailio? _kamailio;

    public int KamailioPort { get; } = PeerPorts.FreeUdpOn(IPAddress.Parse(Kamailio.Address));

    /// <summary>Where Kamailio sends the edge's outbound calls: a SIPp called party listens here.</summary>
    public int CalledPartyPort { get; } = LoopbackPorts.FreeUdpAndTcp();

    public Kamailio Proxy => _kamailio ?? throw new InvalidOperationException("Kamailio did not start.");

    /// <summary>SIPp's argument that sends everything to Kamailio whatever the Request-URI names.</summary>
    public string[] ThroughProxy => ["-rsa", $"{Kamailio.Address}:{KamailioPort}"];

    protected override void Configure(IDictionary<string, string?> settings)
    {
        settings["Sip:TrunkAllowList:0"] = $"{Kamailio.Address}/32";
        settings["Sip:OutboundTrunk:Host"] = $"{Kamailio.Address}:{KamailioPort}";
        settings["Sip:OutboundTrunk:Username"] = TrunkUser;
        settings["Sip:OutboundTrunk:Password"] = TrunkPassword;
    }

    protected override async Task OnStartedAsync() =>
        _kamailio = await Kamailio.StartAsync(KamailioPort, SipPort, CalledPartyPort, TrunkUser, TrunkPassword);

    protected override async ValueTask OnStoppingAsync()
    {
        if (_kamailio is not null)
        {
            await _kamailio.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class KamailioCollection : ICollectionFixture<KamailioEdgeHost>
{
    public const string Name = "interop-kamailio";
}

[Collection(KamailioCollection.Name)]
public sealed class KamailioTests(KamailioEdgeHost host)
{
    /// <summary>
    /// Kamailio as the carrier's proxy in front of the edge (stateful, record-routing): a SIPp caller's INVITE comes through
    /// it, is queued and answered by a baresip agent, and the dialog ends through the proxy's route set, whichever side hangs
    /// up. SIPp echoes the agent's RTP, so the agent hearing its own tone proves the SDP crossed both hops intact.
    /// </summary>
    [Theory]
    [InlineData("caller")]
    [InlineData("agent")]
    public async Task A_call_delivered_by_Kamailio_is_queued_answered_and_ended_through_its_route_set(string hangsUp)
    {
        Baresip? agent = null;
        Sipp? caller = null;
        await Diagnostics.WithLogsAsync(async () =>
        {
            var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
            var agentId = await host.CreateAgentAsync(queueId);
            await using var agentPhone = agent = await Baresip.StartAsync("agent",
                new BaresipAccount(agentId, InteropHost.SipPassword, "udp", host.SipPort, Register: true, AutoAnswer: true), Tones.Wav(Tones.Agent));
            await host.RegisteredDeviceAsync(agentId);
            await host.SetReadyAsync(agentId);

            await using var sipp = caller = Sipp.Start(hangsUp == "caller" ? "proxy-caller.xml" : "proxy-caller-hung-up.xml", host.SipPort, number,
                extraArguments: [.. host.ThroughProxy, "-rtp_echo"]);
            await agent.WaitForEventAsync("CALL_ESTABLISHED");
            var call = await (await host.ConnectedCallAsync(agentId)).GetAsync();
            if (hangsUp == "agent")
            {
                await Task.Delay(TimeSpan.FromSeconds(2));
                await agent.HangupAsync();
            }

            await caller.AssertSucceededAsync();
            await agent.WaitForEventAsync("CALL_CLOSED");

            var record = await host.EndedCallAsync(queueId);
            Assert.Equal(call.CallId, record.CallId);
            Assert.Equal(CallDisposition.Answered, record.Disposition);
            Assert.Equal(agentId, record.AgentId);
            Assert.Equal("+4930777", record.Ani);
            Assert.Equal(number, record.Dnis);
            await host.WaitReleasedAsync(call.CallId);
            await InteropHost.Eventually(async () => (await host.AgentAsync(agentId)).Status == AgentStatus.Ready, "the agent to be Ready again");

            // The BYE crossed Kamailio as an in-dialog request it had record-routed (loose_route matched its own Route).
            var sipCallId = Regex.Match(caller.Messages, @"Call-ID: *(\S+)").Groups[1].Value;
            Assert.Matches($@"in-dialog BYE routed to \S+ call-id {Regex.Escape(sipCallId)}", host.Proxy.Output(int.MaxValue));
            Assert.Contains("Record-Route: <sip:127.0.0.2", caller.Messages, StringComparison.Ordinal);

            await Task.Delay(300);
            var heard = Tones.AnalyseWav(agent.Recording("dec"));
            Assert.True(heard.Carries(Tones.Agent, 1), $"the agent heard (SIPp echoes its RTP): {heard}");
        }, () => agent?.Describe() ?? "", () => caller?.Describe() ?? "", () => host.Proxy.Describe(), () => "--- host ---\n" + host.LogTail());
    }

    /// <summary>
    /// Kamailio as the upstream carrier of the edge's outbound trunk, challenging with its default digest (407, MD5): a
    /// click-to-dial rings the agent's baresip, then the edge's INVITE to the trunk is challenged, answered with the trunk
    /// credentials, relayed to a SIPp called party behind Kamailio, and the called party's BYE comes back through the route
    /// set. SIPp echoes RTP back, and baresip's own RTP counters show packets both ways once the edge re-pointed the phone
    /// at the called party's media. (Not by tone here: after answering the edge's inactive placeholder offer, baresip 1.0's
    /// sndfile filter records nothing of what it receives, although its RTP statistics count every echoed packet.)
    /// </summary>
    [Fact]
    public async Task Click_to_dial_goes_out_through_Kamailio_which_challenges_the_edge_and_reaches_the_called_party()
    {
        Baresip? agent = null;
        Sipp? calledParty = null;
        await Diagnostics.WithLogsAsync(async () =>
        {
            var (queueId, _) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
            var agentId = await host.CreateAgentAsync(queueId);
            await using var agentPhone = agent = await Baresip.StartAsync("agent",
                new BaresipAccount(agentId, InteropHost.SipPassword, "udp", host.SipPort, Register: true, AutoAnswer: true), Tones.Wav(Tones.Agent));
            await host.RegisteredDeviceAsync(agentId);
            await host.SetReadyAsync(agentId);
            await using var callee = calledParty = Sipp.Start("proxy-called-party.xml", host.KamailioPort, "callee", host.CalledPartyPort,
                extraArguments: [.. host.ThroughProxy, "-rtp_echo"]);
            await calledParty.WaitListeningAsync();

            var placed = await host.Edge.DialAsync(agentId, new CallInfo("2001", "+15551234", null, CallDirection.Outbound, 0, null, null, null));
            Assert.NotNull(placed);
            Assert.True(placed.Value.IsSuccess, placed.Value.ToString());
            var callId = placed.Value.Value!.CallId;
            await agent.WaitForEventAsync("CALL_ESTABLISHED");
            await calledParty.AssertSucceededAsync();
            await agent.WaitForEventAsync("CALL_CLOSED");

            await InteropHost.Eventually(async () => (await host.Grains.GetGrain<ICallGrain>(callId).GetAsync()).Status == CallStatus.Ended, "the call to end");
            var call = await host.Grains.GetGrain<ICallGrain>(callId).GetAsync();
            Assert.Equal(CallDisposition.Answered, call.Disposition);
            Assert.Equal(CallDirection.Outbound, call.Info!.Direction);
            Assert.Equal("+15551234", call.Info.Dnis);
            Assert.Equal(agentId, call.AgentId);
            await host.WaitReleasedAsync(callId);

            var kamailio = host.Proxy.Output(int.MaxValue);
            Assert.Contains("challenge INVITE sip:+15551234@", kamailio, StringComparison.Ordinal);
            Assert.Contains($"authenticated {KamailioEdgeHost.TrunkUser} for INVITE sip:+15551234@", kamailio, StringComparison.Ordinal);
            Assert.Contains("INVITE sip:+15551234@", calledParty.Messages, StringComparison.Ordinal);

            var (sent, received) = agent.RtpPackets();
            Assert.True(sent >= 50 && received >= 50, $"the agent's RTP: {sent} packets sent, {received} received (3 s of talk is 150 each way)");
        }, () => agent?.Describe() ?? "", () => calledParty?.Describe() ?? "", () => host.Proxy.Describe(), () => "--- host ---\n" + host.LogTail());
    }

    /// <summary>
    /// A number dialled on the agent's own baresip (digest as the agent) leaves through the outbound trunk: Kamailio
    /// challenges the edge (407), the edge answers with the trunk's credentials, the SIPp called party behind Kamailio
    /// answers, echoes the RTP (the agent hears its own tone: a plain offer/answer, so baresip's recording works here) and
    /// hangs up through the route set; the ACD records an answered outbound call.
    /// </summary>
    [Fact]
    public async Task A_number_dialled_on_a_baresip_agent_phone_goes_out_through_Kamailio_with_the_trunk_credentials()
    {
        Baresip? agent = null;
        Sipp? calledParty = null;
        await Diagnostics.WithLogsAsync(async () =>
        {
            var (queueId, _) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
            var agentId = await host.CreateAgentAsync(queueId);
            await using var agentPhone = agent = await Baresip.StartAsync("agent",
                new BaresipAccount(agentId, InteropHost.SipPassword, "udp", host.SipPort, Register: true, AutoAnswer: false), Tones.Wav(Tones.Agent));
            await host.RegisteredDeviceAsync(agentId);
            await host.SetReadyAsync(agentId);
            await using var callee = calledParty = Sipp.Start("proxy-called-party.xml", host.KamailioPort, "callee", host.CalledPartyPort,
                extraArguments: [.. host.ThroughProxy, "-rtp_echo"]);
            await calledParty.WaitListeningAsync();

            await agent.DialAsync($"sip:+15557777@{InteropHost.Domain}");
            await agent.WaitForEventAsync("CALL_ESTABLISHED");
            await calledParty.AssertSucceededAsync();
            await agent.WaitForEventAsync("CALL_CLOSED");

            var record = await host.EndedCallAsync(agentId: agentId);
            Assert.Equal(CallDirection.Outbound, record.Direction);
            Assert.Equal(CallDisposition.Answered, record.Disposition);
            Assert.Equal("+15557777", record.Dnis);
            await host.WaitReleasedAsync(record.CallId);
            await InteropHost.Eventually(async () => (await host.AgentAsync(agentId)).Status == AgentStatus.Ready, "the agent to be Ready again");

            var kamailio = host.Proxy.Output(int.MaxValue);
            Assert.Contains("challenge INVITE sip:+15557777@", kamailio, StringComparison.Ordinal);
            Assert.Contains($"authenticated {KamailioEdgeHost.TrunkUser} for INVITE sip:+15557777@", kamailio, StringComparison.Ordinal);
            Assert.Contains($"Authorization: Digest username=\"{agentId}\"", agent.Output(int.MaxValue), StringComparison.Ordinal);

            await Task.Delay(300);
            var heard = Tones.AnalyseWav(agent.Recording("dec"));
            Assert.True(heard.Carries(Tones.Agent, 1), $"the agent heard (the called party echoes its RTP): {heard}");
        }, () => agent?.Describe() ?? "", () => calledParty?.Describe() ?? "", () => host.Proxy.Describe(), () => "--- host ---\n" + host.LogTail());
    }
}

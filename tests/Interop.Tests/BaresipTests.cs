using Acd.Agents;
using Acd.Calls;
using Acd.Interop.Tests.Audio;
using Acd.Interop.Tests.Peers;

namespace Acd.Interop.Tests;

/// <summary>
/// Stock baresip 1.0 on both ends, with the edge's default settings: the agent's phone registers with its SIP password
/// (digest, MD5 challenge), a second account dials the queue number (its INVITE challenged the same way), the edge queues
/// the call and rings the agent's baresip, which answers by itself; each side sends its own tone and records what it
/// receives, so the recordings prove audio flowed end to end both ways. Then one side hangs up and the ACD's record and
/// the agent's state are checked.
/// Known limit of the peer, not of the product: baresip 1.0's sndfile filter stops recording what it receives at the first
/// re-INVITE of a call (its RTP counters go on counting), so after a re-INVITE media is checked by those counters.
/// </summary>
[Collection(DefaultsCollection.Name)]
public sealed class BaresipTests(InteropHost host)
{
    [Theory]
    [InlineData("udp", "caller")]
    [InlineData("tcp", "agent")]
    public async Task A_baresip_caller_is_queued_to_a_baresip_agent_with_two_way_audio(string transport, string hangsUp)
    {
        Baresip? agent = null, caller = null;
        await Diagnostics.WithLogsAsync(async () =>
        {
            var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
            var agentId = await host.CreateAgentAsync(queueId);
            var callerId = await host.CreateAgentAsync(); // a second SIP account, in no queue: the caller signs its INVITE with it

            await using var agentPhone = agent = await Baresip.StartAsync("agent",
                new BaresipAccount(agentId, InteropHost.SipPassword, transport, host.SipPort, Register: true, AutoAnswer: true),
                Tones.Wav(Tones.Agent));
            var device = await host.RegisteredDeviceAsync(agentId);
            Assert.Equal(transport.ToUpperInvariant(), device.Transport);
            Assert.StartsWith("baresip", device.UserAgent, StringComparison.Ordinal);
            await agent.WaitRegisteredAsync();
            await host.SetReadyAsync(agentId);

            await using var callerPhone = caller = await Baresip.StartAsync("caller",
                new BaresipAccount(callerId, InteropHost.SipPassword, transport, host.SipPort, Register: false, AutoAnswer: false),
                Tones.Wav(Tones.Caller));
            await caller.DialAsync($"sip:{number}@{InteropHost.Domain}");

            await agent.WaitForEventAsync("CALL_ESTABLISHED");
            await caller.WaitForEventAsync("CALL_ESTABLISHED");
            var call = await (await host.ConnectedCallAsync(agentId)).GetAsync();
            Assert.Equal(queueId, call.QueueId);
            Assert.NotNull(call.QueuedAt);

            await Task.Delay(TimeSpan.FromSeconds(3)); // talk: each side hears the other's tone
            await (hangsUp == "caller" ? caller : agent).HangupAsync();
            await caller.WaitForEventAsync("CALL_CLOSED");
            await agent.WaitForEventAsync("CALL_CLOSED");

            // The digest both accounts did: one MD5 challenge, answered by stock baresip.
            Assert.Contains($"Authorization: Digest username=\"{agentId}\"", agent.Output(int.MaxValue), StringComparison.Ordinal);
            Assert.Contains($"Authorization: Digest username=\"{callerId}\"", caller.Output(int.MaxValue), StringComparison.Ordinal);

            var record = await host.EndedCallAsync(queueId);
            Assert.Equal(call.CallId, record.CallId);
            Assert.Equal(CallDisposition.Answered, record.Disposition);
            Assert.Equal(agentId, record.AgentId);
            Assert.Equal(callerId, record.Ani);
            Assert.Equal(number, record.Dnis);
            Assert.True(record.TalkSeconds >= 2, $"talk time {record.TalkSeconds} s");
            await host.WaitReleasedAsync(call.CallId);
            await InteropHost.Eventually(async () => (await host.AgentAsync(agentId)).Status == AgentStatus.Ready, "the agent to be Ready again (no wrap-up)");
            Assert.Equal(1, (await host.AgentAsync(agentId)).CallsHandled);

            // Media, by content: the agent's phone played the caller's tone, the caller's phone the agent's.
            await Task.Delay(300); // sndfile closes its files when the call's audio stops
            var atAgent = Tones.AnalyseWav(agent.Recording("dec"));
            var atCaller = Tones.AnalyseWav(caller.Recording("dec"));
            Assert.True(atAgent.Carries(Tones.Caller, 2), $"agent received: {atAgent}");
            Assert.True(atCaller.Carries(Tones.Agent, 2), $"caller received: {atCaller}");
            Assert.True(agent.RtpPackets() is { Sent: >= 100, Received: >= 100 }, $"the agent's RTP packets: {agent.RtpPackets()}");
            Assert.True(caller.RtpPackets() is { Sent: >= 100, Received: >= 100 }, $"the caller's RTP packets: {caller.RtpPackets()}");
        }, () => agent?.Describe() ?? "", () => caller?.Describe() ?? "", () => "--- host ---\n" + host.LogTail());
    }

    /// <summary>
    /// Hold and resume from a stock phone: the agent's baresip re-INVITEs (sendonly, then sendrecv); the edge's media engine
    /// answers them, plays the caller's baresip hold music meanwhile (no re-INVITE reaches it) and tells the ACD; after the
    /// resume each side hears the other's tone again.
    /// </summary>
    [Fact]
    public async Task Hold_and_resume_on_the_agent_baresip_play_the_caller_hold_music_and_the_agent_comes_back()
    {
        Baresip? agent = null, caller = null;
        await Diagnostics.WithLogsAsync(async () =>
        {
            var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
            var agentId = await host.CreateAgentAsync(queueId);
            var callerId = await host.CreateAgentAsync();
            await using var agentPhone = agent = await Baresip.StartAsync("agent",
                new BaresipAccount(agentId, InteropHost.SipPassword, "udp", host.SipPort, Register: true, AutoAnswer: true), Tones.Wav(Tones.Agent));
            await host.RegisteredDeviceAsync(agentId);
            await host.SetReadyAsync(agentId);
            await using var callerPhone = caller = await Baresip.StartAsync("caller",
                new BaresipAccount(callerId, InteropHost.SipPassword, "udp", host.SipPort, Register: false, AutoAnswer: false), Tones.Wav(Tones.Caller));
            await caller.DialAsync($"sip:{number}@{InteropHost.Domain}");
            await agent.WaitForEventAsync("CALL_ESTABLISHED");
            var call = host.Grains.GetGrain<ICallGrain>((await (await host.ConnectedCallAsync(agentId)).GetAsync()).CallId);
            await Task.Delay(TimeSpan.FromSeconds(1.5));

            // The agent's phone holds with its own re-INVITE; the edge's engine answers it and plays the caller hold music.
            await agent.CommandAsync("hold");
            await InteropHost.Eventually(async () => (await call.GetAsync()).HeldSince is not null, "the ACD to see the call on hold");
            await Task.Delay(TimeSpan.FromSeconds(2));

            await agent.CommandAsync("resume");
            await InteropHost.Eventually(async () => (await call.GetAsync()).HeldSince is null, "the ACD to see the call resumed");
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            await caller.HangupAsync();
            await agent.WaitForEventAsync("CALL_CLOSED");

            var record = await host.EndedCallAsync(queueId);
            Assert.Equal(CallDisposition.Answered, record.Disposition);
            Assert.True(record.HoldSeconds >= 0.5, $"hold time {record.HoldSeconds} s");

            // The caller was never re-INVITEd (so its recording runs through, see the class summary): it heard the agent's
            // tone, then at least a second of something else that is not silence (the hold music), then the agent again.
            await Task.Delay(300);
            Assert.DoesNotContain("a=sendonly", caller.Output(int.MaxValue), StringComparison.Ordinal);
            var heard = Tones.Timeline(caller.Recording("dec"));
            Assert.Matches("a{8,}[^a]*m{10,}[^a]*a{15,}", heard);

            // The agent's phone heard the caller before its hold (its own recording stops at its re-INVITE), and RTP again
            // after the resume: about 75 packets before the hold, 125 more after it.
            var (_, received) = agent.RtpPackets();
            Assert.True(received >= 150, $"the agent received {received} RTP packets: the caller's audio did not come back after the resume");
            var beforeHold = Tones.AnalyseWav(agent.Recording("dec"));
            Assert.True(beforeHold.Carries(Tones.Caller, 0.5), $"the agent heard before the hold: {beforeHold}");
        }, () => agent?.Describe() ?? "", () => caller?.Describe() ?? "", () => "--- host ---\n" + host.LogTail());
    }

    /// <summary>
    /// The caller gives up while the agent's baresip is still ringing: its CANCEL ends the queued call, the edge cancels the
    /// agent's leg (baresip sees the call closed), the ACD records an abandoned call and the agent is Ready again.
    /// </summary>
    [Fact]
    public async Task A_caller_hanging_up_while_the_agent_baresip_rings_cancels_the_agent_leg_and_is_recorded_abandoned()
    {
        Baresip? agent = null, caller = null;
        await Diagnostics.WithLogsAsync(async () =>
        {
            var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
            var agentId = await host.CreateAgentAsync(queueId);
            var callerId = await host.CreateAgentAsync();
            await using var agentPhone = agent = await Baresip.StartAsync("agent",
                new BaresipAccount(agentId, InteropHost.SipPassword, "tcp", host.SipPort, Register: true, AutoAnswer: false), Tones.Wav(Tones.Agent));
            await host.RegisteredDeviceAsync(agentId);
            await host.SetReadyAsync(agentId);
            await using var callerPhone = caller = await Baresip.StartAsync("caller",
                new BaresipAccount(callerId, InteropHost.SipPassword, "tcp", host.SipPort, Register: false, AutoAnswer: false), Tones.Wav(Tones.Caller));
            await caller.DialAsync($"sip:{number}@{InteropHost.Domain}");
            await agent.WaitForEventAsync("CALL_INCOMING");
            await caller.WaitForEventAsync("CALL_RINGING");
            Assert.Equal(AgentStatus.Reserved, (await host.AgentAsync(agentId)).Status);

            await caller.HangupAsync();
            await agent.WaitForEventAsync("CALL_CLOSED");
            await caller.WaitForEventAsync("CALL_CLOSED");
            Assert.Contains("CANCEL sip:", agent.Output(int.MaxValue), StringComparison.Ordinal);

            var record = await host.EndedCallAsync(queueId);
            Assert.Equal(CallDisposition.Abandoned, record.Disposition);
            await host.WaitReleasedAsync(record.CallId);
            await InteropHost.Eventually(async () => (await host.AgentAsync(agentId)).Status == AgentStatus.Ready, "the agent to be Ready again");
        }, () => agent?.Describe() ?? "", () => caller?.Describe() ?? "", () => "--- host ---\n" + host.LogTail());
    }
}

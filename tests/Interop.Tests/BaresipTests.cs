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
}

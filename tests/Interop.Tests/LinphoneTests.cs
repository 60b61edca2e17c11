using Acd.Agents;
using Acd.Calls;
using Acd.Interop.Tests.Audio;
using Acd.Interop.Tests.Peers;

namespace Acd.Interop.Tests;

/// <summary>
/// Stock linphonec as an agent's phone, with the edge's defaults: it registers with the CLI's own <c>register</c> command
/// (digest, MD5), a baresip caller dials the queue, linphonec answers by itself (-a) and the two exchange tones; on quit it
/// unregisters and the agent's binding goes away.
/// </summary>
[Collection(DefaultsCollection.Name)]
public sealed class LinphoneTests(InteropHost host)
{
    [Fact]
    public async Task Linphonec_registers_as_an_agent_answers_a_queued_baresip_call_with_two_way_audio_and_unregisters_on_quit()
    {
        Linphone? linphone = null;
        Baresip? caller = null;
        await Diagnostics.WithLogsAsync(async () =>
        {
            var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
            var agentId = await host.CreateAgentAsync(queueId);
            var callerId = await host.CreateAgentAsync();

            await using var agentPhone = linphone = await Linphone.StartAsync(autoAnswer: true);
            await linphone.CommandAsync($"register sip:{agentId}@{InteropHost.Domain} sip:127.0.0.1:{host.SipPort} {InteropHost.SipPassword}");
            var device = await host.RegisteredDeviceAsync(agentId);
            Assert.StartsWith("Linphonec/", device.UserAgent, StringComparison.Ordinal);
            Assert.Equal("UDP", device.Transport);
            await linphone.CommandAsync("proxy list", "registered: yes");
            Assert.Contains($"username=\"{agentId}\"", linphone.SipTrace(), StringComparison.Ordinal);
            await host.SetReadyAsync(agentId);

            await using var callerPhone = caller = await Baresip.StartAsync("caller",
                new BaresipAccount(callerId, InteropHost.SipPassword, "udp", host.SipPort, Register: false, AutoAnswer: false),
                Tones.Wav(Tones.Caller));
            await caller.DialAsync($"sip:{number}@{InteropHost.Domain}");
            await linphone.WaitForAsync("connected.", 20);
            var recording = Path.Combine(linphone.Directory, "received.wav");
            await linphone.CommandAsync($"play {Tones.Wav(Tones.Agent)}");
            await linphone.CommandAsync($"record {recording}");
            await caller.WaitForEventAsync("CALL_ESTABLISHED");
            var call = await (await host.ConnectedCallAsync(agentId)).GetAsync();
            Assert.Equal(queueId, call.QueueId);

            await Task.Delay(TimeSpan.FromSeconds(3));
            await caller.HangupAsync();
            await linphone.WaitForAsync("ended", 15);
            await caller.WaitForEventAsync("CALL_CLOSED");

            var record = await host.EndedCallAsync(queueId);
            Assert.Equal(CallDisposition.Answered, record.Disposition);
            Assert.Equal(agentId, record.AgentId);
            Assert.Equal(callerId, record.Ani);
            await host.WaitReleasedAsync(call.CallId);
            await InteropHost.Eventually(async () => (await host.AgentAsync(agentId)).Status == AgentStatus.Ready, "the agent to be Ready again");

            var atAgent = Tones.AnalyseWav(recording);
            await Task.Delay(300);
            var atCaller = Tones.AnalyseWav(caller.Recording("dec"));
            Assert.True(atAgent.Carries(Tones.Caller, 2), $"linphonec received: {atAgent}");
            Assert.True(atCaller.Carries(Tones.Agent, 2), $"the caller received: {atCaller}");

            // Quitting unregisters (REGISTER with Expires 0): the edge drops the agent's binding.
            await linphone.CommandAsync("quit", "Terminating...");
            await InteropHost.Eventually(async () => (await host.AgentAsync(agentId)).Devices.IsDefaultOrEmpty, "the binding to be removed");
        }, () => linphone?.Describe() ?? "", () => caller?.Describe() ?? "", () => "--- host ---\n" + host.LogTail());
    }
}

using Acd.Agents;
using Acd.Calls;
using Acd.Interop.Tests.Audio;
using Acd.Interop.Tests.Peers;

namespace Acd.Interop.Tests;

/// <summary>
/// Stock JsSIP 3.13 and stock SIP.js 0.21 in headless Chromium (not the product's desktop code), against the edge's
/// defaults over SIP over WebSocket (/sip): one library is the agent's phone (registers with the agent's id and SIP
/// password, answers by itself), the other the caller (signs its INVITE with a second account's digest) dialling the queue.
/// Each browser's microphone is a tone file; both sides' getStats() must count audio packets both ways, and what each page
/// receives is captured through WebAudio and must carry the other side's tone. Then one side hangs up (the edge relays the
/// BYE over the other browser's WebSocket flow) and the call record is checked.
/// </summary>
[Collection(DefaultsCollection.Name)]
public sealed class BrowserTests(InteropHost host)
{
    [Theory]
    [InlineData("jssip", "sipjs", "caller")]
    [InlineData("sipjs", "jssip", "agent")]
    public async Task A_browser_caller_is_queued_to_a_browser_agent_with_two_way_audio(string agentLibrary, string callerLibrary, string hangsUp)
    {
        BrowserPhone? agent = null, caller = null;
        await Diagnostics.WithLogsAsync(async () =>
        {
            var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
            var agentId = await host.CreateAgentAsync(queueId);
            var callerId = await host.CreateAgentAsync();

            await using var agentPhone = agent = await BrowserPhone.OpenAsync(agentLibrary, host.HttpAddress, Tones.Wav(Tones.Agent, 48000, 60));
            await agent.StartAsync(host.WebSocketAddress, agentId, InteropHost.SipPassword, register: true);
            var device = await host.RegisteredDeviceAsync(agentId);
            Assert.Equal("WS", device.Transport);
            Assert.Contains(agentLibrary == "jssip" ? "JsSIP" : "SIP.js", device.UserAgent ?? "", StringComparison.Ordinal);
            await host.SetReadyAsync(agentId);

            await using var callerPhone = caller = await BrowserPhone.OpenAsync(callerLibrary, host.HttpAddress, Tones.Wav(Tones.Caller, 48000, 60));
            await caller.StartAsync(host.WebSocketAddress, callerId, InteropHost.SipPassword, register: false);
            await caller.CallAsync($"sip:{number}@{InteropHost.Domain}");
            await agent.WaitForCallAsync("established");
            await caller.WaitForCallAsync("established");
            var call = await (await host.ConnectedCallAsync(agentId)).GetAsync();
            Assert.Equal(queueId, call.QueueId);

            // Media: DTLS-SRTP between the browsers, the edge passing the SDP through; audio packets counted both ways.
            var atAgent = await agent.WaitForMediaAsync(packets: 50);
            var atCaller = await caller.WaitForMediaAsync(packets: 50);
            var heardByAgent = agent.CaptureAsync(2);
            var heardByCaller = caller.CaptureAsync(2);
            var agentTones = Tones.Analyse((await heardByAgent).Samples, (await heardByAgent).SampleRate);
            var callerTones = Tones.Analyse((await heardByCaller).Samples, (await heardByCaller).SampleRate);
            Assert.True(agentTones.Carries(Tones.Caller, 1), $"the agent's page heard: {agentTones} ({atAgent})");
            Assert.True(callerTones.Carries(Tones.Agent, 1), $"the caller's page heard: {callerTones} ({atCaller})");

            await (hangsUp == "caller" ? caller : agent).HangupAsync();
            await agent.WaitForCallAsync("ended");
            await caller.WaitForCallAsync("ended");
            var record = await host.EndedCallAsync(queueId);
            Assert.Equal(call.CallId, record.CallId);
            Assert.Equal(CallDisposition.Answered, record.Disposition);
            Assert.Equal(agentId, record.AgentId);
            Assert.Equal(callerId, record.Ani);
            await host.WaitReleasedAsync(call.CallId);
            await InteropHost.Eventually(async () => (await host.AgentAsync(agentId)).Status == AgentStatus.Ready, "the agent to be Ready again");
        }, () => agent?.Describe() ?? "", () => caller?.Describe() ?? "", () => "--- host ---\n" + host.LogTail());
    }
}

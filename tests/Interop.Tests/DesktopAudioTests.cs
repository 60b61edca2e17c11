using System.Globalization;
using System.Text.Json;
using Acd.Calls;
using Acd.Interop.Tests.Audio;
using Acd.Interop.Tests.Peers;
using Microsoft.Playwright;

namespace Acd.Interop.Tests;

/// <summary>The product's defaults plus the frontend, so the agent desktop (and its browser phone) is served.</summary>
public sealed class DesktopInteropHost : InteropHost
{
    protected override bool ServesDesktop => true;
}

[CollectionDefinition(Name)]
public sealed class DesktopCollection : ICollectionFixture<DesktopInteropHost>
{
    public const string Name = "interop-desktop";
}

/// <summary>
/// The product's main use case: a customer on the phone network (stock baresip, plain RTP/AVP with G.711, PCMU or PCMA)
/// calls a queue and talks to an agent in the desktop's own browser phone in headless Chromium (WebRTC: ICE, DTLS-SRTP,
/// rtcp-mux), the edge's media engine bridging the two. Each side's microphone is a tone; each side must receive the
/// other's, checked by frequency. The desktop's phone indicator shows packets and loss both ways (the loss of what the
/// browser sent comes from the engine's RTCP reports), and a digit the caller keys shows on the call panel.
/// </summary>
[Collection(DesktopCollection.Name)]
public sealed class DesktopAudioTests(DesktopInteropHost host)
{
    private const string AgentPassword = "agent-pass-1";

    [Theory]
    [InlineData("PCMU")]
    [InlineData("PCMA")]
    public async Task A_phone_network_caller_and_the_agent_desktop_hear_each_other(string codec)
    {
        Baresip? caller = null;
        var console = new List<string>();
        await Diagnostics.WithLogsAsync(async () =>
        {
            var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 30);
            var agentId = await host.CreateDesktopAgentAsync(queueId, AgentPassword);
            var callerId = await host.CreateAgentAsync(); // the caller signs its INVITE with an account in no queue

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = BrowserPhone.ChromiumPath,
                Headless = true,
                Timeout = 30_000,
                Args =
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                    $"--use-file-for-fake-audio-capture={Tones.Wav(Tones.Agent, 48000, 60)}",
                    "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required",
                ],
            });
            var desktop = await browser.NewPageAsync();
            desktop.SetDefaultTimeout(20_000);
            desktop.Console += (_, m) => console.Add($"console.{m.Type}: {m.Text}");
            desktop.PageError += (_, e) => console.Add($"page error: {e}");

            // The agent signs in: the desktop's phone registers over /sip, then the agent goes Ready.
            await desktop.GotoAsync(new Uri(host.HttpAddress, "index.html").ToString());
            await desktop.FillAsync("#username", agentId);
            await desktop.FillAsync("#password", AgentPassword);
            await desktop.ClickAsync("#login-button");
            await Assertions.Expect(desktop.Locator("#phone-status")).ToHaveAttributeAsync("data-state", "registered");
            await host.RegisteredDeviceAsync(agentId);
            await desktop.ClickAsync("#btn-ready");
            await Assertions.Expect(desktop.Locator("#agent-status")).ToHaveAttributeAsync("data-status", "ready");

            // The customer calls from the phone network in the one codec its account allows.
            await using var callerPhone = caller = await Baresip.StartAsync("caller",
                new BaresipAccount(callerId, InteropHost.SipPassword, "udp", host.SipPort, Register: false, AutoAnswer: false, Codec: codec),
                Tones.Wav(Tones.Caller));
            await caller.DialAsync($"sip:{number}@{InteropHost.Domain}");
            await Assertions.Expect(desktop.Locator("#call-panel")).ToHaveAttributeAsync("data-state", "offered");
            await desktop.ClickAsync("#btn-answer");
            await Assertions.Expect(desktop.Locator("#phone-call")).ToHaveAttributeAsync("data-state", "established");
            await caller.WaitForEventAsync("CALL_ESTABLISHED");
            var call = await (await host.ConnectedCallAsync(agentId)).GetAsync();
            Assert.Equal(queueId, call.QueueId);

            // The desktop hears the caller's tone (WebAudio on the phone's remote stream).
            var phoneCall = desktop.Locator("#phone-call");
            await desktop.WaitForFunctionAsync("() => Number(document.querySelector('#phone-call').dataset.packetsReceived ?? 0) > 100",
                null, new PageWaitForFunctionOptions { Timeout = 20_000, PollingInterval = 250 });
            var (samples, rate) = await CaptureRemoteAsync(desktop, 2);
            var atDesktop = Tones.Analyse(samples, rate);
            Assert.True(atDesktop.Carries(Tones.Caller, 1), $"the desktop heard: {atDesktop}");

            // Loss both ways on the indicator: the far end's figure appears once the engine's first RTCP report arrived.
            await desktop.WaitForFunctionAsync("() => document.querySelector('#phone-call').dataset.lostSent !== undefined && document.querySelector('#phone-call').dataset.lostSent !== ''",
                null, new PageWaitForFunctionOptions { Timeout = 15_000, PollingInterval = 250 });
            var indicator = await phoneCall.TextContentAsync() ?? "";
            Assert.Matches(@"^Audio: in \d+ \(\d+\.\d % lost\) · out \d+ \(\d+\.\d % lost\)$", indicator);
            Assert.Equal("0", await phoneCall.GetAttributeAsync("data-lost-received"));

            // A digit the caller keys (RFC 4733 on its leg) shows on the agent's call panel.
            await caller.CommandAsync("sndcode", "7");
            await Assertions.Expect(desktop.Locator("#call-digits")).ToHaveTextAsync("Caller pressed: 7");

            await desktop.ClickAsync("#btn-hangup");
            await caller.WaitForEventAsync("CALL_CLOSED");
            var record = await host.EndedCallAsync(queueId);
            Assert.Equal(CallDisposition.Answered, record.Disposition);
            await host.WaitReleasedAsync(call.CallId);

            // The caller's phone played the desktop's tone, in the codec it negotiated.
            await Task.Delay(300); // sndfile closes its files when the call's audio stops
            var atCaller = Tones.AnalyseWav(caller.Recording("dec"));
            Assert.True(atCaller.Carries(Tones.Agent, 1), $"the caller heard: {atCaller}");
            Assert.Contains($"{codec}/8000", caller.Output(int.MaxValue), StringComparison.Ordinal);
            Assert.True(console.TrueForAll(line => !line.StartsWith("page error", StringComparison.Ordinal)), string.Join("\n", console));
        }, () => caller?.Describe() ?? "", () => "--- desktop console ---\n" + string.Join("\n", console), () => "--- host ---\n" + host.LogTail());
    }

    /// <summary>Seconds of what the desktop plays from its call (the hidden audio element's stream), through WebAudio.</summary>
    private static async Task<(float[] Samples, int SampleRate)> CaptureRemoteAsync(IPage page, double seconds)
    {
        var capture = await page.EvaluateAsync<JsonElement>("""
            async (seconds) => {
              const audio = [...document.querySelectorAll('audio')].find((a) => a.srcObject);
              if (!audio) throw new Error('the desktop plays no call audio');
              const ctx = new AudioContext();
              await ctx.resume();
              const source = ctx.createMediaStreamSource(audio.srcObject);
              const processor = ctx.createScriptProcessor(4096, 1, 1);
              const silent = ctx.createGain();
              silent.gain.value = 0;
              const chunks = [];
              let total = 0;
              const wanted = Math.round(seconds * ctx.sampleRate);
              await new Promise((resolve) => {
                processor.onaudioprocess = (e) => {
                  if (total >= wanted) return;
                  const data = e.inputBuffer.getChannelData(0);
                  chunks.push(new Float32Array(data));
                  total += data.length;
                  if (total >= wanted) resolve();
                };
                source.connect(processor);
                processor.connect(silent);
                silent.connect(ctx.destination);
              });
              const samples = [];
              for (const c of chunks) for (const v of c) samples.push(v);
              await ctx.close();
              return { samples, sampleRate: ctx.sampleRate };
            }
            """, seconds);
        var samples = capture.GetProperty("samples").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
        return (samples, capture.GetProperty("sampleRate").GetInt32());
    }
}

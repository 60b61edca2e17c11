using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Acd.Media.Codecs;
using Acd.Media.Playback;
using Acd.Media.Sessions;
using Acd.Media.Stun;
using Acd.Media.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Acd.Media.Tests;

/// <summary>
/// Real Chromium (Debian's /usr/bin/chromium through Playwright) against the engine: the page's RTCPeerConnection
/// (no ICE servers) offers, the engine's WebRTC endpoint answers (ICE-lite, DTLS-SRTP), and the engine bridges it
/// to a plain-RTP phone on loopback. Both directions are checked by content: the phone's 1000 Hz reaches the page's
/// WebAudio analyser, the fake microphone's 440 Hz reaches the phone.
/// </summary>
public sealed class BrowserWebRtcTests
{
    private const string ChromiumPath = "/usr/bin/chromium";

    private const string Page = """
        <!doctype html><html><body><audio id="remote" autoplay muted></audio><script>
        const setup = async () => {
          const pc = new RTCPeerConnection({ iceServers: [] });
          window.pc = pc;
          const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
          stream.getTracks().forEach(t => pc.addTrack(t, stream));
          pc.ontrack = e => {
            const remote = new MediaStream([e.track]);
            document.getElementById('remote').srcObject = remote; // Chromium feeds WebAudio only from a playing stream
            const ctx = new AudioContext();
            window.ctx = ctx;
            const analyser = ctx.createAnalyser();
            analyser.fftSize = 32768;
            ctx.createMediaStreamSource(remote).connect(analyser);
            window.analyser = analyser;
          };
          return pc;
        };
        const prefer = (pc, codec) => {
          const caps = RTCRtpReceiver.getCapabilities('audio').codecs;
          const wanted = caps.filter(c => c.mimeType.toLowerCase() === 'audio/' + codec.toLowerCase())
            .concat(caps.filter(c => c.mimeType.toLowerCase() === 'audio/telephone-event' && c.clockRate === 8000));
          pc.getTransceivers()[0].setCodecPreferences(wanted);
        };
        const gathered = async (pc) => {
          if (pc.iceGatheringState !== 'complete')
            await new Promise(r => { pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); setTimeout(r, 5000); });
          return pc.localDescription.sdp;
        };
        window.start = async (codec) => {
          const pc = await setup();
          prefer(pc, codec);
          await pc.setLocalDescription(await pc.createOffer());
          return gathered(pc);
        };
        window.answer = async ({ codec, sdp }) => {
          const pc = await setup();
          await pc.setRemoteDescription({ type: 'offer', sdp });
          prefer(pc, codec);
          await pc.setLocalDescription(await pc.createAnswer());
          return gathered(pc);
        };
        window.accept = async (sdp) => pc.setRemoteDescription({ type: 'answer', sdp });
        window.samples = () => {
          if (!window.analyser) return null;
          if (window.ctx.state !== 'running') window.ctx.resume();
          const buf = new Float32Array(window.analyser.fftSize);
          window.analyser.getFloatTimeDomainData(buf);
          return { rate: window.ctx.sampleRate, data: Array.from(buf) };
        };
        window.inbound = async () => {
          const stats = await pc.getStats();
          let codec = null, packets = 0;
          stats.forEach(s => { if (s.type === 'inbound-rtp' && s.kind === 'audio') { packets = s.packetsReceived; codec = stats.get(s.codecId)?.mimeType; } });
          return { codec, packets, state: pc.connectionState };
        };
        </script></body></html>
        """;

    public enum Negotiation
    {
        /// <summary>The browser offers actpass; the engine answers passive and is the DTLS server.</summary>
        BrowserOffers,

        /// <summary>The browser's offer is handed over as setup:passive, so the engine answers active: DTLS client.</summary>
        BrowserOffersEngineConnects,

        /// <summary>The engine offers (the edge calling an agent's browser); the browser answers active.</summary>
        EngineOffers,
    }

    [Theory]
    [InlineData("PCMU", Negotiation.BrowserOffers)]
    [InlineData("PCMA", Negotiation.BrowserOffers)]
    [InlineData("PCMU", Negotiation.BrowserOffersEngineConnects)]
    [InlineData("PCMA", Negotiation.EngineOffers)]
    public async Task Chromium_and_a_plain_rtp_phone_hear_each_other_through_the_engine(string codec, Negotiation negotiation)
    {
        Assert.True(File.Exists(ChromiumPath), $"Browser tests need Chromium at {ChromiumPath} (Debian package 'chromium'; scripts/install-test-deps.sh installs it).");
        var work = Directory.CreateTempSubdirectory("acd-media-browser");
        try
        {
            // The fake microphone: 10 s of 440 Hz, which Chromium loops.
            var wav = Path.Combine(work.FullName, "tone440.wav");
            File.WriteAllBytes(wav, WavLoader.Encode(Goertzel.Tone(440, 480_000, amplitude: 0.4, sampleRate: 48000), 48000));
            using var server = new PageServer(Page);
            await using var engine = new MediaEngine(TestPorts.Options());
            using var session = engine.CreateSession();
            await using var phone = new TestPhone(AudioCodec.Pcmu);
            var phoneLeg = Legs.AnswerPhone(session, phone, "phone");
            var browserLeg = Legs.Ok(session.CreateEndpoint("browser"));
            session.Bridge(browserLeg, phoneLeg);

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Timeout = 30_000,
                Args =
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection",
                    $"--use-file-for-fake-audio-capture={wav}", "--autoplay-policy=no-user-gesture-required",
                ],
            });
            var page = await browser.NewPageAsync();
            var console = new List<string>();
            page.Console += (_, m) => console.Add(m.Text);
            await page.GotoAsync(server.Url);

            if (negotiation == Negotiation.EngineOffers)
            {
                var engineOffer = Legs.Ok(browserLeg.CreateOffer(MediaProfile.WebRtc));
                var browserAnswer = await page.EvaluateAsync<string>("args => window.answer(args)", new { codec, sdp = engineOffer });
                Assert.Contains("a=setup:active", browserAnswer);
                var status = browserLeg.AcceptAnswer(OnlyLoopbackCandidates(browserAnswer));
                Assert.True(status.Succeeded, status.ToString());
            }
            else
            {
                var offer = OnlyLoopbackCandidates(await page.EvaluateAsync<string>("codec => window.start(codec)", codec));
                if (negotiation == Negotiation.BrowserOffersEngineConnects) offer = offer.Replace("a=setup:actpass", "a=setup:passive");
                var answer = Legs.Ok(browserLeg.AcceptOffer(offer));
                Assert.Contains($" UDP/TLS/RTP/SAVPF {(codec == "PCMU" ? 0 : 8)} ", answer);
                Assert.Contains(negotiation == Negotiation.BrowserOffers ? "a=setup:passive" : "a=setup:active", answer);
                await page.EvaluateAsync("sdp => window.accept(sdp)", answer);
            }
            await Eventually.TrueAsync(() => browserLeg.State == EndpointState.Active, $"DTLS to complete (state {browserLeg.State}; {string.Join(" | ", console)})", 30_000);

            phone.StartTone(1000);
            // The page hears the phone's 1000 Hz (not 1200 Hz) through SRTP.
            var heard = false;
            var until = DateTime.UtcNow.AddSeconds(20);
            while (!heard && DateTime.UtcNow < until)
            {
                await Task.Delay(250);
                var samples = await page.EvaluateAsync<JsonElement?>("() => window.samples()");
                if (samples is not { ValueKind: JsonValueKind.Object } s) continue;
                var rate = s.GetProperty("rate").GetDouble();
                var pcm = s.GetProperty("data").EnumerateArray().Select(v => (short)Math.Clamp(v.GetDouble() * 32767, -32768, 32767)).ToArray();
                heard = Goertzel.Detects(pcm, 1000, 1200, (int)rate);
            }
            var inbound = await page.EvaluateAsync<JsonElement>("() => window.inbound()");
            Assert.True(heard, $"the page hears 1000 Hz from the phone (inbound {inbound}; {string.Join(" | ", console)})");
            Assert.Equal($"audio/{codec}", inbound.GetProperty("codec").GetString());
            Assert.Equal("connected", inbound.GetProperty("state").GetString());

            // The phone hears the browser's fake microphone (440 Hz, not 600 Hz), decrypted and relayed as PCMU.
            Assert.True(await phone.HearsAsync(440, 600, timeoutMs: 20_000), "the phone hears the browser's 440 Hz");
            var stats = browserLeg.GetStatistics();
            Assert.Equal(0, stats.AuthenticationFailures);
            Assert.True(stats.Received.Packets > 20);

            // A binding request with the wrong password is refused with 401; one with the right one is answered.
            var (ufrag, password) = browserLeg.LocalIceCredentials!.Value;
            Assert.Equal(401, await CheckAsync(browserLeg.LocalPort, $"{ufrag}:x", "wrong-password-0123456789"));
            Assert.Equal(200, await CheckAsync(browserLeg.LocalPort, $"{ufrag}:x", password));
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>PEERS.md: keep only 127.0.0.1 candidates, so every pair the browser tries stays on loopback.</summary>
    private static string OnlyLoopbackCandidates(string sdp) =>
        string.Join("\r\n", sdp.Split("\r\n").Where(l => !l.StartsWith("a=candidate:", StringComparison.Ordinal) || l.Contains(" 127.0.0.1 ")));

    private static async Task<int> CheckAsync(int port, string username, string password)
    {
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var request = StunTests.Request(username, password, useCandidate: false);
        await udp.SendAsync(request, new IPEndPoint(IPAddress.Loopback, port));
        var response = await udp.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(StunParseResult.Ok, StunMessage.TryParse(response.Buffer, out var message));
        if (message.Type == Stun.Stun.BindingSuccess) return 200;
        Assert.True(message.TryGetAttribute(Stun.Stun.ErrorCode, out var code));
        return code[2] * 100 + code[3];
    }
}

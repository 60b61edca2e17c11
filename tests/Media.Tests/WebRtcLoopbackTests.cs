using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Acd.Media.Codecs;
using Acd.Media.Dtls;
using Acd.Media.Rtp;
using Acd.Media.Sessions;
using Acd.Media.Srtp;
using Acd.Media.Stun;
using Acd.Media.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Media.Tests;

/// <summary>
/// A scripted WebRTC peer (STUN checks, BouncyCastle DTLS client, SRTP) against an engine with a fake clock, for
/// what a real browser cannot be made to do on cue: let its ICE consent lapse.
/// </summary>
public sealed class WebRtcLoopbackTests
{
    private sealed class FakeBrowser : IAsyncDisposable
    {
        public readonly UdpClient Udp = new(new IPEndPoint(IPAddress.Loopback, 0));
        public readonly DtlsCertificate Certificate = DtlsCertificate.Create(DateTimeOffset.UtcNow);
        public readonly TaskCompletionSource<DtlsSrtpKeys> Keys = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly ConcurrentQueue<short[]> Audio = new();
        public IPEndPoint Engine = null!;
        public DtlsSrtpTransport? Dtls;
        public SrtpContext? SrtpIn;
        private readonly CancellationTokenSource _stop = new();
        private Task? _loop;

        public string Offer() =>
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n" +
            "m=audio 9 UDP/TLS/RTP/SAVPF 0 101\r\nc=IN IP4 127.0.0.1\r\na=mid:0\r\na=ice-ufrag:fake\r\na=ice-pwd:fakepasswordfakepassword0\r\n" +
            $"a=fingerprint:sha-256 {Certificate.Fingerprint}\r\na=setup:actpass\r\na=rtcp-mux\r\na=sendrecv\r\n" +
            "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n";

        public void Start(string engineFingerprint)
        {
            Dtls = new DtlsSrtpTransport(Certificate, DtlsRole.Client, "sha-256", engineFingerprint, d => Udp.Send(d.ToArray(), d.Length, Engine),
                k => Keys.TrySetResult(k), _ => { }, NullLogger.Instance);
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    UdpReceiveResult r;
                    try
                    {
                        r = await Udp.ReceiveAsync(_stop.Token);
                    }
                    catch (Exception)
                    {
                        return;
                    }
                    switch (PacketClassifier.Classify(r.Buffer))
                    {
                        case PacketKind.Dtls:
                            Dtls.Enqueue(r.Buffer);
                            break;
                        case PacketKind.Rtp when SrtpIn is { } srtp:
                            var buffer = r.Buffer;
                            if (srtp.UnprotectRtp(buffer, buffer.Length, out var length) != SrtpResult.Ok) break;
                            if (RtpHeader.TryParse(buffer.AsSpan(0, length), out var h) != RtpParseResult.Ok || h.PayloadType != 0) break;
                            var pcm = new short[h.PayloadLength];
                            G711.Decode(AudioCodec.Pcmu, h.Payload(buffer.AsSpan(0, length)), pcm);
                            Audio.Enqueue(pcm);
                            break;
                    }
                }
            });
        }

        public async Task CheckAsync(string username, string password, bool useCandidate) =>
            await Udp.SendAsync(StunTests.Request(username, password, useCandidate), Engine);

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            Udp.Dispose();
            Dtls?.Dispose();
            if (_loop is not null) await _loop;
        }
    }

    [Fact]
    public async Task Media_stops_when_ice_consent_lapses_and_resumes_with_a_new_check()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var engine = new MediaEngine(TestPorts.Options(timeoutSeconds: 0), time);
        using var session = engine.CreateSession();
        await using var phone = new TestPhone();
        await using var browser = new FakeBrowser();
        var phoneLeg = Legs.AnswerPhone(session, phone);
        var webLeg = Legs.Ok(session.CreateEndpoint("browser"));
        var answer = Legs.Ok(webLeg.AcceptOffer(browser.Offer()));
        Assert.Contains("a=setup:passive", answer);
        session.Bridge(webLeg, phoneLeg);
        browser.Engine = new IPEndPoint(IPAddress.Loopback, webLeg.LocalPort);
        browser.Start(engine.Certificate.Fingerprint);
        var (ufrag, password) = webLeg.LocalIceCredentials!.Value;

        await browser.CheckAsync($"{ufrag}:fake", password, useCandidate: true);
        await Eventually.TrueAsync(() => webLeg.RemoteEndPoint?.Port == ((IPEndPoint)browser.Udp.Client.LocalEndPoint!).Port, "ICE to select the browser");
        browser.Dtls!.Start();
        var keys = await browser.Keys.Task.WaitAsync(TimeSpan.FromSeconds(30));
        browser.SrtpIn = new SrtpContext(SrtpProfile.AesCm128HmacSha1_80, keys.RemoteKey, keys.RemoteSalt);
        await Eventually.TrueAsync(() => webLeg.State == EndpointState.Active, "the endpoint to be active");

        phone.StartTone(1000);
        await Eventually.TrueAsync(() => browser.Audio.Count >= 20, "SRTP audio at the browser");
        var heard = browser.Audio.TakeLast(10).SelectMany(a => a).ToArray();
        Assert.True(Goertzel.Detects(heard, 1000, 1200));

        // 31 s without a binding request: consent has lapsed (RFC 7675), the engine stops sending.
        time.Advance(TimeSpan.FromSeconds(31));
        var sentBefore = webLeg.GetStatistics().PacketsSent;
        var before = browser.Audio.Count;
        // A negative check needs a window: the phone keeps sending 50 packets/s, none may be relayed meanwhile.
        await Task.Delay(300);
        Assert.Equal(sentBefore, webLeg.GetStatistics().PacketsSent);
        Assert.InRange(browser.Audio.Count - before, 0, 1); // at most one already in flight

        // A fresh check restores consent and media.
        await browser.CheckAsync($"{ufrag}:fake", password, useCandidate: true);
        await Eventually.TrueAsync(() => webLeg.GetStatistics().PacketsSent > sentBefore + 5, "media after the new check");
    }
}

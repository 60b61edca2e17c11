using System.Net;
using System.Net.Sockets;
using Acd.Media.Codecs;
using Acd.Media.Playback;
using Acd.Media.Sessions;
using Acd.Media.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Media.Tests;

/// <summary>The engine on loopback with real UDP sockets: two plain-RTP phones bridged, tones checked by frequency.</summary>
public sealed class EngineBridgeTests
{
    [Theory]
    [InlineData(AudioCodec.Pcmu, AudioCodec.Pcmu)]
    [InlineData(AudioCodec.Pcmu, AudioCodec.Pcma)]
    [InlineData(AudioCodec.Pcma, AudioCodec.Pcmu)]
    public async Task Two_phones_hear_each_others_tone_through_the_bridge(AudioCodec callerCodec, AudioCodec agentCodec)
    {
        await using var engine = new MediaEngine(TestPorts.Options());
        using var session = engine.CreateSession();
        await using var caller = new TestPhone(callerCodec);
        await using var agent = new TestPhone(agentCodec);
        var a = Legs.AnswerPhone(session, caller, "caller");
        var b = Legs.OfferToPhone(session, agent, "agent");
        Assert.Equal(callerCodec, a.Codec);
        Assert.Equal(agentCodec, b.Codec);
        session.Bridge(a, b);
        caller.StartTone(1000);
        agent.StartTone(440);

        Assert.True(await agent.HearsAsync(1000, 1200), "the agent hears the caller's 1000 Hz");
        Assert.True(await caller.HearsAsync(440, 600), "the caller hears the agent's 440 Hz");
        Assert.All(agent.Received.Take(20), p => Assert.Equal(agentCodec.StaticPayloadType(), p.Header.PayloadType));
        Assert.All(caller.Received.Take(20), p => Assert.Equal(callerCodec.StaticPayloadType(), p.Header.PayloadType));
        Assert.Equal(EndpointState.Active, a.State);
        Assert.Equal(EndpointState.Active, b.State);
        var stats = a.GetStatistics();
        Assert.True(stats.Received.Packets >= 15, $"{stats.Received.Packets} packets received");
        Assert.True(stats.PacketsSent >= 15, $"{stats.PacketsSent} packets sent");
        Assert.Equal(0, stats.Received.Lost);
    }

    [Fact]
    public async Task The_remote_address_is_latched_from_the_first_packet_not_taken_from_the_sdp()
    {
        await using var engine = new MediaEngine(TestPorts.Options());
        using var session = engine.CreateSession();
        await using var caller = new TestPhone();
        await using var agent = new TestPhone();
        // The caller's SDP names a port nobody listens on, as a phone behind NAT would name its private address.
        var a = Legs.Ok(session.CreateEndpoint());
        var wrongSdp = caller.Sdp().Replace($"m=audio {caller.Port} ", "m=audio 9 ");
        caller.TargetFromSdp(Legs.Ok(a.AcceptOffer(wrongSdp)));
        Assert.Equal(9, a.RemoteEndPoint!.Port);
        var b = Legs.OfferToPhone(session, agent);
        session.Bridge(a, b);
        caller.StartTone(1000);
        agent.StartTone(440);
        Assert.True(await caller.HearsAsync(440, 600), "the caller hears the agent at its real address");
        Assert.Equal(caller.Port, a.RemoteEndPoint!.Port);

        // After latching, packets from another source are not relayed (and do not move the latch).
        await using var intruder = new TestPhone { Target = caller.Target };
        intruder.StartTone(2000);
        Assert.True(await agent.HearsAsync(1000, 2000), "the agent still hears the caller, not the intruder");
        Assert.Equal(caller.Port, a.RemoteEndPoint!.Port);
    }

    [Fact]
    public async Task Hold_plays_music_to_one_side_and_silence_to_the_other_and_re_pointing_restores_both()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        await using var engine = new MediaEngine(TestPorts.Options(), time);
        using var session = engine.CreateSession();
        await using var caller = new TestPhone(AudioCodec.Pcma);
        await using var agent = new TestPhone(AudioCodec.Pcmu);
        var a = Legs.AnswerPhone(session, caller);
        var b = Legs.OfferToPhone(session, agent);
        session.Bridge(a, b);
        caller.StartTone(1000);
        agent.StartTone(440);
        Assert.True(await caller.HearsAsync(440, 600));

        var music = engine.CreatePlayer(ToneSource.Steady(700), "moh");
        session.Hold(a, b, music);
        caller.ClearAudio();
        agent.ClearAudio();
        // The clock is fake: 100 ticks are 2 s of music and of silence, sent as fast as the test steps.
        for (var i = 0; i < 100; i++) time.Advance(TimeSpan.FromMilliseconds(20));
        await Eventually.TrueAsync(() => caller.AudioSamples >= 16000 && agent.AudioSamples >= 16000, "two seconds of audio on both sides");
        var heldAudio = caller.Audio();
        Assert.True(Goertzel.Detects(heldAudio.AsSpan(heldAudio.Length - 4000, 3200), 700, 900), "the held caller hears the music");
        Assert.False(Goertzel.Detects(heldAudio.AsSpan(heldAudio.Length - 4000, 3200), 440, 600), "and not the agent");
        var agentAudio = agent.Audio();
        Assert.True(Goertzel.Rms(agentAudio.AsSpan(agentAudio.Length - 4000, 3200)) < 20, "the agent hears silence");
        Assert.Equal(PlayerState.Playing, music.State);

        // The player's packets continue the caller's stream: same SSRC, sequence +1, a marker where the source changed.
        var packets = caller.Received.ToList();
        var musicStart = packets.FindIndex(p => p.Header.Marker);
        Assert.True(musicStart >= 0, "a marker bit where the player took over");
        for (var i = 1; i < packets.Count; i++)
        {
            Assert.Equal(packets[0].Header.Ssrc, packets[i].Header.Ssrc);
            Assert.Equal((ushort)(packets[i - 1].Header.SequenceNumber + 1), packets[i].Header.SequenceNumber);
            if (i > musicStart) Assert.Equal(packets[i - 1].Header.Timestamp + 160, packets[i].Header.Timestamp);
        }

        session.Bridge(a, b);
        Assert.Equal(0, music.Listeners);
        Assert.True(await caller.HearsAsync(440, 700), "the caller hears the agent again");
        Assert.True(await agent.HearsAsync(1000, 1200), "the agent hears the caller again");
    }

    [Fact]
    public async Task Rfc4733_digits_are_reported_once_each_and_relayed_into_the_other_stream()
    {
        await using var engine = new MediaEngine(TestPorts.Options());
        using var session = engine.CreateSession();
        await using var caller = new TestPhone(AudioCodec.Pcmu, telephoneEventPayloadType: 101);
        await using var agent = new TestPhone(AudioCodec.Pcmu, telephoneEventPayloadType: 96);
        var a = Legs.AnswerPhone(session, caller);
        var b = Legs.OfferToPhone(session, agent);
        session.Bridge(a, b);
        var digits = new List<DtmfReceived>();
        session.DtmfReceived += d =>
        {
            lock (digits) digits.Add(d);
        };
        foreach (var digit in "12#") caller.SendDigit(digit, durationSamples: 800);

        await Eventually.TrueAsync(() =>
        {
            lock (digits) return digits.Count >= 3;
        }, "three digits");
        await Eventually.TrueAsync(() => agent.Received.Count(p => p.Header.PayloadType == 96) >= 18, "the relayed event packets");
        lock (digits)
        {
            Assert.Equal("12#", string.Concat(digits.Select(d => d.Digit)));
            Assert.All(digits, d => Assert.Same(a, d.Endpoint));
            Assert.All(digits, d => Assert.Equal(TimeSpan.FromMilliseconds(100), d.Duration));
        }
        var events = agent.Received.Where(p => p.Header.PayloadType == 96).ToList();
        Assert.Equal(18, events.Count);
        Assert.Equal(3, events.Select(e => e.Header.Timestamp).Distinct().Count());
        Assert.All(events, e => Assert.Equal(b.LocalSsrc, e.Header.Ssrc));
        for (var i = 1; i < events.Count; i++) Assert.Equal((ushort)(events[i - 1].Header.SequenceNumber + 1), events[i].Header.SequenceNumber);
        Assert.Equal(9, events.Count(e => (e.Payload[1] & 0x80) != 0));
        await Task.Delay(100); // nothing more may arrive: no duplicate reports from retransmissions
        lock (digits) Assert.Equal(3, digits.Count);
    }

    [Fact]
    public async Task The_engine_generates_rfc4733_digits_towards_a_leg()
    {
        var time = new FakeTimeProvider();
        await using var engine = new MediaEngine(TestPorts.Options(), time);
        using var session = engine.CreateSession();
        await using var agent = new TestPhone(AudioCodec.Pcmu, telephoneEventPayloadType: 101);
        var b = Legs.OfferToPhone(session, agent);
        b.ListenToSilence();
        Assert.True(b.SendDtmf("59", TimeSpan.FromMilliseconds(60)));
        Assert.False(b.SendDtmf("5x"));
        for (var i = 0; i < 20; i++) time.Advance(TimeSpan.FromMilliseconds(20));
        await Eventually.TrueAsync(() => agent.Received.Count(p => p.Header.PayloadType == 101) >= 10, "ten event packets");
        var events = agent.Received.Where(p => p.Header.PayloadType == 101).ToList();
        var five = events.Where(e => e.Payload[0] == 5).ToList();
        var nine = events.Where(e => e.Payload[0] == 9).ToList();
        // 60 ms: updates at 160 and 320, then the end (480) three times.
        Assert.Equal([160, 320, 480, 480, 480], five.Select(e => e.Payload[2] << 8 | e.Payload[3]));
        Assert.Equal([false, false, true, true, true], five.Select(e => (e.Payload[1] & 0x80) != 0));
        Assert.True(five[0].Header.Marker);
        Assert.Single(five.Select(e => e.Header.Timestamp).Distinct());
        Assert.Equal(5, nine.Count);
        Assert.True(nine[0].Header.Timestamp > five[0].Header.Timestamp);
        var all = agent.Received.ToList();
        for (var i = 1; i < all.Count; i++) Assert.Equal((ushort)(all[i - 1].Header.SequenceNumber + 1), all[i].Header.SequenceNumber);
    }

    [Fact]
    public async Task No_rtp_for_the_timeout_raises_media_timeout_once_per_leg()
    {
        var time = new FakeTimeProvider();
        await using var engine = new MediaEngine(TestPorts.Options(timeoutSeconds: 60), time);
        using var session = engine.CreateSession();
        await using var caller = new TestPhone();
        var a = Legs.AnswerPhone(session, caller);
        var timeouts = new List<MediaTimedOut>();
        session.MediaTimeout += t =>
        {
            lock (timeouts) timeouts.Add(t);
        };
        caller.StartTone(1000, packets: 5);
        await Eventually.TrueAsync(() => a.GetStatistics().Received.Packets == 5, "five packets at the engine");

        for (var i = 0; i < 59; i++) time.Advance(TimeSpan.FromSeconds(1));
        lock (timeouts) Assert.Empty(timeouts);
        for (var i = 0; i < 2; i++) time.Advance(TimeSpan.FromSeconds(1));
        lock (timeouts)
        {
            var timeout = Assert.Single(timeouts);
            Assert.Same(a, timeout.Endpoint);
            Assert.InRange(timeout.Silence, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(61));
        }
        for (var i = 0; i < 60; i++) time.Advance(TimeSpan.FromSeconds(1));
        lock (timeouts) Assert.Single(timeouts);
    }

    [Fact]
    public async Task A_timeout_of_zero_turns_the_check_off()
    {
        var time = new FakeTimeProvider();
        await using var engine = new MediaEngine(TestPorts.Options(timeoutSeconds: 0), time);
        using var session = engine.CreateSession();
        await using var caller = new TestPhone();
        Legs.AnswerPhone(session, caller);
        var raised = 0;
        session.MediaTimeout += _ => Interlocked.Increment(ref raised);
        for (var i = 0; i < 200; i++) time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, raised);
    }

    [Fact]
    public async Task A_dry_port_pool_fails_clearly_keeps_established_bridges_and_ports_come_back_on_dispose()
    {
        var options = TestPorts.Options(pairs: 2);
        await using var engine = new MediaEngine(options);
        using var session = engine.CreateSession();
        await using var caller = new TestPhone();
        await using var agent = new TestPhone();
        var a = Legs.AnswerPhone(session, caller);
        var b = Legs.OfferToPhone(session, agent);
        session.Bridge(a, b);
        caller.StartTone(1000);
        agent.StartTone(440);
        Assert.True(await agent.HearsAsync(1000, 1200));

        using var other = engine.CreateSession();
        var failed = other.CreateEndpoint();
        Assert.False(failed.Succeeded);
        Assert.Equal(MediaError.NoPortAvailable, failed.Error);
        Assert.Contains("2 media port pairs", failed.Detail);
        Assert.True(await agent.HearsAsync(1000, 1200), "the established call still flows");
        Assert.True(await caller.HearsAsync(440, 600));

        var port = a.LocalPort;
        session.Remove(a);
        Assert.Equal(EndpointState.Closed, a.State);
        using (var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, port))) Assert.Equal(port, ((IPEndPoint)probe.Client.LocalEndPoint!).Port);
        Assert.True(other.CreateEndpoint().Succeeded);
    }

    [Fact]
    public async Task Disposing_the_engine_releases_every_port()
    {
        var options = TestPorts.Options(pairs: 4);
        var engine = new MediaEngine(options);
        var session = engine.CreateSession();
        var ports = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            var e = Legs.Ok(session.CreateEndpoint());
            Legs.Ok(e.CreateOffer(MediaProfile.RtpAvp));
            ports.Add(e.LocalPort);
        }
        Assert.Equal(4, engine.PortPairsInUse);
        await engine.DisposeAsync();
        Assert.Equal(0, engine.PortPairsInUse);
        foreach (var port in ports)
        {
            using var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
        }
    }
}

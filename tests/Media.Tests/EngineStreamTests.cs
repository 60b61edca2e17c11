using System.Net;
using System.Net.Sockets;
using Acd.Media.Codecs;
using Acd.Media.Playback;
using Acd.Media.Rtcp;
using Acd.Media.Rtp;
using Acd.Media.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace Acd.Media.Tests;

/// <summary>What the engine puts on the wire besides relayed audio: RTCP, prompts, and what it refuses to forward.</summary>
public sealed class EngineStreamTests
{
    [Fact]
    public async Task Rtcp_reports_go_both_ways_on_the_separate_port()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-01T12:00:00Z"));
        await using var engine = new MediaEngine(TestPorts.Options(), time);
        using var session = engine.CreateSession();
        await using var phone = new TestPhone();
        using var phoneRtcp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var rtcpPort = ((IPEndPoint)phoneRtcp.Client.LocalEndPoint!).Port;
        var endpoint = Legs.Ok(session.CreateEndpoint());
        var answer = Legs.Ok(endpoint.AcceptOffer(phone.Sdp().Replace("a=ptime:20", $"a=ptime:20\r\na=rtcp:{rtcpPort}")));
        Assert.Contains($"a=rtcp:{endpoint.LocalPort + 1}\r\n", answer);
        phone.TargetFromSdp(answer);
        endpoint.ListenToSilence();
        phone.StartTone(1000, packets: 10);
        await Eventually.TrueAsync(() => endpoint.GetStatistics().Received.Packets == 10, "ten packets at the engine");
        for (var i = 0; i < 260; i++) time.Advance(TimeSpan.FromMilliseconds(20)); // past one 5 s report interval

        var report = await phoneRtcp.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(endpoint.LocalPort + 1, report.RemoteEndPoint.Port);
        Assert.Equal(RtcpParseResult.Ok, RtcpPacket.TryParse(report.Buffer, phone.Ssrc, out var summary));
        Assert.True(summary.HasSenderInfo, "an SR: the engine has been sending silence");
        Assert.Equal(endpoint.LocalSsrc, summary.SenderSsrc);
        Assert.InRange(summary.SenderInfo.PacketCount, 1u, (uint)endpoint.GetStatistics().PacketsSent);
        Assert.Equal(summary.SenderInfo.PacketCount * 160u, summary.SenderInfo.OctetCount);
        // The report block about the phone's stream: ten packets from sequence 1000, nothing lost.
        Assert.True(summary.HasReportForLocal);
        Assert.Equal((byte)0, summary.ReportForLocal.FractionLost);
        Assert.Equal(0, summary.ReportForLocal.CumulativeLost);
        Assert.Equal(1009u, summary.ReportForLocal.ExtendedHighestSequence);

        // The phone reports 25 % loss on the engine's stream; the endpoint exposes it.
        time.Advance(TimeSpan.FromSeconds(2));
        var rr = new byte[100];
        var length = RtcpPacket.WriteReport(rr, 0x5555, null, new RtcpReportBlock(endpoint.LocalSsrc, 64, 12, 1000, 80, summary.SenderInfo.CompactNtp, 65536), "phone"u8);
        await phoneRtcp.SendAsync(rr.AsMemory(0, length), new IPEndPoint(IPAddress.Loopback, endpoint.LocalPort + 1));
        await Eventually.TrueAsync(() => endpoint.GetStatistics().Remote is not null, "the phone's report at the engine");
        var remote = endpoint.GetStatistics().Remote!;
        Assert.Equal(0.25, remote.FractionLost);
        Assert.Equal(12, remote.CumulativeLost);
        Assert.Equal(10.0, remote.JitterMs);
        // Round trip = arrival - LSR - DLSR: the time since the SR, less the 1 s the phone says it held the report.
        var sinceSr = (uint)(RtcpPacket.ToNtp(time.GetUtcNow()) >> 16) - summary.SenderInfo.CompactNtp;
        Assert.Equal((sinceSr - 65536) / 65536.0, remote.RoundTrip!.Value.TotalSeconds, 3);
        Assert.InRange(remote.RoundTrip.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(6.3));
        Assert.Equal(1, endpoint.GetStatistics().RtcpReceived);
    }

    [Fact]
    public async Task Prompts_then_music_keep_one_stream_with_a_marker_at_each_new_item()
    {
        var time = new FakeTimeProvider();
        await using var engine = new MediaEngine(TestPorts.Options(), time);
        using var session = engine.CreateSession();
        await using var phone = new TestPhone(AudioCodec.Pcma);
        var endpoint = Legs.OfferToPhone(session, phone);
        var first = new AudioClip("queue-thereare", Goertzel.Tone(500, 1600));   // 10 frames
        var second = new AudioClip("queue-callswaiting", Goertzel.Tone(900, 800)); // 5 frames
        var finished = 0;
        var player = engine.CreatePlayer(new Playlist([new ClipSource(first), new ClipSource(second)], ToneSource.HoldMusic()), "announcement");
        player.Finished += _ => Interlocked.Increment(ref finished);
        endpoint.ListenTo(player);
        for (var i = 0; i < 40; i++) time.Advance(TimeSpan.FromMilliseconds(20));
        await Eventually.TrueAsync(() => phone.Received.Count >= 40, "forty packets");
        var packets = phone.Received.ToList();
        Assert.Equal([0, 10, 15], packets.Select((p, i) => (p, i)).Where(x => x.p.Header.Marker).Select(x => x.i));
        Assert.All(packets, p => Assert.Equal(8, p.Header.PayloadType));
        for (var i = 1; i < packets.Count; i++)
        {
            Assert.Equal(packets[0].Header.Ssrc, packets[i].Header.Ssrc);
            Assert.Equal((ushort)(packets[i - 1].Header.SequenceNumber + 1), packets[i].Header.SequenceNumber);
            Assert.Equal(packets[i - 1].Header.Timestamp + 160, packets[i].Header.Timestamp);
        }
        var audio = phone.Audio();
        Assert.True(Goertzel.Detects(audio.AsSpan(0, 1600), 500, 700));
        Assert.True(Goertzel.Detects(audio.AsSpan(1600, 800), 900, 700));
        Assert.Equal(0, finished); // the music loops on
    }

    [Fact]
    public async Task Comfort_noise_and_unknown_payload_types_are_not_forwarded_as_audio()
    {
        await using var engine = new MediaEngine(TestPorts.Options());
        using var session = engine.CreateSession();
        await using var caller = new TestPhone();
        await using var agent = new TestPhone();
        var a = Legs.AnswerPhone(session, caller);
        var b = Legs.OfferToPhone(session, agent);
        session.Bridge(a, b);
        for (var i = 0; i < 5; i++) caller.SendRtp(13, [40]);                 // CN, RFC 3389
        for (var i = 0; i < 5; i++) caller.SendRtp(97, new byte[20]);         // never negotiated
        caller.SendRtp(0, Enumerable.Repeat(G711.EncodeMuLaw(1000), 160).ToArray());
        await Eventually.TrueAsync(() => agent.Received.Count >= 1, "the audio packet");
        await Eventually.TrueAsync(() => a.GetStatistics().PacketsDropped >= 5, "the unknown packets dropped");
        Assert.All(agent.Received, p => Assert.Equal(0, p.Header.PayloadType));
        Assert.Single(agent.Received);
    }

    [Fact]
    public void Options_bind_from_the_media_configuration_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Media:PublicAddress"] = "203.0.113.7",
            ["Media:BindAddress"] = "127.0.0.1",
            ["Media:PortMin"] = "42000",
            ["Media:PortMax"] = "42099",
            ["Media:TimeoutSeconds"] = "0",
            ["Media:Mode"] = "direct",
            ["Media:Codecs:0"] = "PCMA",
        }).Build();
        var options = new MediaOptions();
        configuration.GetSection(MediaOptions.SectionName).Bind(options);
        Assert.Equal(("203.0.113.7", "127.0.0.1", 42000, 42099, 0, MediaMode.Direct), (options.PublicAddress, options.BindAddress, options.PortMin, options.PortMax, options.TimeoutSeconds, options.Mode));
        Assert.Equal(["PCMA"], options.Codecs); // the list starts empty, so binding does not append to defaults
        Assert.Empty(new MediaOptions().Codecs);
    }
}

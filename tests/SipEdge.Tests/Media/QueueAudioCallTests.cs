using Acd.Agents;
using Acd.Calls;
using Acd.Media.Codecs;
using Acd.Media.Playback;
using Acd.Media.Tests.Infrastructure;
using Acd.Queues;
using Acd.SipEdge.Announcements;

namespace Acd.SipEdge.Tests.Media;

/// <summary>
/// Queue audio on real calls through the edge (anchored media), checked by content. What the caller receives is cut
/// back into the engine's 20 ms frames (by RTP sequence number) and compared with the sound files themselves, through
/// the same G.711 encoding: the default music and the announcement's prompts are found sample for sample, in order. A
/// queue's own music is the host's <see cref="EdgeHost.TestMusic"/>, one steady tone, told apart by frequency.
/// </summary>
[Collection(EdgeCollection.Name)]
public sealed class QueueAudioCallTests(EdgeHost host)
{
    private const double CallerHz = 1000;
    private const double AgentHz = 440;
    private const int FrameSamples = MediaPlayer.FrameSamples;

    [Fact]
    public async Task A_caller_in_line_hears_the_music_then_its_position_from_the_prompt_files_then_the_music_where_it_stopped()
    {
        // Nobody works the queue: the caller stays in line, first in it, and there is no wait estimate to say.
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20, announceSeconds: QueueConfig.MinAnnounceSeconds);
        var music = FramesOf(Path.Combine(host.SoundsPath, "music", SoundLibrary.DefaultMusic));
        short[][] announcement =
        [
            .. Prompt(AnnouncementScript.ThankYouForHolding), .. Prompt(AnnouncementScript.YouAreCallerNumber),
            .. Prompt(AnnouncementScript.Number(1)),
        ];
        await using var caller = await AudioCaller.DialAsync(host, number);

        var heard = new List<short[]?>();
        var start = -1;
        await Eventually.TrueAsync(() =>
        {
            heard = Received(caller.Rtp);
            start = IndexOf(heard, announcement);
            return start >= 0 && heard.Count >= start + announcement.Length + 50;
        }, "the position announcement and a second of music after it", timeoutMs: 20_000);
        Assert.False(caller.Answer.IsCompleted, "the caller is in line, not answered");

        // Music first, for Media:FirstAnnouncementMs (3 s) from joining the line, not a whole interval (10 s): the default
        // file, frame for frame.
        // Timed by when the frames arrived, not by how many: a machine too busy to keep the 20 ms clock skips ticks
        // (MediaClock.SkippedTicks), so fewer frames than wall-clock time may come before the announcement.
        var pcmu = caller.Rtp.Received.Where(p => p.Header.PayloadType == 0).ToList();
        var announcedAt = pcmu.First(p => (ushort)(p.Header.SequenceNumber - pcmu[0].Header.SequenceNumber) == start).ReceivedAt;
        Assert.InRange((announcedAt - pcmu[0].ReceivedAt).TotalMilliseconds, 2_500, 6_000);
        var before = MusicOffset(heard, music, start - 1, back: 50);
        Assert.True(before >= 0, "the second before the announcement is the default music");
        // After the announcement the music goes on from the frame after the last one heard.
        for (var j = 0; j < 50; j++)
        {
            if (heard[start + announcement.Length + j] is { } frame)
            {
                Assert.True(frame.AsSpan().SequenceEqual(music[(before + 1 + j) % music.Length]), $"music frame {j} after the announcement");
            }
        }

        var call = (await host.Grains.GetGrain<IQueueGrain>(queueId).GetAsync()).Waiting.Single().CallId;
        Assert.Equal(1, (await host.Grains.GetGrain<IQueueGrain>(queueId).GetWaitingPositionAsync(call)).Position);

        Assert.Equal(487, (await caller.CancelAsync()).FinalResponse.StatusCode);
        await host.WaitReleasedAsync(call);
    }

    [Fact]
    public async Task The_queues_own_music_plays_in_line_on_hold_and_when_parked()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20, holdMusic: EdgeHost.TestMusic);
        var agentId = await host.CreateAgentAsync(queueId); // Not Ready: the caller waits first
        await using var phone = await AudioPhone.RegisterAsync(host, agentId, AgentHz);
        await using var caller = await AudioCaller.DialAsync(host, number);
        Assert.True(await caller.Rtp.HearsAsync(EdgeHost.TestMusicHz, 600), "in line the caller hears the queue's music");

        Assert.True((await host.Grains.GetGrain<IAgentGrain>(agentId).SetReadyAsync()).IsSuccess);
        await caller.ConnectedAsync(CallerHz);
        var call = await host.ConnectedCallAsync(agentId);
        Assert.True(await caller.Rtp.HearsAsync(AgentHz, EdgeHost.TestMusicHz), "connected, the caller hears the agent");

        Assert.True((await call.HoldAsync()).IsSuccess);
        Assert.True(await caller.Rtp.HearsAsync(EdgeHost.TestMusicHz, AgentHz), "held, the caller hears the queue's music");
        Assert.True((await call.UnholdAsync()).IsSuccess);
        Assert.True(await caller.Rtp.HearsAsync(AgentHz, EdgeHost.TestMusicHz), "resumed, the caller hears the agent again");

        Assert.True((await call.ParkAsync()).IsSuccess);
        Assert.True(await caller.Rtp.HearsAsync(EdgeHost.TestMusicHz, AgentHz), "parked, the caller hears the queue's music");

        await caller.HangUpAsync();
        await host.WaitReleasedAsync((await call.GetAsync()).CallId);
    }

    /// <summary>A prompt of the host's English set as the caller receives it (PCMU), frame by frame.</summary>
    private short[][] Prompt(string name) => FramesOf(Path.Combine(host.SoundsPath, "prompts", "en", name + ".wav"));

    /// <summary>A WAV file cut into 20 ms frames (the last one padded with silence, as the player does), through PCMU and back.</summary>
    private static short[][] FramesOf(string path)
    {
        var loaded = WavLoader.Load(path);
        Assert.True(loaded.Succeeded, loaded.Error);
        var samples = loaded.Clip!.Samples.ToArray();
        var frames = new short[(samples.Length + FrameSamples - 1) / FrameSamples][];
        var encoded = new byte[FrameSamples];
        for (var i = 0; i < frames.Length; i++)
        {
            var pcm = new short[FrameSamples];
            samples.AsSpan(i * FrameSamples, Math.Min(FrameSamples, samples.Length - i * FrameSamples)).CopyTo(pcm);
            G711.Encode(AudioCodec.Pcmu, pcm, encoded);
            G711.Decode(AudioCodec.Pcmu, encoded, pcm);
            frames[i] = pcm;
        }

        return frames;
    }

    /// <summary>Every PCMU frame received so far, in sending order; a lost packet is a null frame.</summary>
    private static List<short[]?> Received(TestPhone phone)
    {
        var packets = phone.Received.Where(p => p.Header.PayloadType == 0).ToList();
        var frames = new List<short[]?>();
        if (packets.Count == 0)
        {
            return frames;
        }

        var first = packets[0].Header.SequenceNumber;
        foreach (var packet in packets)
        {
            var index = (ushort)(packet.Header.SequenceNumber - first);
            if (index > 30_000)
            {
                continue; // reordered before the first one
            }

            while (frames.Count <= index)
            {
                frames.Add(null);
            }

            var pcm = new short[packet.Payload.Length];
            G711.Decode(AudioCodec.Pcmu, packet.Payload, pcm);
            frames[index] = pcm;
        }

        return frames;
    }

    /// <summary>Where <paramref name="clip"/> was received whole (a lost frame or two allowed, none different), else -1.</summary>
    private static int IndexOf(List<short[]?> heard, short[][] clip)
    {
        for (var k = 0; k + clip.Length <= heard.Count; k++)
        {
            var missing = 0;
            var i = 0;
            for (; i < clip.Length; i++)
            {
                if (heard[k + i] is not { } frame)
                {
                    missing++;
                }
                else if (!frame.AsSpan().SequenceEqual(clip[i]))
                {
                    break;
                }
            }

            if (i == clip.Length && missing <= clip.Length / 20)
            {
                return k;
            }
        }

        return -1;
    }

    /// <summary>
    /// The frame of the music that <paramref name="heard"/>[<paramref name="at"/>] is, checked over the
    /// <paramref name="back"/> frames before it (consecutive frames of the loop); -1 when they are not the music.
    /// </summary>
    private static int MusicOffset(List<short[]?> heard, short[][] music, int at, int back)
    {
        for (var m = 0; m < music.Length; m++)
        {
            var all = true;
            for (var j = 0; j < back && all; j++)
            {
                all = heard[at - j] is not { } frame || frame.AsSpan().SequenceEqual(music[((m - j) % music.Length + music.Length) % music.Length]);
            }

            if (all && heard[at] is not null)
            {
                return m;
            }
        }

        return -1;
    }
}

/// <summary>Direct media (Media:Mode=direct): the edge plays nothing, so a caller in line gets no audio from it.</summary>
[Collection(DirectEdgeCollection.Name)]
public sealed class DirectQueueAudioTests(DirectEdgeHost host)
{
    [Fact]
    public async Task A_caller_in_line_hears_no_edge_audio()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20, announceSeconds: QueueConfig.MinAnnounceSeconds);
        await using var caller = await AudioCaller.DialAsync(host, number);
        await EdgeHost.Eventually(async () => !(await host.Grains.GetGrain<IQueueGrain>(queueId).GetAsync()).Waiting.IsEmpty, "the caller in line");

        await Task.Delay(4_000); // past the first announcement an anchored call would get
        Assert.Equal(0, caller.Rtp.PacketsReceived);
        Assert.False(caller.Answer.IsCompleted);

        var call = (await host.Grains.GetGrain<IQueueGrain>(queueId).GetAsync()).Waiting.Single().CallId;
        Assert.Equal(487, (await caller.CancelAsync()).FinalResponse.StatusCode);
        await host.WaitReleasedAsync(call);
    }
}

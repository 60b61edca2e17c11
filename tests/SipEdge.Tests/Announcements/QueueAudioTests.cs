using Acd.Media.Playback;
using Acd.Media.Tests.Infrastructure;
using Acd.Queues;
using Acd.SipEdge.Announcements;
using Microsoft.Extensions.Logging;

namespace Acd.SipEdge.Tests.Announcements;

/// <summary>
/// What a caller hears from queue audio, over real RTP on loopback, checked by frequency: the music is a known tone,
/// every prompt file is a tone of its own, so the order of tones heard is the order of what was played.
/// </summary>
public sealed class QueueAudioTests
{
    // Music: 1.5 s at 450 Hz then 1.5 s at 550 Hz, looping (75 + 75 frames), so where it resumes is audible.
    private const double MusicA = 450, MusicB = 550;
    private const double Thanks = 1100, CallerNumber = 700, Three = 900, WaitIs = 1300, Four = 1700, MinutesTone = 1900;
    private const double LessThanAMinute = 2100, MinuteTone = 2300, One = 2500, DefaultMusicTone = 600;
    private static readonly double[] All = [MusicA, MusicB, Thanks, CallerNumber, Three, WaitIs, Four, MinutesTone, LessThanAMinute, MinuteTone, One, DefaultMusicTone];

    private static SoundsFolder ToneSounds()
    {
        var folder = new SoundsFolder().Music("queue.wav", Tones.Wav((MusicA, 1.5), (MusicB, 1.5)));
        foreach (var (name, tone) in new (string, double)[]
                 {
                     (AnnouncementScript.ThankYouForHolding, Thanks), (AnnouncementScript.YouAreCallerNumber, CallerNumber),
                     (AnnouncementScript.Number(3), Three), (AnnouncementScript.TheEstimatedWaitIs, WaitIs),
                     (AnnouncementScript.Number(4), Four), (AnnouncementScript.Minutes, MinutesTone),
                     (AnnouncementScript.LessThanOneMinute, LessThanAMinute), (AnnouncementScript.Minute, MinuteTone),
                     (AnnouncementScript.Number(1), One),
                 })
        {
            folder.Prompt("en", name, Tones.Wav((tone, 0.4))); // 20 frames each
        }

        return folder;
    }

    private static QueueConfig Queue(int announceSeconds, string? music = "queue.wav") =>
        QueueConfig.Create("Sales", holdMusic: music, announceSeconds: announceSeconds);

    private static WaitingPosition Third(TimeSpan? wait) => new("call-1", 3, 5, wait, WaitEstimateBasis.HandleTime, TimeSpan.FromSeconds(10));

    [Fact]
    public async Task A_waiting_caller_hears_music_then_every_interval_the_position_and_wait_then_the_music_where_it_stopped()
    {
        using var sounds = ToneSounds();
        var positions = new FixedPositions(Third(TimeSpan.FromMinutes(4)));
        await using var rig = AudioRig.Start(sounds.Root, positions);
        using var handle = rig.Audio.ForWaiting(rig.Endpoint, "sales", "call-1", Queue(announceSeconds: 10));

        await rig.StepAsync(500 + 120 + 100); // 10 s of music, the announcement (6 prompts x 0.4 s), 2 s more
        var heard = rig.Heard(All);
        var runs = Tones.Runs(heard);

        // Music only for the first 10 s (the loop's two halves in turn), then the announcement, in this order.
        var firstPrompt = heard.FindIndex(t => t is not (MusicA or MusicB));
        Assert.InRange(firstPrompt, 498, 502);
        Assert.All(heard.Take(firstPrompt), t => Assert.True(t is MusicA or MusicB, $"music before the announcement, got {t} Hz"));
        var announcement = runs.SkipWhile(r => r.Tone is MusicA or MusicB).ToList();
        Assert.Equal([Thanks, CallerNumber, Three, WaitIs, Four, MinutesTone, MusicA, MusicB], announcement.Take(8).Select(r => r.Tone));
        Assert.All(announcement.Take(6), r => Assert.InRange(r.Frames, 19, 21));
        // The music continues where it stopped (1 s into its 1.5 s first half): 0.5 s of it is left, not all 1.5 s.
        Assert.InRange(announcement[6].Frames, 23, 27);
        Assert.Equal(1, positions.Asked);
        Assert.Equal(1, handle.Announcements);

        // The next one comes 10 s after the first; the caller leaving the line ends music and announcements.
        await rig.StepAsync(500 - 220 + 130);
        Assert.Equal(2, handle.Announcements);
        Assert.Equal([Thanks, CallerNumber, Three, WaitIs, Four, MinutesTone],
            Tones.Runs(rig.Heard(All).Skip(1000)).Select(r => r.Tone).Where(t => t is not (MusicA or MusicB)).Take(6));
        handle.Dispose();
        rig.Forget();
        await rig.StepAsync(600);
        Assert.Equal(2, positions.Asked);
        Assert.True(Goertzel.Rms(rig.Samples()) < 50, "silence once the caller left the line");
    }

    [Fact]
    public async Task The_first_announcement_comes_soon_after_joining_then_every_interval()
    {
        using var sounds = ToneSounds();
        var positions = new FixedPositions(Third(TimeSpan.FromMinutes(4)));
        await using var rig = AudioRig.Start(sounds.Root, positions, new QueueAudioOptions { FirstAnnouncementMs = 2000 });
        using var handle = rig.Audio.ForWaiting(rig.Endpoint, "sales", "call-1", Queue(announceSeconds: 10));
        Assert.Equal(TimeSpan.FromSeconds(2), handle.FirstAnnouncement);

        await rig.StepAsync(100 + 120 + 500); // 2 s of music, the announcement, then up to 10 s after it began (+ 2 s)
        var heard = rig.Heard(All);
        var prompts = heard.Select((t, i) => (t, i)).Where(x => x.t is not (MusicA or MusicB)).Select(x => x.i).ToList();
        Assert.InRange(prompts[0], 98, 102);
        Assert.Equal([Thanks, CallerNumber, Three, WaitIs, Four, MinutesTone], Tones.Runs(heard.Skip(prompts[0]).Take(120)).Select(r => r.Tone));
        // The second one 10 s after the first.
        var second = prompts.First(i => i > prompts[0] + 200);
        Assert.InRange(second, prompts[0] + 498, prompts[0] + 502);
        Assert.Equal(2, handle.Announcements);
    }

    [Fact]
    public async Task A_first_announcement_later_than_the_interval_comes_after_one_interval()
    {
        using var sounds = ToneSounds();
        await using var rig = AudioRig.Start(sounds.Root, new FixedPositions(Third(null)), new QueueAudioOptions { FirstAnnouncementMs = 60_000 });
        using var handle = rig.Audio.ForWaiting(rig.Endpoint, "sales", "call-1", Queue(announceSeconds: 10));
        Assert.Equal(TimeSpan.FromSeconds(10), handle.FirstAnnouncement);
    }

    [Fact]
    public async Task Paused_while_away_from_the_line_nothing_is_announced_and_on_return_the_music_goes_on_where_it_stopped()
    {
        using var sounds = ToneSounds();
        var positions = new FixedPositions(Third(TimeSpan.FromMinutes(4)));
        await using var rig = AudioRig.Start(sounds.Root, positions, new QueueAudioOptions { FirstAnnouncementMs = 3000 });
        using var handle = rig.Audio.ForWaiting(rig.Endpoint, "sales", "call-1", Queue(announceSeconds: 10));

        // 1 s of music (the first 1.5 s half is at 450 Hz), then an agent's phone rings: ringback for 20 s.
        await rig.StepAsync(50);
        handle.Pause();
        rig.Endpoint.ListenTo(rig.Audio.Ringback("DE"));
        await rig.StepAsync(1000);
        Assert.True(handle.IsPaused);
        Assert.Equal(0, positions.Asked);
        Assert.Equal(0, handle.Announcements);

        // Back in line: the rest of the first half (0.5 s), then the second; the first announcement 3 s after the return.
        rig.Forget();
        handle.Resume();
        await rig.StepAsync(150 + 120 + 20);
        var runs = Tones.Runs(rig.Heard(All));
        Assert.Equal(MusicA, runs[0].Tone);
        Assert.InRange(runs[0].Frames, 23, 27);
        Assert.Equal([MusicA, MusicB, MusicA, Thanks, CallerNumber, Three, WaitIs, Four, MinutesTone], runs.Take(9).Select(r => r.Tone));
        Assert.Equal(1, positions.Asked);
    }

    [Fact]
    public async Task An_announcement_cut_short_by_a_ring_is_not_finished_on_return()
    {
        using var sounds = ToneSounds();
        await using var rig = AudioRig.Start(sounds.Root, new FixedPositions(Third(TimeSpan.FromMinutes(4))), new QueueAudioOptions { FirstAnnouncementMs = 1000 });
        using var handle = rig.Audio.ForWaiting(rig.Endpoint, "sales", "call-1", Queue(announceSeconds: 10));

        await rig.StepAsync(50 + 30); // 1 s of music, 0.6 s of the announcement ("thank you for holding", half of "caller number")
        Assert.True(handle.IsAnnouncing);
        handle.Pause();
        Assert.False(handle.IsAnnouncing);
        rig.Endpoint.ListenToSilence();
        await rig.StepAsync(100);
        rig.Forget();
        handle.Resume();
        await rig.StepAsync(40); // less than the first announcement's delay
        Assert.All(rig.Heard(All), t => Assert.True(t is MusicA or MusicB, $"music only after the return, got {t} Hz"));
    }

    [Fact]
    public async Task The_wait_is_said_in_minutes_or_as_less_than_one_and_left_out_without_an_estimate()
    {
        using var sounds = ToneSounds();
        foreach (var (wait, expected) in new (TimeSpan?, double[])[]
                 {
                     (TimeSpan.FromSeconds(40), [Thanks, CallerNumber, Three, WaitIs, LessThanAMinute]),
                     (TimeSpan.FromSeconds(70), [Thanks, CallerNumber, Three, WaitIs, One, MinuteTone]),
                     (null, [Thanks, CallerNumber, Three]),
                 })
        {
            await using var rig = AudioRig.Start(sounds.Root, new FixedPositions(Third(wait)));
            using var handle = rig.Audio.ForWaiting(rig.Endpoint, "sales", "call-1", Queue(announceSeconds: 10));
            await rig.StepAsync(500 + 20 * expected.Length + 30);
            var prompts = Tones.Runs(rig.Heard(All)).Select(r => r.Tone).SkipWhile(t => t is MusicA or MusicB)
                .TakeWhile(t => t is not (MusicA or MusicB));
            Assert.Equal(expected, prompts);
        }
    }

    [Fact]
    public async Task A_queue_without_announcements_plays_its_music_only()
    {
        using var sounds = ToneSounds();
        var positions = new FixedPositions(Third(TimeSpan.FromMinutes(4)));
        await using var rig = AudioRig.Start(sounds.Root, positions);
        using var handle = rig.Audio.ForWaiting(rig.Endpoint, "sales", "call-1", Queue(announceSeconds: 0));

        await rig.StepAsync(1600); // 32 s: three times the shortest interval
        var heard = rig.Heard(All);
        Assert.InRange(heard.Count, 1590, 1600);
        Assert.All(heard, t => Assert.True(t is MusicA or MusicB, $"music only, got {t} Hz"));
        Assert.Equal(0, positions.Asked);
        Assert.Equal(0, handle.Announcements);
        Assert.Null(handle.Interval);
    }

    [Fact]
    public async Task A_missing_queue_music_falls_back_to_the_default_file_with_a_warning()
    {
        using var sounds = ToneSounds().Music(SoundLibrary.DefaultMusic, Tones.Wav((DefaultMusicTone, 1)));
        await using var rig = AudioRig.Start(sounds.Root);
        using var handle = rig.Audio.ForWaiting(rig.Endpoint, "sales", "call-1", Queue(announceSeconds: 0, music: "gone.wav"));
        await rig.StepAsync(100);

        Assert.All(rig.Heard(All), t => Assert.Equal(DefaultMusicTone, t));
        Assert.Contains(rig.Logs.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("gone.wav", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_any_sounds_the_caller_hears_the_generated_music_and_announcements_are_skipped()
    {
        var nowhere = Path.Combine(Path.GetTempPath(), "acd-no-sounds-" + Guid.NewGuid().ToString("N"));
        var positions = new FixedPositions(Third(TimeSpan.FromMinutes(4)));
        await using var rig = AudioRig.Start(nowhere, positions);
        using var handle = rig.Audio.ForWaiting(rig.Endpoint, "sales", "call-1", Queue(announceSeconds: 10, music: "queue.wav"));

        await rig.StepAsync(600); // past the first announcement time
        var audio = rig.Samples();
        Assert.InRange(audio.Length, 600 * 160 - 320, 600 * 160);
        Assert.InRange(Goertzel.Rms(audio), 1000, 8000);
        // ToneSource.HoldMusic: its first note is C4 over a C3 bass, its second E4.
        Assert.True(Goertzel.Power(audio.AsSpan(0, 2000), 261.63) > 10 * Goertzel.Power(audio.AsSpan(0, 2000), 329.63));
        Assert.True(Goertzel.Power(audio.AsSpan(2500, 2000), 329.63) > 10 * Goertzel.Power(audio.AsSpan(2500, 2000), 261.63));
        // The position was asked, but no prompt exists: nothing was announced and the music went on.
        Assert.Equal(1, positions.Asked);
        Assert.Equal(0, handle.Announcements);
        Assert.InRange(Goertzel.Rms(audio.AsSpan(audio.Length - 8000)), 1000, 8000);
        Assert.Contains(rig.Logs.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("default.wav", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_held_or_parked_caller_hears_the_queue_music_without_announcements()
    {
        using var sounds = ToneSounds().Music(SoundLibrary.DefaultMusic, Tones.Wav((DefaultMusicTone, 1)));
        await using var rig = AudioRig.Start(sounds.Root);

        rig.Endpoint.ListenTo(rig.Audio.Music(Queue(announceSeconds: 10)));
        await rig.StepAsync(700); // 14 s: past an announcement interval
        var heard = rig.Heard(All);
        Assert.All(heard, t => Assert.True(t is MusicA or MusicB, $"the queue's music only, got {t} Hz"));
        Assert.Equal([MusicA, MusicB, MusicA, MusicB], Tones.Runs(heard).Take(4).Select(r => r.Tone));

        rig.Forget();
        rig.Endpoint.ListenTo(rig.Audio.Music((QueueConfig?)null)); // no queue (a parked call's slot): the default
        await rig.StepAsync(50);
        Assert.All(rig.Heard(All).Skip(2), t => Assert.Equal(DefaultMusicTone, t));
    }

    [Theory]
    [InlineData("DE", 425, 1.0, 4.0)]
    [InlineData("US", 440, 2.0, 4.0)]
    public async Task Ringback_has_the_tone_and_cadence_of_the_configured_country(string country, double tone, double onSeconds, double offSeconds)
    {
        using var sounds = new SoundsFolder();
        await using var rig = AudioRig.Start(sounds.Root, options: new QueueAudioOptions { RingbackCountry = country });
        rig.Endpoint.ListenTo(rig.Audio.Ringback());

        var on = (int)(onSeconds * 50);
        var period = (int)((onSeconds + offSeconds) * 50);
        await rig.StepAsync(period + on);
        var frames = rig.Frames().Select(f => f is null ? -1 : Goertzel.Rms(f)).ToList();
        Assert.InRange(frames.Count, period + on - 1, period + on);
        // On, off, on again; the tone's frequency in the first burst.
        Assert.All(frames.Take(on - 1), rms => Assert.True(rms is -1 or > 1000, $"tone during the burst, rms {rms}"));
        Assert.All(frames.Skip(on + 1).Take(period - on - 2), rms => Assert.True(rms is -1 or < 50, $"silence between bursts, rms {rms}"));
        Assert.All(frames.Skip(period + 1).Take(on - 2), rms => Assert.True(rms is -1 or > 1000, $"the next burst, rms {rms}"));
        var burst = rig.Samples().AsSpan(0, on * 160);
        Assert.True(Goertzel.Power(burst, tone) > 10 * Goertzel.Power(burst, 600), $"{tone} Hz in the burst");
        if (country == "US")
        {
            Assert.True(Goertzel.Power(burst, 480) > 10 * Goertzel.Power(burst, 600), "480 Hz in the US burst");
        }
        else
        {
            Assert.True(Goertzel.Detects(burst, 425, 480), "CEPT ringback is 425 Hz alone");
        }
    }

    [Fact]
    public async Task Ringback_of_another_country_can_be_asked_for_per_call()
    {
        using var sounds = new SoundsFolder();
        await using var rig = AudioRig.Start(sounds.Root, options: new QueueAudioOptions { RingbackCountry = "US" });
        rig.Endpoint.ListenTo(rig.Audio.Ringback("FR"));
        await rig.StepAsync(75); // FR: 1.5 s of 440 Hz alone
        var burst = rig.Samples();
        Assert.True(Goertzel.Detects(burst.AsSpan(0, 70 * 160), 440, 480), "440 Hz without the US 480 Hz");
    }

    [Fact]
    public async Task An_announcement_is_skipped_while_the_queue_does_not_answer_and_the_music_goes_on()
    {
        using var sounds = ToneSounds();
        var never = new TaskCompletionSource<WaitingPosition>();
        await using var rig = AudioRig.Start(sounds.Root, new DelegateQueuePositions((_, _, _) => never.Task),
            new QueueAudioOptions { PositionTimeoutMs = 1000, FirstAnnouncementMs = 10_000 });
        using var handle = rig.Audio.ForWaiting(rig.Endpoint, "sales", "call-1", Queue(announceSeconds: 10));

        await rig.StepAsync(500 + 60 + 100); // the announcement's time, its 1 s timeout, 2 s more
        Assert.All(rig.Heard(All), t => Assert.True(t is MusicA or MusicB, $"music only, got {t} Hz"));
        Assert.Equal(0, handle.Announcements);
        await Eventually.TrueAsync(() => rig.Logs.Lines.Any(l => l.Level == LogLevel.Warning && l.Message.Contains("No position", StringComparison.Ordinal)),
            "the skipped announcement's warning");
    }

    [Fact]
    public void A_waiting_source_keeps_the_music_position_across_announcements()
    {
        var music = new AudioClip("m", [.. Enumerable.Range(0, 800).Select(i => (short)i)]); // 5 frames, sample i = i
        var prompt = new AudioClip("p", [.. Enumerable.Repeat((short)-1, 160)]);
        var source = new WaitingAudioSource(new ClipSource(music, loop: true));
        var frame = new short[160];
        var read = new List<(AudioReadResult, short)>();
        for (var i = 0; i < 6; i++)
        {
            if (i == 2)
            {
                source.Announce([prompt, prompt]);
                Assert.True(source.IsAnnouncing);
            }

            read.Add((source.Read(frame), frame[0]));
        }

        Assert.Equal(
        [
            (AudioReadResult.FrameAfterJump, (short)0), (AudioReadResult.Frame, (short)160),
            (AudioReadResult.FrameAfterJump, (short)-1), (AudioReadResult.FrameAfterJump, (short)-1),
            (AudioReadResult.FrameAfterJump, (short)320), (AudioReadResult.Frame, (short)480),
        ], read);
        Assert.False(source.IsAnnouncing);
    }
}

using System.Buffers.Binary;
using Acd.Media.Codecs;
using Acd.Media.Playback;
using Acd.Media.Tests.Infrastructure;

namespace Acd.Media.Tests;

public sealed class PlaybackTests
{
    [Fact]
    public void An_8khz_mono_wav_loads_sample_for_sample()
    {
        var tone = Goertzel.Tone(700, 4000);
        var result = WavLoader.Load("tone", WavLoader.Encode(tone));
        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(tone, result.Clip!.Samples.ToArray());
        Assert.Equal(TimeSpan.FromMilliseconds(500), result.Clip.Duration);
    }

    [Fact]
    public void A_44khz_stereo_wav_is_downmixed_and_resampled_once_at_load()
    {
        const int Rate = 44100;
        var frames = Rate; // one second
        var file = Wav(Rate, channels: 2, bits: 16, format: 1, frames, (i, c) => c == 0
            ? (short)(Math.Sin(2 * Math.PI * 440 * i / Rate) * 12000)
            : (short)(Math.Sin(2 * Math.PI * 440 * i / Rate) * 12000 + Math.Sin(2 * Math.PI * 3900 * i / Rate) * 4000));
        var result = WavLoader.Load("music", file);
        Assert.True(result.Succeeded, result.Error);
        var samples = result.Clip!.Samples.ToArray();
        Assert.InRange(samples.Length, 7990, 8000);
        var middle = samples.AsSpan(2000, 1600);
        Assert.True(Goertzel.Detects(middle, 440, 600));
        Assert.InRange(Goertzel.Rms(middle), 6000, 10000); // both channels carry 440 Hz at 12000 peak
    }

    [Theory]
    [InlineData(8, 1, "8-bit")]
    [InlineData(16, 3, "format 3")]
    public void Unsupported_wavs_are_refused_with_a_reason(int bits, int format, string reason)
    {
        var result = WavLoader.Load("bad", Wav(8000, 1, bits, format, 800, (_, _) => 0));
        Assert.False(result.Succeeded);
        Assert.Contains(reason, result.Error);
    }

    [Fact]
    public void Files_that_are_not_wav_are_refused()
    {
        Assert.Contains("not a RIFF/WAVE", WavLoader.Load("x", "hello world, not a wav"u8).Error);
        var noData = WavLoader.Encode(new short[10])[..36];
        Assert.Contains("no data chunk", WavLoader.Load("x", noData).Error);
        Assert.Contains("cannot read", WavLoader.Load("/nonexistent/file.wav").Error);
    }

    [Fact]
    public void A_playlist_plays_prompts_then_loops_music_and_marks_each_new_item()
    {
        var a = new AudioClip("a", Enumerable.Repeat((short)100, 300).ToArray());  // 2 frames (the 2nd padded)
        var b = new AudioClip("b", Enumerable.Repeat((short)200, 160).ToArray());  // 1 frame
        var music = new AudioClip("m", Enumerable.Repeat((short)300, 320).ToArray());
        var playlist = Playlist.Of([a, b], music);
        var frame = new short[160];
        var results = new List<(AudioReadResult, short)>();
        for (var i = 0; i < 8; i++)
        {
            var r = playlist.Read(frame);
            results.Add((r, frame[0]));
        }
        Assert.Equal(
        [
            (AudioReadResult.FrameAfterJump, (short)100), (AudioReadResult.Frame, (short)100),
            (AudioReadResult.FrameAfterJump, (short)200),
            (AudioReadResult.FrameAfterJump, (short)300), (AudioReadResult.Frame, (short)300),
            (AudioReadResult.Frame, (short)300), (AudioReadResult.Frame, (short)300), (AudioReadResult.Frame, (short)300),
        ], results);

        var once = Playlist.Of([b], null);
        Assert.Equal(AudioReadResult.FrameAfterJump, once.Read(frame));
        Assert.Equal(AudioReadResult.End, once.Read(frame));
    }

    [Fact]
    public void Ringback_has_the_cept_cadence_and_frequency()
    {
        var ringback = ToneSource.Ringback("DE");
        var second = new short[8000];
        for (var i = 0; i < 50; i++) ringback.Read(second.AsSpan(i * 160, 160));
        Assert.True(Goertzel.Detects(second, 425, 600));
        var pause = new short[8000 * 4];
        for (var i = 0; i < 200; i++) ringback.Read(pause.AsSpan(i * 160, 160));
        Assert.True(Goertzel.Rms(pause) < 1);
        var again = new short[1600];
        for (var i = 0; i < 10; i++) ringback.Read(again.AsSpan(i * 160, 160));
        Assert.True(Goertzel.Detects(again, 425, 600));

        var us = new short[1600];
        var usTone = ToneSource.Ringback("US");
        for (var i = 0; i < 10; i++) usTone.Read(us.AsSpan(i * 160, 160));
        Assert.True(Goertzel.Power(us, 440) > 10 * Goertzel.Power(us, 600));
        Assert.True(Goertzel.Power(us, 480) > 10 * Goertzel.Power(us, 600));
    }

    [Fact]
    public void The_hold_music_fallback_is_audible_and_changes_notes()
    {
        var music = ToneSource.HoldMusic();
        var audio = new short[8000 * 3];
        for (var i = 0; i < audio.Length / 160; i++) Assert.NotEqual(AudioReadResult.End, music.Read(audio.AsSpan(i * 160, 160)));
        Assert.InRange(Goertzel.Rms(audio), 1000, 8000);
        // The first note is C4 (over a C3 bass), the second E4.
        Assert.True(Goertzel.Power(audio.AsSpan(0, 2000), 261.63) > 10 * Goertzel.Power(audio.AsSpan(0, 2000), 329.63));
        Assert.True(Goertzel.Power(audio.AsSpan(2500, 2000), 329.63) > 10 * Goertzel.Power(audio.AsSpan(2500, 2000), 261.63));
    }

    [Fact]
    public void The_dtmf_detector_reports_each_digit_once()
    {
        var detector = new TelephoneEventDetector();
        var reported = new List<(byte, ushort)>();
        void Feed(uint ts, byte e, bool end, ushort duration)
        {
            Span<TelephoneEvent> finished = stackalloc TelephoneEvent[2];
            var count = detector.Feed(ts, new TelephoneEvent(e, end, 10, duration), finished);
            for (var i = 0; i < count; i++) reported.Add((finished[i].Event, finished[i].Duration));
        }
        Feed(1000, 5, false, 160);
        Feed(1000, 5, false, 320);
        Feed(1000, 5, true, 800);
        Feed(1000, 5, true, 800);
        Feed(1000, 5, true, 800);
        Feed(2000, 11, false, 160);  // '#', whose end packets are all lost
        Feed(2000, 11, false, 480);
        Feed(3000, 1, true, 400);
        Feed(3000, 1, true, 400);
        Feed(1000, 5, true, 800);    // a very late retransmission of the first digit
        Assert.Equal([(5, 800), (11, 480), (1, 400)], reported);
        Assert.Equal('#', DtmfEvents.ToDigit(11));
        Assert.Equal((byte)10, DtmfEvents.FromDigit('*'));
        Assert.Null(DtmfEvents.FromDigit('x'));
    }

    internal static byte[] Wav(int rate, int channels, int bits, int format, int frames, Func<int, int, short> sample)
    {
        var bytesPerSample = bits / 8;
        var data = frames * channels * bytesPerSample;
        var file = new byte[44 + data];
        var s = file.AsSpan();
        "RIFF"u8.CopyTo(s);
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], (uint)(36 + data));
        "WAVEfmt "u8.CopyTo(s[8..]);
        BinaryPrimitives.WriteUInt32LittleEndian(s[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(s[20..], (ushort)format);
        BinaryPrimitives.WriteUInt16LittleEndian(s[22..], (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(s[24..], (uint)rate);
        BinaryPrimitives.WriteUInt32LittleEndian(s[28..], (uint)(rate * channels * bytesPerSample));
        BinaryPrimitives.WriteUInt16LittleEndian(s[32..], (ushort)(channels * bytesPerSample));
        BinaryPrimitives.WriteUInt16LittleEndian(s[34..], (ushort)bits);
        "data"u8.CopyTo(s[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(s[40..], (uint)data);
        for (var i = 0; i < frames; i++)
        {
            for (var c = 0; c < channels; c++)
            {
                var offset = 44 + (i * channels + c) * bytesPerSample;
                if (bytesPerSample == 2) BinaryPrimitives.WriteInt16LittleEndian(s[offset..], sample(i, c));
                else s[offset] = 128;
            }
        }
        return file;
    }
}

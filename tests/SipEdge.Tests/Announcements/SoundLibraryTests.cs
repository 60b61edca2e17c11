using Acd.Media.Tests.Infrastructure;
using Acd.Queues;
using Acd.SipEdge.Announcements;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Acd.SipEdge.Tests.Announcements;

public sealed class SoundLibraryTests
{
    [Fact]
    public void The_shipped_sounds_are_a_complete_english_set_and_a_default_music_of_8khz_pcm()
    {
        var sounds = new SoundLibrary(SoundLibrary.ShippedRoot);
        Assert.Equal([SoundLibrary.DefaultMusic], sounds.MusicFiles());
        Assert.Equal(["en"], sounds.Languages());

        var music = sounds.Music(null);
        Assert.NotNull(music);
        Assert.InRange(music.Duration, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(90));
        Assert.InRange(Goertzel.Rms(music.Samples.Span), 1000, 10000);
        var file = new FileInfo(Path.Combine(SoundLibrary.ShippedRoot, "music", SoundLibrary.DefaultMusic));
        Assert.Equal(44 + music.Samples.Length * 2, file.Length); // stored as 8 kHz 16-bit mono: nothing to convert at load

        foreach (var name in AnnouncementScript.All)
        {
            Assert.True(sounds.HasPrompt("en", name), $"prompts/en/{name}.wav is shipped");
            var prompt = sounds.Prompt("en", name);
            Assert.NotNull(prompt);
            Assert.InRange(prompt.Duration, TimeSpan.FromSeconds(0.2), TimeSpan.FromSeconds(3));
            Assert.True(Goertzel.Rms(prompt.Samples.Span) > 500, $"{name} is not silent");
        }

        var total = Directory.EnumerateFiles(SoundLibrary.ShippedRoot, "*.wav", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.InRange(total, 100_000, 1_000_000);
    }

    [Fact]
    public void Files_are_loaded_once_and_shared()
    {
        using var folder = new SoundsFolder().Music("a.wav", Tones.Wav((500, 0.5))).Prompt("en", "minute", Tones.Wav((700, 0.2)));
        var sounds = new SoundLibrary(folder.Root);
        var first = sounds.Music("a.wav");
        File.Delete(Path.Combine(folder.Root, "music", "a.wav"));
        Assert.Same(first, sounds.Music("a.wav"));
        Assert.Same(sounds.Prompt("en", "minute"), sounds.Prompt("en", "minute"));
    }

    [Fact]
    public void A_prompt_missing_from_a_language_falls_back_to_english_and_a_missing_english_one_to_nothing()
    {
        using var folder = new SoundsFolder()
            .Prompt("en", "minute", Tones.Wav((700, 0.2))).Prompt("en", "minutes", Tones.Wav((900, 0.2)))
            .Prompt("de", "minutes", Tones.Wav((1100, 0.2)));
        using var logs = new ListLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var sounds = new SoundLibrary(folder.Root, factory.CreateLogger<SoundLibrary>());

        Assert.Equal(["de", "en"], sounds.Languages());
        Assert.True(Goertzel.Detects(sounds.Prompt("de", "minutes")!.Samples.Span, 1100, 900));
        Assert.True(Goertzel.Detects(sounds.Prompt("de", "minute")!.Samples.Span, 700, 900));
        Assert.Null(sounds.Prompt("de", "thank-you-for-holding"));
        Assert.True(Goertzel.Detects(sounds.Prompt("../../etc", "minute")!.Samples.Span, 700, 900), "not a language tag: the English set");
        Assert.Contains(logs.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("thank-you-for-holding", StringComparison.Ordinal));
        Assert.False(sounds.HasPrompt("de", "minute"));
        Assert.True(sounds.HasPrompt("de", "minutes"));
    }

    [Fact]
    public void An_unusable_file_is_reported_and_looked_at_again_a_minute_later()
    {
        using var folder = new SoundsFolder().Music("broken.wav", "not a wav at all"u8.ToArray()).Music(SoundLibrary.DefaultMusic, Tones.Wav((600, 0.5)));
        using var logs = new ListLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var time = new FakeTimeProvider();
        var sounds = new SoundLibrary(folder.Root, factory.CreateLogger<SoundLibrary>(), time);

        Assert.True(Goertzel.Detects(sounds.Music("broken.wav")!.Samples.Span, 600, 500), "the default plays instead");
        Assert.Contains(logs.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("not a RIFF/WAVE", StringComparison.Ordinal));
        folder.Music("broken.wav", Tones.Wav((500, 0.5))); // the operator fixes the file
        Assert.True(Goertzel.Detects(sounds.Music("broken.wav")!.Samples.Span, 600, 500), "remembered for a while");
        time.Advance(SoundLibrary.RetryFailedAfter);
        Assert.True(Goertzel.Detects(sounds.Music("broken.wav")!.Samples.Span, 500, 600), "looked at again");
    }

    [Fact]
    public void Only_plain_wav_names_and_language_folders_are_listed_and_accepted()
    {
        using var folder = new SoundsFolder().Music("jazz.wav", Tones.Wav((500, 0.1))).Write("music/notes.txt", [1])
            .Write("music/odd name.wav", Tones.Wav((500, 0.1))).Prompt("fr", "minute", Tones.Wav((500, 0.1))).Write("prompts/.git/x", [1]);
        var sounds = new SoundLibrary(folder.Root);
        Assert.Equal(["jazz.wav"], sounds.MusicFiles());
        Assert.Equal(["fr"], sounds.Languages());
        Assert.True(sounds.HasMusic("jazz.wav"));
        Assert.False(sounds.HasMusic("../music/jazz.wav"));
        Assert.False(sounds.HasMusic("blues.wav"));
        Assert.True(sounds.HasLanguage("fr"));
        Assert.False(sounds.HasLanguage("de"));
        Assert.Empty(new SoundLibrary(Path.Combine(folder.Root, "nothing-here")).MusicFiles());
    }

    [Fact]
    public void The_sounds_path_option_is_resolved_against_the_content_root()
    {
        Assert.Equal(SoundLibrary.ShippedRoot, SoundLibrary.ResolveRoot(new QueueAudioOptions(), "/srv/acd"));
        Assert.Equal(Path.Combine("/srv/acd", "sounds"), SoundLibrary.ResolveRoot(new QueueAudioOptions { SoundsPath = "sounds" }, "/srv/acd"));
        Assert.Equal("/var/lib/acd/sounds", SoundLibrary.ResolveRoot(new QueueAudioOptions { SoundsPath = "/var/lib/acd/sounds" }, "/srv/acd"));
    }

    [Theory]
    [InlineData(3, "3")]
    [InlineData(19, "19")]
    [InlineData(20, "20")]
    [InlineData(21, "20 1")]
    [InlineData(99, "90 9")]
    [InlineData(100, "1 hundred")]
    [InlineData(342, "3 hundred 40 2")]
    [InlineData(515, "5 hundred 15")]
    [InlineData(1204, "1 2 0 4")]
    public void Numbers_are_composed_from_the_files_a_set_has(int n, string expected)
    {
        var english = AnnouncementScript.All.ToHashSet();
        Assert.Equal(expected.Split(' ').Select(p => p == "hundred" ? AnnouncementScript.Hundred : AnnouncementScript.Number(int.Parse(p, System.Globalization.CultureInfo.InvariantCulture))),
            AnnouncementScript.NumberPrompts(n, english.Contains));
    }

    [Fact]
    public void A_set_that_has_a_number_whole_gets_it_whole()
    {
        var german = AnnouncementScript.All.Append(AnnouncementScript.Number(21)).ToHashSet();
        Assert.Equal([AnnouncementScript.Number(21)], AnnouncementScript.NumberPrompts(21, german.Contains));
    }

    [Fact]
    public void The_script_of_an_announcement()
    {
        var has = AnnouncementScript.All.ToHashSet().Contains;
        WaitingPosition At(int? position, TimeSpan? wait) => new("c", position, 30, wait, wait is null ? WaitEstimateBasis.None : WaitEstimateBasis.HandleTime, TimeSpan.Zero);

        Assert.Equal(["thank-you-for-holding", "you-are-caller-number", "numbers/20", "numbers/1", "the-estimated-wait-is", "numbers/7", "minutes"],
            AnnouncementScript.For(At(21, TimeSpan.FromMinutes(6.6)), has));
        Assert.Equal(["thank-you-for-holding", "you-are-caller-number", "numbers/1", "the-estimated-wait-is", "numbers/1", "minute"],
            AnnouncementScript.For(At(1, TimeSpan.FromSeconds(89)), has));
        Assert.Equal(["thank-you-for-holding", "you-are-caller-number", "numbers/2", "the-estimated-wait-is", "less-than-one-minute"],
            AnnouncementScript.For(At(2, TimeSpan.FromSeconds(59)), has));
        Assert.Equal(["thank-you-for-holding", "you-are-caller-number", "numbers/2"], AnnouncementScript.For(At(2, null), has));
        Assert.Equal(["thank-you-for-holding"], AnnouncementScript.For(At(null, TimeSpan.FromMinutes(3)), has));
    }

}

using System.Collections.Concurrent;
using Acd.Media.Playback;
using Acd.Queues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.SipEdge.Announcements;

/// <summary>
/// The sounds folder: hold music under <c>music/</c>, prompt sets under <c>prompts/&lt;language&gt;/</c>. Each file is
/// loaded once per process and shared by every call (clips are immutable). A file that is missing or unusable is
/// never an error for a caller: the queue's music falls back to <c>music/default.wav</c> and then to nothing (the
/// caller of <see cref="Music"/> plays <see cref="ToneSource.HoldMusic"/>), a prompt falls back to the English set and
/// then is left out; each with a warning, repeated at most once per <see cref="RetryFailedAfter"/> (the file is looked
/// for again then, so one copied in later is picked up without a restart). Thread-safe.
/// </summary>
public sealed class SoundLibrary
{
    public const string MusicFolder = "music";
    public const string PromptsFolder = "prompts";
    public const string DefaultMusic = "default.wav";
    public const string FallbackLanguage = QueueConfig.DefaultLanguage;

    /// <summary>How long a file that could not be loaded is remembered as such before it is tried again.</summary>
    public static readonly TimeSpan RetryFailedAfter = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Lazy<Entry>> _clips = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public SoundLibrary(string root, ILogger<SoundLibrary>? logger = null, TimeProvider? time = null)
    {
        Root = Path.GetFullPath(root);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The folder shipped with the product, beside the binaries.</summary>
    public static string ShippedRoot => Path.Combine(AppContext.BaseDirectory, "Sounds");

    /// <summary><c>Media:SoundsPath</c> made absolute (relative to <paramref name="contentRoot"/>), or the shipped folder.</summary>
    public static string ResolveRoot(QueueAudioOptions options, string? contentRoot) =>
        string.IsNullOrWhiteSpace(options.SoundsPath) ? ShippedRoot
        : Path.IsPathRooted(options.SoundsPath) ? options.SoundsPath
        : Path.Combine(contentRoot ?? AppContext.BaseDirectory, options.SoundsPath);

    public string Root { get; }

    private string MusicRoot => Path.Combine(Root, MusicFolder);

    private string PromptRoot => Path.Combine(Root, PromptsFolder);

    /// <summary>Hold-music files a queue may name (what is in <c>music/</c> now), sorted.</summary>
    public IReadOnlyList<string> MusicFiles() => List(() => Directory.EnumerateFiles(MusicRoot, "*.wav").Select(Path.GetFileName)
        .OfType<string>().Where(QueueConfig.IsSoundFileName));

    /// <summary>Prompt sets a queue may name (the folders under <c>prompts/</c> now), sorted.</summary>
    public IReadOnlyList<string> Languages() => List(() => Directory.EnumerateDirectories(PromptRoot).Select(Path.GetFileName)
        .OfType<string>().Where(QueueConfig.IsLanguageTag));

    public bool HasMusic(string name) => QueueConfig.IsSoundFileName(name) && File.Exists(Path.Combine(MusicRoot, name));

    public bool HasLanguage(string language) => QueueConfig.IsLanguageTag(language) && Directory.Exists(Path.Combine(PromptRoot, language));

    /// <summary>Whether the set of <paramref name="language"/> itself has the prompt (no fallback, no warning).</summary>
    public bool HasPrompt(string language, string name) =>
        QueueConfig.IsLanguageTag(language) && File.Exists(PromptPath(language, name));

    /// <summary>
    /// The queue's hold music (a file name under <c>music/</c>; null for the default), else <c>music/default.wav</c>,
    /// else null: play <see cref="ToneSource.HoldMusic"/>.
    /// </summary>
    public AudioClip? Music(string? name)
    {
        if (name is not null && name != DefaultMusic)
        {
            if (!QueueConfig.IsSoundFileName(name))
            {
                _logger.LogWarning("Hold music '{Name}' is not a .wav file name; playing the default", name);
            }
            else if (Load(Path.Combine(MusicRoot, name), "hold music", "the default music plays instead") is { } clip)
            {
                return clip;
            }
        }

        return Load(Path.Combine(MusicRoot, DefaultMusic), "default hold music", "generated music plays instead");
    }

    /// <summary>A prompt of the language's set (e.g. <c>you-are-caller-number</c>, <c>numbers/3</c>), else the English one, else null.</summary>
    public AudioClip? Prompt(string language, string name)
    {
        if (!QueueConfig.IsLanguageTag(language))
        {
            language = FallbackLanguage;
        }

        if (language != FallbackLanguage)
        {
            if (Load(PromptPath(language, name), $"prompt of '{language}'", "the English one plays instead") is { } clip)
            {
                return clip;
            }
        }

        return Load(PromptPath(FallbackLanguage, name), "prompt", "it is left out of announcements");
    }

    private string PromptPath(string language, string name) => Path.Combine(PromptRoot, language, name + ".wav");

    private AudioClip? Load(string path, string what, string consequence)
    {
        while (true)
        {
            var lazy = _clips.GetOrAdd(path, p => new Lazy<Entry>(() => LoadEntry(p, what, consequence)));
            var entry = lazy.Value;
            if (entry.Clip is not null || _time.GetUtcNow() - entry.At < RetryFailedAfter)
            {
                return entry.Clip;
            }

            // A failure ages out: drop it (if nobody did already) and look at the file again.
            ((ICollection<KeyValuePair<string, Lazy<Entry>>>)_clips).Remove(new(path, lazy));
        }
    }

    private Entry LoadEntry(string path, string what, string consequence)
    {
        if (!File.Exists(path))
        {
            _logger.LogWarning("Sound file {Path} ({What}) is missing; {Consequence}", path, what, consequence);
            return new Entry(null, _time.GetUtcNow());
        }

        var loaded = WavLoader.Load(path);
        if (!loaded.Succeeded)
        {
            _logger.LogWarning("Sound file {Path} ({What}) cannot be played: {Error}; {Consequence}", path, what, loaded.Error, consequence);
        }

        return new Entry(loaded.Clip, _time.GetUtcNow());
    }

    private static IReadOnlyList<string> List(Func<IEnumerable<string>> names)
    {
        try
        {
            return [.. names().Order(StringComparer.Ordinal)];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private sealed record Entry(AudioClip? Clip, DateTimeOffset At);
}

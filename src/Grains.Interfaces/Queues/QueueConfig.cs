using System.Collections.Immutable;

namespace Acd.Queues;

public enum RoutingStrategy
{
    /// <summary>The Ready agent idle the longest gets the call (default).</summary>
    LongestIdle = 0,
    /// <summary>Ready agents take turns in a fixed rotation.</summary>
    RoundRobin,
    /// <summary>The Ready agent who has handled the fewest calls gets it.</summary>
    FewestCalls,
}

/// <summary>
/// How a queue routes and measures its calls, and what its callers hear. The audio settings are trailing members with
/// defaults, so configurations stored before they existed read back (see <see cref="EffectiveLanguage"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("acd.QueueConfig")]
public sealed record QueueConfig(
    [property: Id(0)] string Name,
    [property: Id(1)] ImmutableArray<string> Numbers,
    [property: Id(2)] RoutingStrategy Strategy,
    [property: Id(3)] ImmutableDictionary<string, int> RequiredSkills,
    [property: Id(4)] int SlaSeconds,
    [property: Id(5)] int MaxWaitSeconds,
    [property: Id(6)] string? OverflowQueueId,
    [property: Id(7)] int WrapUpSeconds,
    [property: Id(8)] int RingTimeoutSeconds,
    [property: Id(9)] int StatsWindowMinutes,
    [property: Id(10)] string? HoldMusic = null,
    [property: Id(11)] int AnnounceSeconds = QueueConfig.DefaultAnnounceSeconds,
    [property: Id(12)] string? Language = QueueConfig.DefaultLanguage)
{
    public const int DefaultSlaSeconds = 20;
    public const int DefaultRingTimeoutSeconds = 20;
    public const int DefaultStatsWindowMinutes = 60;

    /// <summary>
    /// Position and wait are announced every 30 s by default: often enough that a caller hears within a minute where
    /// they stand, rarely enough that the announcement (about 6 s) does not crowd out the music. 0 turns it off.
    /// </summary>
    public const int DefaultAnnounceSeconds = 30;

    /// <summary>Announcement intervals other than 0 lie within this range: shorter ones would talk over themselves.</summary>
    public const int MinAnnounceSeconds = 10;
    public const int MaxAnnounceSeconds = 600;

    /// <summary>The prompt set shipped with the product (the folder <c>prompts/en</c>).</summary>
    public const string DefaultLanguage = "en";

    public static QueueConfig Create(string name, IEnumerable<string>? numbers = null,
        RoutingStrategy strategy = RoutingStrategy.LongestIdle, IEnumerable<KeyValuePair<string, int>>? requiredSkills = null,
        int slaSeconds = DefaultSlaSeconds, int maxWaitSeconds = 0, string? overflowQueueId = null,
        int wrapUpSeconds = 0, int ringTimeoutSeconds = DefaultRingTimeoutSeconds, int statsWindowMinutes = DefaultStatsWindowMinutes,
        string? holdMusic = null, int announceSeconds = DefaultAnnounceSeconds, string? language = DefaultLanguage) =>
        new(name, [.. numbers ?? []], strategy,
            (requiredSkills ?? []).ToImmutableDictionary(StringComparer.OrdinalIgnoreCase),
            slaSeconds, maxWaitSeconds, overflowQueueId, wrapUpSeconds, ringTimeoutSeconds, statsWindowMinutes,
            holdMusic, announceSeconds, language);

    /// <summary>The prompt set to use: <see cref="Language"/>, or <see cref="DefaultLanguage"/> when none is stored.</summary>
    public string EffectiveLanguage => string.IsNullOrWhiteSpace(Language) ? DefaultLanguage : Language;

    /// <summary>Null when the queue makes no announcements.</summary>
    public TimeSpan? AnnounceInterval => AnnounceSeconds > 0 ? TimeSpan.FromSeconds(AnnounceSeconds) : null;

    public TimeSpan RingTimeout => TimeSpan.FromSeconds(RingTimeoutSeconds);

    public TimeSpan WrapUp => TimeSpan.FromSeconds(WrapUpSeconds);

    /// <summary>Null when the queue lets callers wait forever.</summary>
    public TimeSpan? MaxWait => MaxWaitSeconds > 0 ? TimeSpan.FromSeconds(MaxWaitSeconds) : null;

    /// <summary>
    /// A hold-music file name as a queue may name it: a plain <c>.wav</c> file name (letters, digits, '.', '_', '-'; at
    /// most 100 characters), never a path, so a queue cannot point the edge at any other file.
    /// </summary>
    public static bool IsSoundFileName(string? name) =>
        name is { Length: > 4 and <= 100 } && name.EndsWith(".wav", StringComparison.OrdinalIgnoreCase)
        && char.IsAsciiLetterOrDigit(name[0]) && !name.Contains("..", StringComparison.Ordinal)
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>A prompt set's name: a language tag such as <c>en</c>, <c>de</c>, <c>en-GB</c> or <c>pt_BR</c>.</summary>
    public static bool IsLanguageTag(string? tag)
    {
        if (tag is not { Length: >= 2 and <= 35 })
        {
            return false;
        }

        var parts = tag.Split('-', '_');
        return parts[0].Length is 2 or 3 && parts[0].All(char.IsAsciiLetter)
            && parts.Skip(1).All(p => p.Length is >= 2 and <= 8 && p.All(char.IsAsciiLetterOrDigit));
    }

    /// <summary>Whether an agent with these skills may take this queue's calls.</summary>
    public bool IsQualified(IReadOnlyDictionary<string, int> agentSkills)
    {
        foreach (var (skill, minimum) in RequiredSkills)
        {
            if (!agentSkills.TryGetValue(skill, out var level) || level < minimum)
            {
                return false;
            }
        }

        return true;
    }
}

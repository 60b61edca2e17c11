namespace Acd.SipEdge.Announcements;

/// <summary>
/// What queue audio needs besides the queue's own settings, bound from the media engine's section <c>Media</c>
/// (<c>Media:SoundsPath</c>, <c>Media:RingbackCountry</c>); the engine ignores these keys and this class ignores the
/// engine's.
/// </summary>
public sealed class QueueAudioOptions
{
    public const string SectionName = "Media";

    /// <summary>
    /// The sounds folder: <c>music/*.wav</c> (hold music; <c>default.wav</c> for queues that name none) and
    /// <c>prompts/&lt;language&gt;/*.wav</c>. Empty: the <c>Sounds</c> folder shipped beside the binaries. A relative
    /// path is relative to the content root.
    /// </summary>
    public string? SoundsPath { get; set; }

    /// <summary>Whose ringback a caller hears while an agent rings: US, CA, GB, FR, or anything else for CEPT 425 Hz (DE).</summary>
    public string RingbackCountry { get; set; } = "US";

    /// <summary>
    /// How long after a caller joins the line (or comes back to it, e.g. after an agent's phone rang unanswered) the
    /// first position announcement comes; the later ones follow every <c>AnnounceSeconds</c> of the queue. Never later
    /// than that interval. A caller hears where it stands soon, as on other ACDs, while one whom a Ready agent takes at
    /// once hears no announcement cut short by ringback.
    /// </summary>
    public int FirstAnnouncementMs { get; set; } = 3000;

    /// <summary>How long an announcement waits for the queue to say the caller's position before it is skipped.</summary>
    public int PositionTimeoutMs { get; set; } = 2000;
}

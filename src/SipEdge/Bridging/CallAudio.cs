using Acd.Media;
using Acd.Media.Playback;

namespace Acd.SipEdge.Bridging;

/// <summary>
/// The players callers hear on this edge: hold music and ringback, each one player shared by every leg that listens
/// (the engine encodes per leg). Queue-specific music and announcements come from the queue's settings where configured.
/// </summary>
internal sealed class CallAudio(MediaEngine engine)
{
    private readonly Lazy<MediaPlayer> _music = new(() => engine.CreatePlayer(ToneSource.HoldMusic(), "hold music"));
    private readonly Lazy<MediaPlayer> _ringback = new(() => engine.CreatePlayer(ToneSource.Ringback(), "ringback"));

    public MediaPlayer HoldMusic(string? queueId) => _music.Value;

    public MediaPlayer Waiting(string? queueId) => _music.Value;

    public MediaPlayer Ringback => _ringback.Value;
}

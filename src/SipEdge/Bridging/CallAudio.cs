using Acd.Media.Playback;
using Acd.Media.Sessions;
using Acd.SipEdge.Announcements;

namespace Acd.SipEdge.Bridging;

/// <summary>
/// What callers hear from this edge, by the settings of their queue (<see cref="QueueSettings"/>): waiting in line, the
/// queue's hold music with its position announcements (<see cref="QueueAudio.ForWaiting"/>); held, parked or waiting
/// while their agent consults, the queue's music alone (<see cref="QueueAudio.Music(Acd.Queues.QueueConfig?)"/>); while
/// an agent's phone rings, the ringback of <c>Media:RingbackCountry</c>, one player shared by every leg that listens
/// (the engine encodes per leg). Anchored calls only (<see cref="AnchoredMedia"/>); direct media plays nothing.
/// </summary>
internal sealed class CallAudio(QueueAudio audio, QueueSettings settings)
{
    private readonly Lazy<MediaPlayer> _ringback = new(() => audio.Ringback());

    public QueueSettings Settings => settings;

    /// <summary>A caller joins the line of <paramref name="queueId"/>: its endpoint hears the queue's music and announcements from now on.</summary>
    public QueueAudioHandle Waiting(MediaEndpoint endpoint, string queueId, string callId) =>
        audio.ForWaiting(endpoint, queueId, callId, settings.Known(queueId));

    /// <summary>The music of <paramref name="queueId"/> (the default without one), a player of the call's own: it goes on where it stopped.</summary>
    public MediaPlayer Music(string? queueId) => audio.Music(settings.Known(queueId));

    public MediaPlayer Ringback => _ringback.Value;
}

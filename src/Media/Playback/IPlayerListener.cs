namespace Acd.Media.Playback;

/// <summary>
/// Something that hears one player at a time: a call leg (<see cref="Sessions.MediaEndpoint"/>, which encodes the frames
/// into its RTP stream) or a <see cref="PcmSink"/> (raw frames for a PBX's audio stream, a recorder).
/// </summary>
public interface IPlayerListener
{
    /// <summary>The player heard now, or null.</summary>
    MediaPlayer? InputPlayer { get; }

    /// <summary>Hear <paramref name="player"/> from the next tick on (instead of whatever was heard before).</summary>
    void ListenTo(MediaPlayer player);

    /// <summary>Hear silence (the stream keeps running).</summary>
    void ListenToSilence();
}

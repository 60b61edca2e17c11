using Acd.Media.Playback;

namespace Acd.SipEdge.Announcements;

/// <summary>
/// What a waiting caller hears, as one source for one player (so one continuous RTP stream): the music, interrupted by
/// announcements. The music source is kept across announcements, so it continues where it stopped instead of starting
/// over. Each switch (music to prompt, prompt to prompt, back to music) is reported as a new item, so the packet gets
/// the marker bit.
/// <para>
/// Threads: <see cref="Read"/> runs on the engine's clock only; <see cref="Announce"/> and <see cref="Interrupt"/> may
/// come from any thread (the announcement timer, the call's mailbox) and hand over in one reference swap or flag.
/// </para>
/// </summary>
internal sealed class WaitingAudioSource(IAudioSource music) : IAudioSource
{
    private AudioClip[]? _handedOver;
    private int _interrupted;
    private volatile bool _playing;

    // Clock thread only.
    private Queue<AudioClip>? _prompts;
    private ClipSource? _current;
    private bool _switched;

    /// <summary>True from <see cref="Announce"/> until its last prompt has been played (or it was interrupted).</summary>
    public bool IsAnnouncing => Volatile.Read(ref _handedOver) is not null || (_playing && Volatile.Read(ref _interrupted) == 0);

    /// <summary>Plays the prompts next (after the current frame), then the music again. Replaces an announcement not yet finished.</summary>
    public void Announce(IReadOnlyList<AudioClip> prompts)
    {
        if (prompts.Count > 0)
        {
            Volatile.Write(ref _handedOver, [.. prompts]);
        }
    }

    /// <summary>
    /// Drops the announcement being played or about to be (the caller left the line for a while): whenever this source
    /// is read again, it plays the music from where the music stopped.
    /// </summary>
    public void Interrupt()
    {
        Volatile.Write(ref _handedOver, null);
        Volatile.Write(ref _interrupted, 1);
    }

    public AudioReadResult Read(Span<short> frame)
    {
        if (Interlocked.Exchange(ref _interrupted, 0) == 1)
        {
            _switched |= _prompts is not null;
            _prompts = null;
            _current = null;
            _playing = false;
        }

        if (Volatile.Read(ref _handedOver) is not null)
        {
            _playing = true; // before the swap, so IsAnnouncing never reads false in between
            if (Interlocked.Exchange(ref _handedOver, null) is { } batch)
            {
                _prompts = new Queue<AudioClip>(batch);
                _current = null;
                _switched = true;
            }
        }

        while (_prompts is { } prompts)
        {
            if (_current is null)
            {
                if (prompts.Count == 0)
                {
                    _prompts = null;
                    _switched = true;
                    _playing = false;
                    break;
                }

                _current = new ClipSource(prompts.Dequeue());
                _switched = true;
            }

            var result = _current.Read(frame);
            if (result != AudioReadResult.End)
            {
                return Marked(result);
            }

            _current = null;
        }

        var musical = music.Read(frame);
        return musical == AudioReadResult.End ? musical : Marked(musical);
    }

    private AudioReadResult Marked(AudioReadResult result)
    {
        if (!_switched)
        {
            return result;
        }

        _switched = false;
        return AudioReadResult.FrameAfterJump;
    }
}

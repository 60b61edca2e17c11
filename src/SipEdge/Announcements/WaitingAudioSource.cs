using Acd.Media.Playback;

namespace Acd.SipEdge.Announcements;

/// <summary>
/// What a waiting caller hears, as one source for one player (so one continuous RTP stream): the music, interrupted by
/// announcements. The music source is kept across announcements, so it continues where it stopped instead of starting
/// over. Each switch (music to prompt, prompt to prompt, back to music) is reported as a new item, so the packet gets
/// the marker bit.
/// <para>
/// Threads: <see cref="Read"/> runs on the engine's clock only; <see cref="Announce"/> may come from any thread
/// (the announcement timer) and hands its prompts over in one reference swap.
/// </para>
/// </summary>
internal sealed class WaitingAudioSource(IAudioSource music) : IAudioSource
{
    private AudioClip[]? _handedOver;
    private int _announced;
    private int _finished;

    // Clock thread only.
    private Queue<AudioClip>? _prompts;
    private ClipSource? _current;
    private bool _switched;

    /// <summary>True from <see cref="Announce"/> until its last prompt has been played.</summary>
    public bool IsAnnouncing => Volatile.Read(ref _announced) != Volatile.Read(ref _finished);

    /// <summary>Plays the prompts next (after the current frame), then the music again. Replaces an announcement not yet started.</summary>
    public void Announce(IReadOnlyList<AudioClip> prompts)
    {
        if (prompts.Count == 0)
        {
            return;
        }

        Interlocked.Increment(ref _announced);
        if (Interlocked.Exchange(ref _handedOver, [.. prompts]) is not null)
        {
            Interlocked.Increment(ref _finished); // the one it replaced will never play
        }
    }

    public AudioReadResult Read(Span<short> frame)
    {
        if (Interlocked.Exchange(ref _handedOver, null) is { } batch)
        {
            if (_prompts is not null)
            {
                Interlocked.Increment(ref _finished); // cut short by the new one
            }

            _prompts = new Queue<AudioClip>(batch);
            _current = null;
            _switched = true;
        }

        while (_prompts is { } prompts)
        {
            if (_current is null)
            {
                if (prompts.Count == 0)
                {
                    _prompts = null;
                    _switched = true;
                    Interlocked.Increment(ref _finished);
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

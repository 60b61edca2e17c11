namespace Acd.Media.Playback;

public enum AudioReadResult
{
    /// <summary>A frame continuing the previous one.</summary>
    Frame,

    /// <summary>A frame that starts a new item (prompt change): the packet gets the marker bit.</summary>
    FrameAfterJump,

    /// <summary>The source has nothing more; the frame is not filled.</summary>
    End,
}

/// <summary>
/// Produces 8 kHz mono audio one frame at a time, pulled by the engine's clock. Implementations keep their own
/// position and are used by one player at a time.
/// </summary>
public interface IAudioSource
{
    AudioReadResult Read(Span<short> frame);
}

/// <summary>Plays a clip once or in a loop.</summary>
public sealed class ClipSource(AudioClip clip, bool loop = false) : IAudioSource
{
    private int _position;
    private bool _started;

    public AudioReadResult Read(Span<short> frame)
    {
        var samples = clip.Samples.Span;
        if (samples.Length == 0 || (!loop && _position >= samples.Length)) return AudioReadResult.End;
        var jump = !_started;
        _started = true;
        for (var i = 0; i < frame.Length; i++)
        {
            if (_position >= samples.Length)
            {
                if (!loop)
                {
                    frame[i..].Clear(); // the last frame is padded with silence
                    break;
                }
                _position = 0;
            }
            frame[i] = samples[_position++];
        }
        return jump ? AudioReadResult.FrameAfterJump : AudioReadResult.Frame;
    }
}

/// <summary>One step of a cadence: tones (one or two frequencies, 0 Hz for none) for a duration.</summary>
public sealed record ToneSegment(TimeSpan Duration, double Frequency1, double Frequency2 = 0);

/// <summary>
/// Generated tones with a cadence that repeats: ringback, busy, or a simple melody when no hold music is
/// installed. The phase runs on across segments so the tone does not click.
/// </summary>
public sealed class ToneSource : IAudioSource
{
    private readonly ToneSegment[] _segments;
    private readonly double _amplitude;
    private readonly bool _loop;
    private int _segment;
    private int _sampleInSegment;
    private double _phase1;
    private double _phase2;
    private bool _started;

    public ToneSource(IReadOnlyList<ToneSegment> segments, double amplitude = 0.25, bool loop = true)
    {
        if (segments.Count == 0) throw new ArgumentException("a tone needs at least one segment", nameof(segments));
        _segments = [.. segments];
        _amplitude = amplitude * short.MaxValue;
        _loop = loop;
    }

    /// <summary>A steady tone (tests, 1 kHz test tones).</summary>
    public static ToneSource Steady(double frequency, double amplitude = 0.25) =>
        new([new ToneSegment(TimeSpan.FromSeconds(1), frequency)], amplitude);

    /// <summary>Ringback of a country (ITU-T E.180 / national specs); unknown codes get the CEPT 425 Hz 1 s on, 4 s off.</summary>
    public static ToneSource Ringback(string? country = null) => (country ?? "").ToUpperInvariant() switch
    {
        "US" or "CA" => new([new(TimeSpan.FromSeconds(2), 440, 480), new(TimeSpan.FromSeconds(4), 0)]),
        "GB" or "UK" => new([new(TimeSpan.FromMilliseconds(400), 400, 450), new(TimeSpan.FromMilliseconds(200), 0),
            new(TimeSpan.FromMilliseconds(400), 400, 450), new(TimeSpan.FromMilliseconds(2000), 0)]),
        "FR" => new([new(TimeSpan.FromMilliseconds(1500), 440), new(TimeSpan.FromMilliseconds(3500), 0)]),
        _ => new([new(TimeSpan.FromSeconds(1), 425), new(TimeSpan.FromSeconds(4), 0)]),
    };

    /// <summary>
    /// The hold-music fallback: a slow arpeggio (C, E, G, E over an A-minor/F/C/G progression) so a caller hears
    /// that the line is alive even where no music file is installed.
    /// </summary>
    public static ToneSource HoldMusic()
    {
        double[][] chords = [[261.63, 329.63, 392.00], [220.00, 261.63, 329.63], [174.61, 220.00, 261.63], [196.00, 246.94, 293.66]];
        var segments = new List<ToneSegment>();
        foreach (var chord in chords)
        {
            for (var repeat = 0; repeat < 2; repeat++)
            {
                foreach (var note in new[] { chord[0], chord[1], chord[2], chord[1] })
                {
                    segments.Add(new ToneSegment(TimeSpan.FromMilliseconds(280), note, chord[0] / 2));
                    segments.Add(new ToneSegment(TimeSpan.FromMilliseconds(20), 0));
                }
            }
        }
        return new ToneSource(segments, amplitude: 0.15);
    }

    public AudioReadResult Read(Span<short> frame)
    {
        if (_segment >= _segments.Length) return AudioReadResult.End;
        var jump = !_started;
        _started = true;
        for (var i = 0; i < frame.Length; i++)
        {
            if (_segment >= _segments.Length)
            {
                frame[i..].Clear();
                break;
            }
            var seg = _segments[_segment];
            var length = (int)(seg.Duration.TotalSeconds * AudioClip.SampleRate);
            double value = 0;
            if (seg.Frequency1 > 0) value += Math.Sin(_phase1);
            if (seg.Frequency2 > 0) value += Math.Sin(_phase2);
            if (seg.Frequency1 > 0 && seg.Frequency2 > 0) value *= 0.5;
            frame[i] = (short)(value * _amplitude);
            _phase1 = (_phase1 + 2 * Math.PI * seg.Frequency1 / AudioClip.SampleRate) % (2 * Math.PI);
            _phase2 = (_phase2 + 2 * Math.PI * seg.Frequency2 / AudioClip.SampleRate) % (2 * Math.PI);
            if (++_sampleInSegment >= length)
            {
                _sampleInSegment = 0;
                _segment++;
                if (_segment >= _segments.Length && _loop) _segment = 0;
            }
        }
        return jump ? AudioReadResult.FrameAfterJump : AudioReadResult.Frame;
    }
}

/// <summary>"Play prompts a, b, c, then loop the music": each item in turn, then the last one forever.</summary>
public sealed class Playlist : IAudioSource
{
    private readonly Queue<IAudioSource> _items;
    private readonly IAudioSource? _then;
    private IAudioSource? _current;

    public Playlist(IEnumerable<IAudioSource> prompts, IAudioSource? thenLoop = null)
    {
        _items = new Queue<IAudioSource>(prompts);
        _then = thenLoop;
    }

    /// <summary>Prompts from clips, then the clip (or generated music) in a loop.</summary>
    public static Playlist Of(IEnumerable<AudioClip> prompts, AudioClip? music) =>
        new(prompts.Select(p => (IAudioSource)new ClipSource(p)), music is null ? null : new ClipSource(music, loop: true));

    public AudioReadResult Read(Span<short> frame)
    {
        while (true)
        {
            if (_current is null)
            {
                if (_items.Count > 0) _current = _items.Dequeue();
                else if (_then is not null) _current = _then;
                else return AudioReadResult.End;
            }
            var result = _current.Read(frame);
            if (result != AudioReadResult.End) return result;
            if (ReferenceEquals(_current, _then)) return AudioReadResult.End;
            _current = null;
        }
    }
}

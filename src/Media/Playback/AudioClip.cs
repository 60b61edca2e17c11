namespace Acd.Media.Playback;

/// <summary>A loaded prompt or piece of music: 8 kHz 16-bit mono samples, immutable, shared by every player.</summary>
public sealed class AudioClip
{
    public const int SampleRate = 8000;

    public AudioClip(string name, short[] samples)
    {
        Name = name;
        Samples = samples;
    }

    public string Name { get; }
    public ReadOnlyMemory<short> Samples { get; }
    public TimeSpan Duration => TimeSpan.FromSeconds(Samples.Length / (double)SampleRate);
}

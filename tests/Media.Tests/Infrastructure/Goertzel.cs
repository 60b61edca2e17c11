namespace Acd.Media.Tests.Infrastructure;

/// <summary>
/// The Goertzel filter: the power of one frequency in a block of samples. "This tone is present" means its power
/// dwarfs the power at a neighbouring frequency and carries a real share of the block's energy.
/// </summary>
public static class Goertzel
{
    public static double Power(ReadOnlySpan<short> samples, double frequency, int sampleRate = 8000)
    {
        var k = 2 * Math.Cos(2 * Math.PI * frequency / sampleRate);
        double s1 = 0, s2 = 0;
        foreach (var x in samples)
        {
            var s0 = x + k * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        return s1 * s1 + s2 * s2 - k * s1 * s2;
    }

    /// <summary>Total energy scaled like <see cref="Power"/> for a pure tone filling the block (N^2 A^2 / 4 vs N A^2 / 2).</summary>
    private static double Energy(ReadOnlySpan<short> samples)
    {
        double e = 0;
        foreach (var x in samples) e += (double)x * x;
        return e * samples.Length / 2;
    }

    /// <summary>True when <paramref name="frequency"/> is at least 10x stronger than <paramref name="neighbour"/> and holds a quarter of the energy.</summary>
    public static bool Detects(ReadOnlySpan<short> samples, double frequency, double neighbour, int sampleRate = 8000)
    {
        if (samples.Length == 0) return false;
        var p = Power(samples, frequency, sampleRate);
        var q = Power(samples, neighbour, sampleRate);
        var energy = Energy(samples);
        return energy > 0 && p > 10 * q && p > 0.25 * energy;
    }

    public static short[] Tone(double frequency, int samples, double amplitude = 0.3, int sampleRate = 8000, double phase = 0)
    {
        var result = new short[samples];
        for (var i = 0; i < samples; i++) result[i] = (short)(Math.Sin(phase + 2 * Math.PI * frequency * i / sampleRate) * amplitude * short.MaxValue);
        return result;
    }

    public static double Rms(ReadOnlySpan<short> samples)
    {
        if (samples.Length == 0) return 0;
        double e = 0;
        foreach (var x in samples) e += (double)x * x;
        return Math.Sqrt(e / samples.Length);
    }
}

using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using Acd.Interop.Tests.Peers;

namespace Acd.Interop.Tests.Audio;

/// <summary>
/// Test tones made with sox (16-bit PCM mono WAV), WAV reading, and a Goertzel detector that says which tone a recording
/// carries: each side of a call sends its own frequency, so a recording proves which party's audio arrived.
/// </summary>
public static class Tones
{
    public const int Caller = 1000;

    public const int Agent = 440;

    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "acd-interop-tones");
    private static readonly Lock Gate = new();

    /// <summary>A sine WAV of <paramref name="hz"/> (made once per machine), <paramref name="seconds"/> long: long enough
    /// that aufile does not run out during a call (baresip ends the call when its file ends).</summary>
    public static string Wav(int hz, int sampleRate = 8000, int seconds = 120)
    {
        var path = Path.Combine(Folder, $"tone-{hz}hz-{sampleRate}-{seconds}s.wav");
        lock (Gate)
        {
            if (File.Exists(path))
            {
                return path;
            }

            Directory.CreateDirectory(Folder);
            var partial = path + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp.wav";
            var start = new ProcessStartInfo(PeerProcess.Find("sox", "sox"))
            {
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in new[]
                     {
                         "-n", "-r", sampleRate.ToString(CultureInfo.InvariantCulture), "-c", "1", "-b", "16", "-e", "signed-integer", partial,
                         "synth", seconds.ToString(CultureInfo.InvariantCulture), "sine", hz.ToString(CultureInfo.InvariantCulture), "vol", "0.5",
                     })
            {
                start.ArgumentList.Add(a);
            }

            using var sox = Process.Start(start)!;
            var errors = sox.StandardError.ReadToEnd();
            sox.WaitForExit();
            if (sox.ExitCode != 0)
            {
                throw new InvalidOperationException($"sox failed ({sox.ExitCode}): {errors}");
            }

            File.Move(partial, path, overwrite: true);
            return path;
        }
    }

    /// <summary>The samples of a 16-bit PCM WAV (first channel) and its sample rate; tolerant of a header whose sizes were never
    /// filled in (a recorder still writing, or killed).</summary>
    public static (float[] Samples, int SampleRate) ReadWav(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 12 || BinaryPrimitives.ReadUInt32BigEndian(bytes) != 0x52494646 /* RIFF */)
        {
            throw new InvalidDataException($"{path} is no WAV file ({bytes.Length} bytes).");
        }

        var offset = 12;
        var sampleRate = 8000;
        var channels = 1;
        var bits = 16;
        while (offset + 8 <= bytes.Length)
        {
            var id = System.Text.Encoding.ASCII.GetString(bytes, offset, 4);
            var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 4));
            var body = offset + 8;
            if (id == "fmt ")
            {
                channels = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(body + 2));
                sampleRate = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(body + 4));
                bits = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(body + 14));
            }
            else if (id == "data")
            {
                if (bits != 16)
                {
                    throw new InvalidDataException($"{path}: {bits}-bit samples, expected 16.");
                }

                var end = size <= 0 || body + size > bytes.Length ? bytes.Length : body + size;
                var frame = 2 * channels;
                var count = (end - body) / frame;
                var samples = new float[count];
                for (var i = 0; i < count; i++)
                {
                    samples[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(body + (i * frame))) / 32768f;
                }

                return (samples, sampleRate);
            }

            offset = body + size + (size & 1);
        }

        throw new InvalidDataException($"{path} has no data chunk.");
    }

    /// <summary>
    /// Goertzel power of <paramref name="hz"/> in one block, relative to the block's energy: about 1 for a pure tone of
    /// that frequency, about 0 for silence or another tone.
    /// </summary>
    public static double RelativePower(ReadOnlySpan<float> block, int sampleRate, double hz)
    {
        var coefficient = 2 * Math.Cos(2 * Math.PI * hz / sampleRate);
        double s1 = 0, s2 = 0, energy = 0;
        foreach (var x in block)
        {
            var s0 = x + (coefficient * s1) - s2;
            s2 = s1;
            s1 = s0;
            energy += x * x;
        }

        if (energy < 1e-9)
        {
            return 0;
        }

        var power = (s1 * s1) + (s2 * s2) - (coefficient * s1 * s2);
        return 2 * power / (block.Length * energy);
    }

    /// <summary>What a recording holds: per 100 ms block, whether it is audible and which of the two test tones dominates.</summary>
    public static ToneReport Analyse(float[] samples, int sampleRate)
    {
        var size = sampleRate / 10;
        int blocks = 0, audible = 0, caller = 0, agent = 0;
        for (var start = 0; start + size <= samples.Length; start += size)
        {
            blocks++;
            var block = samples.AsSpan(start, size);
            var rms = 0.0;
            foreach (var x in block)
            {
                rms += x * x;
            }

            if (Math.Sqrt(rms / size) < 0.01)
            {
                continue;
            }

            audible++;
            var c = RelativePower(block, sampleRate, Caller);
            var a = RelativePower(block, sampleRate, Agent);
            if (c > 0.5 && c > 10 * a)
            {
                caller++;
            }
            else if (a > 0.5 && a > 10 * c)
            {
                agent++;
            }
        }

        return new ToneReport(blocks, audible, caller, agent);
    }

    /// <summary>
    /// The recording as one character per 100 ms block: 'c' the caller's tone, 'a' the agent's, 'm' audible but neither
    /// (music, an announcement), '.' silence; so a test can check what came in which order.
    /// </summary>
    public static string Timeline(string wavPath)
    {
        var (samples, sampleRate) = ReadWav(wavPath);
        var size = sampleRate / 10;
        var timeline = new System.Text.StringBuilder();
        for (var start = 0; start + size <= samples.Length; start += size)
        {
            var block = samples.AsSpan(start, size);
            var rms = 0.0;
            foreach (var x in block)
            {
                rms += x * x;
            }

            if (Math.Sqrt(rms / size) < 0.01)
            {
                timeline.Append('.');
                continue;
            }

            var c = RelativePower(block, sampleRate, Caller);
            var a = RelativePower(block, sampleRate, Agent);
            timeline.Append(c > 0.5 && c > 10 * a ? 'c' : a > 0.5 && a > 10 * c ? 'a' : 'm');
        }

        return timeline.ToString();
    }

    public static ToneReport AnalyseWav(string path)
    {
        var (samples, rate) = ReadWav(path);
        return Analyse(samples, rate);
    }
}

/// <summary>Counts of 100 ms blocks: all, audible, dominated by the caller's tone, by the agent's tone.</summary>
public sealed record ToneReport(int Blocks, int Audible, int CallerTone, int AgentTone)
{
    public double Seconds => Blocks / 10.0;

    /// <summary>At least <paramref name="seconds"/> of the tone of <paramref name="hz"/>, and (nearly) none of the other.</summary>
    public bool Carries(int hz, double seconds)
    {
        var (mine, other) = hz == Tones.Caller ? (CallerTone, AgentTone) : (AgentTone, CallerTone);
        return mine >= seconds * 10 && other <= mine / 20;
    }

    public override string ToString() =>
        $"{Seconds:F1} s: {Audible / 10.0:F1} s audible, {CallerTone / 10.0:F1} s of {Tones.Caller} Hz (caller), {AgentTone / 10.0:F1} s of {Tones.Agent} Hz (agent)";
}

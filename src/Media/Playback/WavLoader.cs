using System.Buffers.Binary;
using System.Text;

namespace Acd.Media.Playback;

/// <summary>The outcome of loading a WAV file: a clip, or the reason it is not usable.</summary>
public sealed record WavLoadResult(AudioClip? Clip, string? Error)
{
    public bool Succeeded => Clip is not null;
}

/// <summary>
/// Reads RIFF/WAVE files of 16-bit PCM (format 1, or WAVE_FORMAT_EXTENSIBLE with the PCM sub-format), any rate and
/// channel count, into 8 kHz mono once at load: channels are averaged, other rates are low-pass filtered and
/// resampled. Anything else is refused with a message saying what the file is.
/// </summary>
public static class WavLoader
{
    private const ushort FormatPcm = 1;
    private const ushort FormatExtensible = 0xFFFE;

    public static WavLoadResult Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new WavLoadResult(null, $"cannot read '{path}': {ex.Message}");
        }
        return Load(Path.GetFileNameWithoutExtension(path), bytes);
    }

    public static WavLoadResult Load(string name, ReadOnlySpan<byte> file)
    {
        if (file.Length < 12 || !file[..4].SequenceEqual("RIFF"u8) || !file[8..12].SequenceEqual("WAVE"u8))
            return Fail(name, "not a RIFF/WAVE file");
        ushort format = 0, channels = 0, bits = 0;
        var rate = 0;
        var haveFormat = false;
        ReadOnlySpan<byte> data = default;
        var haveData = false;
        var offset = 12;
        while (offset + 8 <= file.Length)
        {
            var id = file.Slice(offset, 4);
            var size = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(file[(offset + 4)..]), int.MaxValue);
            var body = file[(offset + 8)..];
            if (size > body.Length) size = body.Length; // truncated files keep what they have
            body = body[..size];
            if (id.SequenceEqual("fmt "u8))
            {
                if (size < 16) return Fail(name, "fmt chunk too short");
                format = BinaryPrimitives.ReadUInt16LittleEndian(body);
                channels = BinaryPrimitives.ReadUInt16LittleEndian(body[2..]);
                rate = (int)BinaryPrimitives.ReadUInt32LittleEndian(body[4..]);
                bits = BinaryPrimitives.ReadUInt16LittleEndian(body[14..]);
                if (format == FormatExtensible && size >= 26) format = BinaryPrimitives.ReadUInt16LittleEndian(body[24..]);
                haveFormat = true;
            }
            else if (id.SequenceEqual("data"u8))
            {
                data = body;
                haveData = true;
            }
            offset += 8 + size + (size & 1);
        }
        if (!haveFormat) return Fail(name, "no fmt chunk");
        if (!haveData) return Fail(name, "no data chunk");
        if (format != FormatPcm) return Fail(name, $"format {format} is not PCM (only 16-bit PCM WAV is supported)");
        if (bits != 16) return Fail(name, $"{bits}-bit samples (only 16-bit PCM WAV is supported)");
        if (channels is 0 or > 8) return Fail(name, $"{channels} channels");
        if (rate is < 4000 or > 192000) return Fail(name, $"sample rate {rate} Hz");
        var frames = data.Length / (2 * channels);
        if (frames == 0) return Fail(name, "no samples");
        var mono = new float[frames];
        for (var i = 0; i < frames; i++)
        {
            var sum = 0;
            for (var c = 0; c < channels; c++) sum += BinaryPrimitives.ReadInt16LittleEndian(data[((i * channels + c) * 2)..]);
            mono[i] = sum / (float)channels;
        }
        var samples = rate == AudioClip.SampleRate ? ToShorts(mono) : Resample(mono, rate, AudioClip.SampleRate);
        return new WavLoadResult(new AudioClip(name, samples), null);
    }

    /// <summary>Writes 8 kHz 16-bit mono PCM as a WAV file (tests, generated prompts).</summary>
    public static byte[] Encode(ReadOnlySpan<short> samples, int sampleRate = AudioClip.SampleRate)
    {
        var bytes = new byte[44 + samples.Length * 2];
        var s = bytes.AsSpan();
        Encoding.ASCII.GetBytes("RIFF").CopyTo(s);
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], (uint)(36 + samples.Length * 2));
        Encoding.ASCII.GetBytes("WAVEfmt ").CopyTo(s[8..]);
        BinaryPrimitives.WriteUInt32LittleEndian(s[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(s[20..], FormatPcm);
        BinaryPrimitives.WriteUInt16LittleEndian(s[22..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(s[24..], (uint)sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(s[28..], (uint)(sampleRate * 2));
        BinaryPrimitives.WriteUInt16LittleEndian(s[32..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(s[34..], 16);
        Encoding.ASCII.GetBytes("data").CopyTo(s[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(s[40..], (uint)(samples.Length * 2));
        for (var i = 0; i < samples.Length; i++) BinaryPrimitives.WriteInt16LittleEndian(s[(44 + i * 2)..], samples[i]);
        return bytes;
    }

    private static WavLoadResult Fail(string name, string why) => new(null, $"'{name}': {why}");

    private static short[] ToShorts(float[] mono)
    {
        var result = new short[mono.Length];
        for (var i = 0; i < mono.Length; i++) result[i] = (short)Math.Clamp(MathF.Round(mono[i]), short.MinValue, short.MaxValue);
        return result;
    }

    /// <summary>
    /// Windowed-sinc interpolation: each output sample is a Hann-windowed sinc of the input around its position, with
    /// the cut-off at the lower of the two Nyquist rates, so downsampling music to 8 kHz does not alias.
    /// </summary>
    private static short[] Resample(float[] input, int fromRate, int toRate)
    {
        const int HalfWidth = 16;
        var ratio = (double)fromRate / toRate;
        var cutoff = Math.Min(1.0, 1.0 / ratio) * 0.95;
        var scale = ratio > 1 ? ratio : 1.0; // taps spread over input samples when decimating
        var outputLength = (int)(input.LongLength * toRate / fromRate);
        var output = new short[outputLength];
        var span = (int)Math.Ceiling(HalfWidth * scale);
        for (var n = 0; n < outputLength; n++)
        {
            var center = n * ratio;
            var first = (int)Math.Floor(center) - span + 1;
            double acc = 0, weight = 0;
            for (var k = first; k < first + 2 * span; k++)
            {
                if (k < 0 || k >= input.Length) continue;
                var x = (k - center) * cutoff;
                var sinc = Math.Abs(x) < 1e-9 ? 1.0 : Math.Sin(Math.PI * x) / (Math.PI * x);
                var w = 0.5 + 0.5 * Math.Cos(Math.PI * (k - center) / (span + 1));
                var tap = sinc * w;
                acc += input[k] * tap;
                weight += tap;
            }
            output[n] = (short)Math.Clamp(Math.Round(weight == 0 ? 0 : acc / weight), short.MinValue, short.MaxValue);
        }
        return output;
    }
}

using Acd.Media.Codecs;
using Acd.Media.Tests.Infrastructure;

namespace Acd.Media.Tests;

public sealed class G711Tests
{
    [Theory]
    [InlineData((short)0, (byte)0xFF)]
    [InlineData((short)-1, (byte)0x7F)]
    [InlineData((short)32767, (byte)0x80)]
    [InlineData((short)-32768, (byte)0x00)]
    [InlineData((short)1000, (byte)0xCE)]
    public void Mu_law_encodes_known_values(short sample, byte code) => Assert.Equal(code, G711.EncodeMuLaw(sample));

    [Theory]
    [InlineData((byte)0xFF, (short)0)]
    [InlineData((byte)0x7F, (short)0)]
    [InlineData((byte)0x80, (short)32124)]
    [InlineData((byte)0x00, (short)-32124)]
    [InlineData((byte)0xCE, (short)988)]
    public void Mu_law_decodes_known_values(byte code, short sample) => Assert.Equal(sample, G711.DecodeMuLaw(code));

    [Theory]
    [InlineData((short)0, (byte)0xD5)]
    [InlineData((short)-1, (byte)0x55)]
    [InlineData((short)32767, (byte)0xAA)]
    [InlineData((short)-32768, (byte)0x2A)]
    [InlineData((short)1000, (byte)0xFA)]
    public void A_law_encodes_known_values(short sample, byte code) => Assert.Equal(code, G711.EncodeALaw(sample));

    [Theory]
    [InlineData((byte)0xD5, (short)8)]
    [InlineData((byte)0x55, (short)-8)]
    [InlineData((byte)0xAA, (short)32256)]
    [InlineData((byte)0x2A, (short)-32256)]
    [InlineData((byte)0xFA, (short)1008)]
    public void A_law_decodes_known_values(byte code, short sample) => Assert.Equal(sample, G711.DecodeALaw(code));

    [Fact]
    public void Every_sample_survives_a_round_trip_within_the_quantisation_step()
    {
        for (int s = short.MinValue; s <= short.MaxValue; s += 7)
        {
            var sample = (short)s;
            var mu = G711.DecodeMuLaw(G711.EncodeMuLaw(sample));
            var a = G711.DecodeALaw(G711.EncodeALaw(sample));
            var tolerance = Math.Max(16, Math.Abs((int)sample) / 16 + 8);
            Assert.InRange(mu - sample, -tolerance - 128, tolerance + 128); // mu-law clips at 32635
            Assert.InRange(a - sample, -tolerance, tolerance);
        }
    }

    [Fact]
    public void Transcoding_keeps_the_value_within_one_step_of_the_target_law()
    {
        for (var code = 0; code < 256; code++)
        {
            var value = G711.DecodeMuLaw((byte)code);
            var viaA = G711.DecodeALaw(G711.MuLawToALaw((byte)code));
            Assert.Equal(G711.EncodeALaw(value), G711.MuLawToALaw((byte)code));
            Assert.InRange(viaA - value, -Math.Max(16, Math.Abs((int)value) / 16 + 8), Math.Max(16, Math.Abs((int)value) / 16 + 8));
            var aValue = G711.DecodeALaw((byte)code);
            Assert.Equal(G711.EncodeMuLaw(aValue), G711.ALawToMuLaw((byte)code));
        }
        Span<byte> same = [1, 2, 3];
        G711.Transcode(AudioCodec.Pcmu, AudioCodec.Pcmu, same, same);
        Assert.Equal(new byte[] { 1, 2, 3 }, same.ToArray());
    }

    [Theory]
    [InlineData(AudioCodec.Pcmu, AudioCodec.Pcma)]
    [InlineData(AudioCodec.Pcma, AudioCodec.Pcmu)]
    [InlineData(AudioCodec.Pcmu, AudioCodec.Pcmu)]
    public void A_tone_survives_encoding_transcoding_and_decoding(AudioCodec from, AudioCodec to)
    {
        var tone = Goertzel.Tone(1000, 1600);
        var encoded = new byte[tone.Length];
        G711.Encode(from, tone, encoded);
        var transcoded = new byte[tone.Length];
        G711.Transcode(from, to, encoded, transcoded);
        var decoded = new short[tone.Length];
        G711.Decode(to, transcoded, decoded);
        Assert.True(Goertzel.Detects(decoded, 1000, 1200));
        Assert.False(Goertzel.Detects(decoded, 1200, 1000));
        Assert.False(Goertzel.Detects(decoded, 440, 1000));
    }

    [Fact]
    public void Goertzel_detector_tells_a_tone_from_its_neighbour_and_from_silence()
    {
        Assert.True(Goertzel.Detects(Goertzel.Tone(440, 1600), 440, 600));
        Assert.False(Goertzel.Detects(Goertzel.Tone(600, 1600), 440, 600));
        Assert.False(Goertzel.Detects(new short[1600], 440, 600));
        var noise = new short[1600];
        var random = new Random(1);
        for (var i = 0; i < noise.Length; i++) noise[i] = (short)random.Next(-8000, 8000);
        Assert.False(Goertzel.Detects(noise, 440, 600));
    }
}

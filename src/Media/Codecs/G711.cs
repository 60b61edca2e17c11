namespace Acd.Media.Codecs;

/// <summary>
/// G.711 mu-law and A-law (ITU-T G.711) as lookup tables built once: decoding is one load, encoding one load from a
/// 64 Ki table indexed by the 16-bit sample, A-law/mu-law transcoding one load. Nothing allocates per call.
/// </summary>
public static class G711
{
    private const int MuLawBias = 0x84;
    private const int MuLawClip = 32635;

    private static readonly short[] MuLawDecode = new short[256];
    private static readonly short[] ALawDecode = new short[256];
    private static readonly byte[] MuLawEncode = new byte[65536];
    private static readonly byte[] ALawEncode = new byte[65536];
    private static readonly byte[] ALawToMuLawTable = new byte[256];
    private static readonly byte[] MuLawToALawTable = new byte[256];

    /// <summary>The encoding of silence (linear 0).</summary>
    public const byte MuLawSilence = 0xFF;

    public const byte ALawSilence = 0xD5;

    static G711()
    {
        for (var i = 0; i < 256; i++)
        {
            MuLawDecode[i] = DecodeMuLawSlow((byte)i);
            ALawDecode[i] = DecodeALawSlow((byte)i);
        }
        for (var s = short.MinValue; ; s++)
        {
            MuLawEncode[(ushort)s] = EncodeMuLawSlow(s);
            ALawEncode[(ushort)s] = EncodeALawSlow(s);
            if (s == short.MaxValue) break;
        }
        for (var i = 0; i < 256; i++)
        {
            ALawToMuLawTable[i] = MuLawEncode[(ushort)ALawDecode[i]];
            MuLawToALawTable[i] = ALawEncode[(ushort)MuLawDecode[i]];
        }
    }

    public static short DecodeMuLaw(byte code) => MuLawDecode[code];

    public static short DecodeALaw(byte code) => ALawDecode[code];

    public static byte EncodeMuLaw(short sample) => MuLawEncode[(ushort)sample];

    public static byte EncodeALaw(short sample) => ALawEncode[(ushort)sample];

    public static byte ALawToMuLaw(byte code) => ALawToMuLawTable[code];

    public static byte MuLawToALaw(byte code) => MuLawToALawTable[code];

    public static void Decode(AudioCodec codec, ReadOnlySpan<byte> encoded, Span<short> pcm)
    {
        var table = codec == AudioCodec.Pcma ? ALawDecode : MuLawDecode;
        for (var i = 0; i < encoded.Length; i++) pcm[i] = table[encoded[i]];
    }

    public static void Encode(AudioCodec codec, ReadOnlySpan<short> pcm, Span<byte> encoded)
    {
        var table = codec == AudioCodec.Pcma ? ALawEncode : MuLawEncode;
        for (var i = 0; i < pcm.Length; i++) encoded[i] = table[(ushort)pcm[i]];
    }

    /// <summary>Transcodes between the two laws (or copies when they are the same); source and destination may be the same span.</summary>
    public static void Transcode(AudioCodec from, AudioCodec to, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (from == to)
        {
            source.CopyTo(destination);
            return;
        }
        var table = from == AudioCodec.Pcma ? ALawToMuLawTable : MuLawToALawTable;
        for (var i = 0; i < source.Length; i++) destination[i] = table[source[i]];
    }

    public static byte Silence(AudioCodec codec) => codec == AudioCodec.Pcma ? ALawSilence : MuLawSilence;

    private static byte EncodeMuLawSlow(short pcm)
    {
        int sample = pcm;
        var sign = (sample >> 8) & 0x80;
        if (sign != 0) sample = -sample;
        if (sample > MuLawClip) sample = MuLawClip;
        sample += MuLawBias;
        var exponent = 7;
        for (var mask = 0x4000; (sample & mask) == 0 && exponent > 0; mask >>= 1) exponent--;
        var mantissa = (sample >> (exponent + 3)) & 0x0F;
        return (byte)~(sign | (exponent << 4) | mantissa);
    }

    private static short DecodeMuLawSlow(byte code)
    {
        var u = ~code & 0xFF;
        var sign = u & 0x80;
        var exponent = (u >> 4) & 0x07;
        var mantissa = u & 0x0F;
        var sample = (((mantissa << 3) + MuLawBias) << exponent) - MuLawBias;
        return (short)(sign != 0 ? -sample : sample);
    }

    private static byte EncodeALawSlow(short pcm)
    {
        int sample = pcm;
        var positive = sample >= 0;
        var magnitude = positive ? sample : -sample;
        if (magnitude > 32767) magnitude = 32767;
        int code;
        if (magnitude < 256)
        {
            code = magnitude >> 4;
        }
        else
        {
            var segment = 1;
            for (var m = magnitude >> 9; m != 0; m >>= 1) segment++;
            code = (segment << 4) | ((magnitude >> (segment + 3)) & 0x0F);
        }
        if (positive) code |= 0x80;
        // Even bits are inverted on the wire (G.711 table 1), so long runs of zeros do not appear.
        return (byte)(code ^ 0x55);
    }

    private static short DecodeALawSlow(byte code)
    {
        var a = code ^ 0x55;
        var segment = (a >> 4) & 0x07;
        var mantissa = a & 0x0F;
        var magnitude = segment == 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (segment - 1);
        return (short)((a & 0x80) != 0 ? magnitude : -magnitude);
    }
}

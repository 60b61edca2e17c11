using System.Security.Cryptography;

namespace Acd.Media.Srtp;

/// <summary>
/// AES in counter mode (RFC 3711 4.1.1) built on one reusable ECB transform: the counter blocks of a whole packet
/// are encrypted in one call and XORed into the data. Owns scratch buffers, so one instance serves one thread.
/// </summary>
internal sealed class AesCounterMode : IDisposable
{
    private const int BlockSize = 16;
    private const int MaxBlocks = 128; // 2 KiB: more than any UDP datagram the engine accepts
    private readonly Aes _aes;
    private readonly ICryptoTransform _ecb;
    private readonly byte[] _counters = new byte[MaxBlocks * BlockSize];
    private readonly byte[] _keystream = new byte[MaxBlocks * BlockSize];

    public AesCounterMode(ReadOnlySpan<byte> key)
    {
        _aes = Aes.Create();
        _aes.Key = key.ToArray();
        _aes.Mode = CipherMode.ECB;
        _aes.Padding = PaddingMode.None;
        _ecb = _aes.CreateEncryptor();
    }

    public const int MaxLength = MaxBlocks * BlockSize;

    /// <summary>XORs the keystream for <paramref name="iv"/> (bytes 14-15 are the block counter, starting at 0) into data.</summary>
    public void Apply(ReadOnlySpan<byte> iv, Span<byte> data)
    {
        if (data.Length == 0) return;
        var blocks = (data.Length + BlockSize - 1) / BlockSize;
        if (blocks > MaxBlocks) throw new ArgumentException("data too long for one SRTP packet", nameof(data));
        var ivHigh = iv[..14];
        var counterStart = (iv[14] << 8) | iv[15];
        for (var i = 0; i < blocks; i++)
        {
            var block = _counters.AsSpan(i * BlockSize, BlockSize);
            ivHigh.CopyTo(block);
            var c = (counterStart + i) & 0xFFFF;
            block[14] = (byte)(c >> 8);
            block[15] = (byte)c;
        }
        var bytes = blocks * BlockSize;
        _ecb.TransformBlock(_counters, 0, bytes, _keystream, 0);
        var ks = _keystream.AsSpan(0, data.Length);
        for (var i = 0; i < data.Length; i++) data[i] ^= ks[i];
    }

    public void Dispose()
    {
        _ecb.Dispose();
        _aes.Dispose();
    }
}

using System.Buffers.Binary;
using System.Security.Cryptography;
using Acd.Media.Rtp;

namespace Acd.Media.Srtp;

/// <summary>
/// One direction of SRTP and SRTCP (RFC 3711) under one master key: an outbound context protects what the engine
/// sends, an inbound one unprotects what it receives. Keeps the roll-over counter and replay list per SSRC (a few
/// sources at once) and the SRTCP index. Not thread-safe: the owner serialises calls (receive loop or send lock).
/// </summary>
public sealed class SrtpContext : IDisposable
{
    private const int MaxStreams = 4;
    private const uint SrtcpEncryptedFlag = 0x80000000;

    private readonly SrtpProfile _profile;
    private readonly int _rtpTagLength;
    private readonly AesCounterMode _rtpCipher;
    private readonly AesCounterMode _rtcpCipher;
    private readonly IncrementalHash _rtpMac;
    private readonly IncrementalHash _rtcpMac;
    private readonly byte[] _rtpSalt;
    private readonly byte[] _rtcpSalt;
    private readonly StreamState[] _streams = new StreamState[MaxStreams];
    private int _streamCount;
    private uint _srtcpIndex;
    private ReplayWindow _srtcpReplay;
    private readonly byte[] _mac = new byte[20];

    private struct StreamState
    {
        public uint Ssrc;
        public uint Roc;
        public ushort HighestSeq;
        public bool Initialised;
        public ReplayWindow Replay;
        public long LastUse;
    }

    public SrtpContext(SrtpProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt)
    {
        _profile = profile;
        _rtpTagLength = profile.RtpTagLength();
        var keys = SrtpKeyDerivation.Derive(masterKey, masterSalt);
        _rtpCipher = new AesCounterMode(keys.RtpEncryption);
        _rtcpCipher = new AesCounterMode(keys.RtcpEncryption);
        _rtpMac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, keys.RtpAuthentication);
        _rtcpMac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, keys.RtcpAuthentication);
        _rtpSalt = keys.RtpSalt;
        _rtcpSalt = keys.RtcpSalt;
    }

    public SrtpProfile Profile => _profile;

    /// <summary>Bytes added to an RTP packet by <see cref="ProtectRtp"/>.</summary>
    public int RtpOverhead => _rtpTagLength;

    /// <summary>Bytes added to an RTCP packet by <see cref="ProtectRtcp"/> (E flag and index, then the tag).</summary>
    public static int RtcpOverhead => 4 + SrtpProfiles.RtcpTagLength;

    /// <summary>The roll-over counter of a source, for tests and diagnostics.</summary>
    public uint? RolloverCounter(uint ssrc)
    {
        for (var i = 0; i < _streamCount; i++) if (_streams[i].Ssrc == ssrc) return _streams[i].Roc;
        return null;
    }

    /// <summary>Encrypts and tags the RTP packet in buffer[..length] in place; buffer needs <see cref="RtpOverhead"/> spare bytes.</summary>
    public SrtpResult ProtectRtp(Span<byte> buffer, int length, out int protectedLength)
    {
        protectedLength = 0;
        if (buffer.Length < length + _rtpTagLength) return SrtpResult.BufferTooSmall;
        var packet = buffer[..length];
        if (RtpHeader.TryParse(packet, out var header, checkPadding: false) != RtpParseResult.Ok) return SrtpResult.BadHeader;
        ref var stream = ref Stream(header.Ssrc);
        var seq = header.SequenceNumber;
        if (!stream.Initialised)
        {
            stream.Initialised = true;
            stream.HighestSeq = seq;
        }
        else if (seq < stream.HighestSeq && stream.HighestSeq - seq > 0x8000)
        {
            stream.Roc++; // the sender's own sequence wrapped
            stream.HighestSeq = seq;
        }
        else if (seq > stream.HighestSeq && seq - stream.HighestSeq < 0x8000)
        {
            stream.HighestSeq = seq;
        }
        var roc = stream.Roc;
        if (seq > stream.HighestSeq && seq - stream.HighestSeq > 0x8000) roc--; // a late packet from before the wrap
        var index = ((ulong)roc << 16) | seq;
        Span<byte> iv = stackalloc byte[16];
        BuildIv(iv, _rtpSalt, header.Ssrc, index);
        // Encrypt what follows the header (RFC 3711 3.1: CSRCs and extension stay in clear; padding is payload here).
        _rtpCipher.Apply(iv, packet[header.PayloadOffset..]);
        WriteRtpTag(packet, roc, buffer.Slice(length, _rtpTagLength));
        protectedLength = length + _rtpTagLength;
        return SrtpResult.Ok;
    }

    /// <summary>Checks the tag, replay and decrypts the SRTP packet in buffer[..length] in place.</summary>
    public SrtpResult UnprotectRtp(Span<byte> buffer, int length, out int plainLength)
    {
        plainLength = 0;
        if (length < RtpHeader.FixedSize + _rtpTagLength) return SrtpResult.TooShort;
        var packet = buffer[..(length - _rtpTagLength)];
        var tag = buffer.Slice(length - _rtpTagLength, _rtpTagLength);
        if (RtpHeader.TryParse(packet, out var header, checkPadding: false) != RtpParseResult.Ok) return SrtpResult.BadHeader;
        ref var stream = ref Stream(header.Ssrc);
        var seq = header.SequenceNumber;
        uint v;
        if (!stream.Initialised)
        {
            v = stream.Roc;
        }
        else
        {
            // RFC 3711 3.3.1: guess the roll-over counter that puts this index nearest the highest one seen.
            var sl = stream.HighestSeq;
            if (sl < 0x8000) v = seq - sl > 0x8000 ? stream.Roc - 1 : stream.Roc;
            else v = sl - 0x8000 > seq ? stream.Roc + 1 : stream.Roc;
        }
        var index = ((ulong)v << 16) | seq;
        var replay = stream.Replay.Check(index);
        if (stream.Initialised && replay != SrtpResult.Ok) return replay;
        Span<byte> expected = stackalloc byte[20];
        WriteRtpTag(packet, v, expected[.._rtpTagLength]);
        if (!CryptographicOperations.FixedTimeEquals(expected[.._rtpTagLength], tag)) return SrtpResult.AuthenticationFailed;
        // Authenticated: now the index may move the state.
        if (!stream.Initialised)
        {
            stream.Initialised = true;
            stream.HighestSeq = seq;
            stream.Roc = v;
        }
        else if (v == stream.Roc + 1)
        {
            stream.Roc = v;
            stream.HighestSeq = seq;
        }
        else if (v == stream.Roc && seq > stream.HighestSeq)
        {
            stream.HighestSeq = seq;
        }
        stream.Replay.Commit(index);
        Span<byte> iv = stackalloc byte[16];
        BuildIv(iv, _rtpSalt, header.Ssrc, index);
        _rtpCipher.Apply(iv, packet[header.PayloadOffset..]);
        plainLength = packet.Length;
        return SrtpResult.Ok;
    }

    /// <summary>Encrypts and tags the RTCP compound packet in buffer[..length] (SRTCP, RFC 3711 3.4).</summary>
    public SrtpResult ProtectRtcp(Span<byte> buffer, int length, out int protectedLength)
    {
        protectedLength = 0;
        if (length < 8) return SrtpResult.TooShort;
        if (buffer.Length < length + RtcpOverhead) return SrtpResult.BufferTooSmall;
        var ssrc = BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]);
        var index = _srtcpIndex;
        _srtcpIndex = (_srtcpIndex + 1) & 0x7FFFFFFF;
        Span<byte> iv = stackalloc byte[16];
        BuildIv(iv, _rtcpSalt, ssrc, index);
        _rtcpCipher.Apply(iv, buffer[8..length]);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[length..], SrtcpEncryptedFlag | index);
        var authenticated = buffer[..(length + 4)];
        _rtcpMac.AppendData(authenticated);
        _rtcpMac.TryGetHashAndReset(_mac, out _);
        _mac.AsSpan(0, SrtpProfiles.RtcpTagLength).CopyTo(buffer[(length + 4)..]);
        protectedLength = length + RtcpOverhead;
        return SrtpResult.Ok;
    }

    /// <summary>Checks, replay-checks and decrypts an SRTCP packet in place; plainLength excludes index and tag.</summary>
    public SrtpResult UnprotectRtcp(Span<byte> buffer, int length, out int plainLength)
    {
        plainLength = 0;
        if (length < 8 + RtcpOverhead) return SrtpResult.TooShort;
        var tagStart = length - SrtpProfiles.RtcpTagLength;
        var authenticated = buffer[..tagStart];
        _rtcpMac.AppendData(authenticated);
        _rtcpMac.TryGetHashAndReset(_mac, out _);
        if (!CryptographicOperations.FixedTimeEquals(_mac.AsSpan(0, SrtpProfiles.RtcpTagLength), buffer.Slice(tagStart, SrtpProfiles.RtcpTagLength)))
            return SrtpResult.AuthenticationFailed;
        var eAndIndex = BinaryPrimitives.ReadUInt32BigEndian(buffer[(tagStart - 4)..]);
        var index = eAndIndex & 0x7FFFFFFF;
        var replay = _srtcpReplay.Check(index);
        if (replay != SrtpResult.Ok) return replay;
        _srtcpReplay.Commit(index);
        var end = tagStart - 4;
        if ((eAndIndex & SrtcpEncryptedFlag) != 0)
        {
            Span<byte> iv = stackalloc byte[16];
            BuildIv(iv, _rtcpSalt, BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]), index);
            _rtcpCipher.Apply(iv, buffer[8..end]);
        }
        plainLength = end;
        return SrtpResult.Ok;
    }

    private void WriteRtpTag(ReadOnlySpan<byte> authenticatedPortion, uint roc, Span<byte> tag)
    {
        Span<byte> rocBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(rocBytes, roc);
        _rtpMac.AppendData(authenticatedPortion);
        _rtpMac.AppendData(rocBytes);
        _rtpMac.TryGetHashAndReset(_mac, out _);
        _mac.AsSpan(0, tag.Length).CopyTo(tag);
    }

    /// <summary>IV = (salt * 2^16) XOR (SSRC * 2^64) XOR (index * 2^16), RFC 3711 4.1.1.</summary>
    internal static void BuildIv(Span<byte> iv, ReadOnlySpan<byte> salt, uint ssrc, ulong index)
    {
        iv.Clear();
        salt.CopyTo(iv);
        iv[4] ^= (byte)(ssrc >> 24);
        iv[5] ^= (byte)(ssrc >> 16);
        iv[6] ^= (byte)(ssrc >> 8);
        iv[7] ^= (byte)ssrc;
        for (var i = 0; i < 6; i++) iv[8 + i] ^= (byte)(index >> (8 * (5 - i)));
    }

    private ref StreamState Stream(uint ssrc)
    {
        var oldest = 0;
        for (var i = 0; i < _streamCount; i++)
        {
            if (_streams[i].Ssrc == ssrc)
            {
                _streams[i].LastUse = Environment.TickCount64;
                return ref _streams[i];
            }
            if (_streams[i].LastUse < _streams[oldest].LastUse) oldest = i;
        }
        var slot = _streamCount < MaxStreams ? _streamCount++ : oldest;
        _streams[slot] = new StreamState { Ssrc = ssrc, LastUse = Environment.TickCount64 };
        return ref _streams[slot];
    }

    /// <summary>Tells the context the roll-over counter a receiver should start with (SDES phones joining mid-stream).</summary>
    public void SetRolloverCounter(uint ssrc, uint roc) => Stream(ssrc).Roc = roc;

    public void Dispose()
    {
        _rtpCipher.Dispose();
        _rtcpCipher.Dispose();
        _rtpMac.Dispose();
        _rtcpMac.Dispose();
    }
}

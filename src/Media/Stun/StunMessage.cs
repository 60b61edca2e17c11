using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Acd.Media.Stun;

public enum StunParseResult
{
    Ok,
    TooShort,
    NotStun,
    BadLength,
    BadAttribute,
}

/// <summary>STUN constants (RFC 8489, RFC 8445 section 16 for the ICE attributes).</summary>
public static class Stun
{
    public const uint MagicCookie = 0x2112A442;
    public const int HeaderSize = 20;
    public const ushort BindingRequest = 0x0001;
    public const ushort BindingSuccess = 0x0101;
    public const ushort BindingError = 0x0111;
    public const ushort BindingIndication = 0x0011;

    public const ushort MappedAddress = 0x0001;
    public const ushort Username = 0x0006;
    public const ushort MessageIntegrity = 0x0008;
    public const ushort ErrorCode = 0x0009;
    public const ushort XorMappedAddress = 0x0020;
    public const ushort Priority = 0x0024;
    public const ushort UseCandidate = 0x0025;
    public const ushort Software = 0x8022;
    public const ushort Fingerprint = 0x8028;
    public const ushort IceControlled = 0x8029;
    public const ushort IceControlling = 0x802A;

    public const uint FingerprintXor = 0x5354554E;
}

/// <summary>
/// A parsed STUN message over the caller's buffer: the header fields and where the attributes that ICE-lite cares
/// about sit. Parsing checks lengths only; integrity and fingerprint are checked on demand.
/// </summary>
public readonly ref struct StunMessage
{
    private readonly ReadOnlySpan<byte> _packet;

    private StunMessage(ReadOnlySpan<byte> packet, ushort type, int usernameOffset, int usernameLength, int integrityOffset,
        int fingerprintOffset, bool useCandidate, bool hasPriority, uint priority)
    {
        _packet = packet;
        Type = type;
        UsernameOffset = usernameOffset;
        UsernameLength = usernameLength;
        IntegrityOffset = integrityOffset;
        FingerprintOffset = fingerprintOffset;
        UseCandidate = useCandidate;
        HasPriority = hasPriority;
        Priority = priority;
    }

    public ushort Type { get; }
    public ReadOnlySpan<byte> TransactionId => _packet.Slice(8, 12);
    public ReadOnlySpan<byte> Packet => _packet;
    private int UsernameOffset { get; }
    private int UsernameLength { get; }

    /// <summary>Offset of the MESSAGE-INTEGRITY attribute header, or -1.</summary>
    public int IntegrityOffset { get; }

    /// <summary>Offset of the FINGERPRINT attribute header, or -1.</summary>
    public int FingerprintOffset { get; }

    public bool UseCandidate { get; }
    public bool HasPriority { get; }
    public uint Priority { get; }
    public ReadOnlySpan<byte> Username => UsernameOffset < 0 ? default : _packet.Slice(UsernameOffset, UsernameLength);

    public static StunParseResult TryParse(ReadOnlySpan<byte> packet, out StunMessage message)
    {
        message = default;
        if (packet.Length < Stun.HeaderSize) return StunParseResult.TooShort;
        if ((packet[0] & 0xC0) != 0 || BinaryPrimitives.ReadUInt32BigEndian(packet[4..]) != Stun.MagicCookie) return StunParseResult.NotStun;
        var length = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if ((length & 3) != 0 || Stun.HeaderSize + length > packet.Length) return StunParseResult.BadLength;
        packet = packet[..(Stun.HeaderSize + length)];
        var type = BinaryPrimitives.ReadUInt16BigEndian(packet);
        int usernameOffset = -1, usernameLength = 0, integrity = -1, fingerprint = -1;
        bool useCandidate = false, hasPriority = false;
        uint priority = 0;
        var offset = Stun.HeaderSize;
        while (offset < packet.Length)
        {
            if (offset + 4 > packet.Length) return StunParseResult.BadAttribute;
            var attrType = BinaryPrimitives.ReadUInt16BigEndian(packet[offset..]);
            var attrLength = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]);
            var valueOffset = offset + 4;
            if (valueOffset + attrLength > packet.Length) return StunParseResult.BadAttribute;
            // Only FINGERPRINT may follow MESSAGE-INTEGRITY (RFC 8489 14.5); anything else after it is ignored.
            if (integrity >= 0 && attrType != Stun.Fingerprint) { offset = valueOffset + ((attrLength + 3) & ~3); continue; }
            switch (attrType)
            {
                case Stun.Username:
                    usernameOffset = valueOffset;
                    usernameLength = attrLength;
                    break;
                case Stun.MessageIntegrity:
                    if (attrLength != 20) return StunParseResult.BadAttribute;
                    integrity = offset;
                    break;
                case Stun.Fingerprint:
                    if (attrLength != 4) return StunParseResult.BadAttribute;
                    fingerprint = offset;
                    break;
                case Stun.UseCandidate:
                    useCandidate = true;
                    break;
                case Stun.Priority:
                    if (attrLength != 4) return StunParseResult.BadAttribute;
                    hasPriority = true;
                    priority = BinaryPrimitives.ReadUInt32BigEndian(packet[valueOffset..]);
                    break;
            }
            offset = valueOffset + ((attrLength + 3) & ~3);
            if (fingerprint >= 0) break; // FINGERPRINT is last
        }
        message = new StunMessage(packet, type, usernameOffset, usernameLength, integrity, fingerprint, useCandidate, hasPriority, priority);
        return StunParseResult.Ok;
    }

    /// <summary>RFC 8489 14.5: HMAC-SHA1 over the message up to the attribute, with the length field pointing past it.</summary>
    public bool VerifyIntegrity(ReadOnlySpan<byte> key)
    {
        if (IntegrityOffset < 0) return false;
        Span<byte> expected = stackalloc byte[20];
        ComputeIntegrity(_packet[..IntegrityOffset], key, expected);
        return CryptographicOperations.FixedTimeEquals(expected, _packet.Slice(IntegrityOffset + 4, 20));
    }

    public bool VerifyFingerprint()
    {
        if (FingerprintOffset < 0) return false;
        var expected = ComputeFingerprint(_packet[..FingerprintOffset]);
        return expected == BinaryPrimitives.ReadUInt32BigEndian(_packet[(FingerprintOffset + 4)..]);
    }

    /// <summary>Finds an attribute's value (first occurrence), for tests and rarely used attributes.</summary>
    public bool TryGetAttribute(ushort attributeType, out ReadOnlySpan<byte> value)
    {
        var offset = Stun.HeaderSize;
        while (offset + 4 <= _packet.Length)
        {
            var t = BinaryPrimitives.ReadUInt16BigEndian(_packet[offset..]);
            var l = BinaryPrimitives.ReadUInt16BigEndian(_packet[(offset + 2)..]);
            if (offset + 4 + l > _packet.Length) break;
            if (t == attributeType)
            {
                value = _packet.Slice(offset + 4, l);
                return true;
            }
            offset += 4 + ((l + 3) & ~3);
        }
        value = default;
        return false;
    }

    /// <summary>Decodes XOR-MAPPED-ADDRESS (RFC 8489 14.2).</summary>
    public bool TryGetXorMappedAddress(out IPEndPoint? endPoint)
    {
        endPoint = null;
        if (!TryGetAttribute(Stun.XorMappedAddress, out var v) || v.Length < 8) return false;
        var port = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(v[2..]) ^ (Stun.MagicCookie >> 16));
        if (v[1] == 1)
        {
            var a = BinaryPrimitives.ReadUInt32BigEndian(v[4..]) ^ Stun.MagicCookie;
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(b, a);
            endPoint = new IPEndPoint(new IPAddress(b), port);
            return true;
        }
        if (v[1] == 2 && v.Length >= 20)
        {
            Span<byte> b = stackalloc byte[16];
            Span<byte> mask = stackalloc byte[16];
            BinaryPrimitives.WriteUInt32BigEndian(mask, Stun.MagicCookie);
            TransactionId.CopyTo(mask[4..]);
            for (var i = 0; i < 16; i++) b[i] = (byte)(v[4 + i] ^ mask[i]);
            endPoint = new IPEndPoint(new IPAddress(b), port);
            return true;
        }
        return false;
    }

    internal static void ComputeIntegrity(ReadOnlySpan<byte> upToAttribute, ReadOnlySpan<byte> key, Span<byte> mac)
    {
        // The header's length must cover the MESSAGE-INTEGRITY attribute itself (24 bytes) but nothing after it.
        Span<byte> header = stackalloc byte[Stun.HeaderSize];
        upToAttribute[..Stun.HeaderSize].CopyTo(header);
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)(upToAttribute.Length - Stun.HeaderSize + 24));
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, key);
        hmac.AppendData(header);
        hmac.AppendData(upToAttribute[Stun.HeaderSize..]);
        hmac.TryGetHashAndReset(mac, out _);
    }

    internal static uint ComputeFingerprint(ReadOnlySpan<byte> upToAttribute)
    {
        Span<byte> header = stackalloc byte[Stun.HeaderSize];
        upToAttribute[..Stun.HeaderSize].CopyTo(header);
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)(upToAttribute.Length - Stun.HeaderSize + 8));
        // CRC over the patched header then the rest: compute on a contiguous copy to keep Crc32 simple.
        Span<byte> all = upToAttribute.Length <= 1024 ? stackalloc byte[upToAttribute.Length] : new byte[upToAttribute.Length];
        upToAttribute.CopyTo(all);
        header.CopyTo(all);
        return Crc32.Compute(all) ^ Stun.FingerprintXor;
    }
}

/// <summary>Builds STUN messages into a caller's buffer, attribute by attribute, then integrity and fingerprint.</summary>
public ref struct StunWriter
{
    private readonly Span<byte> _buffer;
    private int _length;

    public StunWriter(Span<byte> buffer, ushort type, ReadOnlySpan<byte> transactionId)
    {
        _buffer = buffer;
        BinaryPrimitives.WriteUInt16BigEndian(buffer, type);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[4..], Stun.MagicCookie);
        transactionId[..12].CopyTo(buffer[8..]);
        _length = Stun.HeaderSize;
    }

    public readonly int Length => _length;

    public void AddAttribute(ushort type, scoped ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_length..], type);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[(_length + 2)..], (ushort)value.Length);
        value.CopyTo(_buffer[(_length + 4)..]);
        var padded = (value.Length + 3) & ~3;
        _buffer.Slice(_length + 4 + value.Length, padded - value.Length).Clear();
        _length += 4 + padded;
        SetLength();
    }

    public void AddXorMappedAddress(IPAddress address, int port)
    {
        Span<byte> v = stackalloc byte[20];
        v[0] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(v[2..], (ushort)(port ^ (int)(Stun.MagicCookie >> 16)));
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            v[1] = 1;
            Span<byte> a = stackalloc byte[4];
            address.TryWriteBytes(a, out _);
            BinaryPrimitives.WriteUInt32BigEndian(v[4..], BinaryPrimitives.ReadUInt32BigEndian(a) ^ Stun.MagicCookie);
            AddAttribute(Stun.XorMappedAddress, v[..8]);
        }
        else
        {
            v[1] = 2;
            Span<byte> a = stackalloc byte[16];
            address.TryWriteBytes(a, out _);
            Span<byte> mask = stackalloc byte[16];
            BinaryPrimitives.WriteUInt32BigEndian(mask, Stun.MagicCookie);
            _buffer.Slice(8, 12).CopyTo(mask[4..]);
            for (var i = 0; i < 16; i++) v[4 + i] = (byte)(a[i] ^ mask[i]);
            AddAttribute(Stun.XorMappedAddress, v);
        }
    }

    public void AddErrorCode(int code, scoped ReadOnlySpan<byte> reason)
    {
        Span<byte> v = stackalloc byte[4 + reason.Length];
        v[0] = 0;
        v[1] = 0;
        v[2] = (byte)(code / 100);
        v[3] = (byte)(code % 100);
        reason.CopyTo(v[4..]);
        AddAttribute(Stun.ErrorCode, v);
    }

    public void AddMessageIntegrity(scoped ReadOnlySpan<byte> key)
    {
        Span<byte> mac = stackalloc byte[20];
        StunMessage.ComputeIntegrity(_buffer[.._length], key, mac);
        AddAttribute(Stun.MessageIntegrity, mac);
    }

    public void AddFingerprint()
    {
        var crc = StunMessage.ComputeFingerprint(_buffer[.._length]);
        Span<byte> v = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(v, crc);
        AddAttribute(Stun.Fingerprint, v);
    }

    private readonly void SetLength() => BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], (ushort)(_length - Stun.HeaderSize));
}

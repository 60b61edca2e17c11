using System.Collections;
using System.Runtime.InteropServices;
using System.Text;

namespace Acd.Sip.Headers;

/// <summary>One header field line as received or to be sent (name canonical, value unfolded).</summary>
public readonly record struct SipHeader(string Name, string Value);

/// <summary>
/// The ordered header fields of a message. A parsed message keeps its values as slices of the
/// received bytes (one buffer the message owns) and turns a value into a string only when it is
/// read, caching it; values added or replaced later are plain strings. <see cref="Version"/>
/// changes on every mutation so typed caches know when to refresh.
/// </summary>
public sealed class SipHeaders : IEnumerable<SipHeader>
{
    // A parsed message's table lives at the end of its buffer (no second allocation) and is never
    // written: the first mutation, or a cached string, moves what changes into _side.
    private byte[]? _buffer;
    private Side? _side;
    private int _count;

    private sealed class Side
    {
        /// <summary>The entry table once it is no longer the parsed one (mutated, or built by code).</summary>
        public Entry[]? Table;

        /// <summary>Per entry: its string value (an added value, or a parsed one already read).</summary>
        public string?[] Values = [];

        /// <summary>Names that are not in <see cref="SipHeaderNames"/>: entry name id minus the known count.</summary>
        public List<string>? Names;
    }

    public SipHeaders() => _side = new Side { Table = new Entry[8], Values = new string?[8] };

    internal SipHeaders(int capacity) => _side = new Side { Table = new Entry[capacity], Values = new string?[capacity] };

    /// <summary>Headers parsed from <paramref name="buffer"/>: its last <paramref name="count"/> x 8 bytes are the entry table.</summary>
    internal SipHeaders(byte[] buffer, int count, string?[]? values, List<string>? names)
    {
        _buffer = buffer;
        _count = count;
        Version = count;
        if (values is not null || names is not null) _side = new Side { Values = values ?? [], Names = names };
    }

    public int Count => _count;

    public int Version { get; private set; }

    /// <summary>The received message the parsed values point into (start line at 0), or null for a built message.</summary>
    internal byte[]? Buffer => _buffer;

    public SipHeader this[int index] => (uint)index < (uint)_count ? new SipHeader(NameAt(index), ValueAt(index)) : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>First value of the named header (any spelling or compact form), or null.</summary>
    public string? this[string name] => Get(name);

    public string? Get(string name)
    {
        var i = IndexOf(name);
        return i < 0 ? null : ValueAt(i);
    }

    public IEnumerable<string> GetAll(string name)
    {
        var key = Key.For(name);
        for (var i = FindNext(key, 0); i >= 0; i = FindNext(key, i + 1)) yield return ValueAt(i);
    }

    public int CountOf(string name)
    {
        var key = Key.For(name);
        var n = 0;
        for (var i = FindNext(key, 0); i >= 0; i = FindNext(key, i + 1)) n++;
        return n;
    }

    public bool Contains(string name) => IndexOf(name) >= 0;

    public void Add(string name, string value) => Insert(_count, NameId(name), value);

    internal void AddCanonical(string name, string value) => Add(name, value);

    /// <summary>
    /// Appends entry <paramref name="index"/> of <paramref name="source"/>. A still-received value is shared as a slice
    /// of the source's buffer (a response built from a request copies Via, From, Call-ID and CSeq without strings),
    /// as long as this instance has no other buffer.
    /// </summary>
    internal void AddCopyOf(SipHeaders source, int index)
    {
        var e = source.Entries[index];
        if (e.Offset >= 0 && source.PeekString(index) is null && (_buffer is null || ReferenceEquals(_buffer, source._buffer)) && _side?.Table is not null)
        {
            _buffer = source._buffer;
            var name = e.Name < SipHeaderNames.KnownCount ? e.Name : NameId(source.NameAt(index));
            Insert(_count, name, null);
            _side.Table[_count - 1] = e with { Name = name };
            return;
        }
        Insert(_count, NameId(source.NameAt(index)), source.ValueAt(index));
    }

    /// <summary>Inserts before the first header of the same name, or at the top: how a proxy adds Via or Record-Route.</summary>
    public void AddFirst(string name, string value)
    {
        var i = IndexOf(name);
        Insert(i < 0 ? 0 : i, NameId(name), value);
    }

    /// <summary>Replaces every occurrence with a single value (kept at the position of the first one).</summary>
    public void Set(string name, string value)
    {
        var i = IndexOf(name);
        if (i < 0)
        {
            Add(name, value);
            return;
        }
        ReplaceAt(i, value);
        var key = Key.For(name);
        for (var j = _count - 1; j > i; j--)
        {
            if (Matches(j, key)) RemoveAtCore(j);
        }
    }

    public int Remove(string name)
    {
        var key = Key.For(name);
        var n = 0;
        for (var j = _count - 1; j >= 0; j--)
        {
            if (!Matches(j, key)) continue;
            RemoveAtCore(j);
            n++;
        }
        if (n > 0) Version++;
        return n;
    }

    /// <summary>Removes the first occurrence (e.g. the top Via when a response is forwarded upstream).</summary>
    public bool RemoveFirst(string name)
    {
        var i = IndexOf(name);
        if (i < 0) return false;
        RemoveAtCore(i);
        Version++;
        return true;
    }

    internal void ReplaceAt(int index, string value)
    {
        var side = OwnTable();
        side.Table![index].Offset = -1;
        side.Values[index] = value;
        Version++;
    }

    internal int IndexOf(string name) => FindNext(Key.For(name), 0);

    /// <summary>The next entry called <paramref name="name"/> at or after <paramref name="start"/>, or -1: GetAll without an iterator.</summary>
    internal int IndexOf(string name, int start) => FindNext(Key.For(name), start);

    private int FindNext(in Key key, int start)
    {
        var entries = Entries;
        for (var i = start; i < entries.Length; i++)
        {
            if (key.Id >= 0 ? entries[i].Name == key.Id : IsUnknownNamed(entries[i].Name, key.Name)) return i;
        }
        return -1;
    }

    public SipHeaders Clone()
    {
        var c = new SipHeaders(_buffer, _count, Version);
        if (_side is { } s)
        {
            c._side = new Side
            {
                Table = s.Table is null ? null : (Entry[])s.Table.Clone(),
                Values = (string?[])s.Values.Clone(),
                Names = s.Names is null ? null : [.. s.Names],
            };
        }
        return c;
    }

    private SipHeaders(byte[]? buffer, int count, int version)
    {
        _buffer = buffer;
        _count = count;
        Version = version;
    }

    /// <summary>Canonical name of entry <paramref name="index"/> (the interned constant for known names).</summary>
    internal string NameAt(int index)
    {
        var id = Entries[index].Name;
        return id < SipHeaderNames.KnownCount ? SipHeaderNames.NameOfId(id) : _side!.Names![id - SipHeaderNames.KnownCount];
    }

    /// <summary>Value of entry <paramref name="index"/>, made a string (and cached) on first read.</summary>
    internal string ValueAt(int index)
    {
        if (_side is { } s && index < s.Values.Length && s.Values[index] is { } cached) return cached;
        var e = Entries[index];
        // Parsed slices are ASCII (the parser kept any other value as a string), so Latin-1 is exact and fast.
        var value = e.Length == 0 ? string.Empty : Encoding.Latin1.GetString(_buffer!, e.Offset, e.Length);
        var side = _side ??= new Side();
        if (side.Values.Length < _count) Array.Resize(ref side.Values, side.Table?.Length ?? _count);
        side.Values[index] = value;
        return value;
    }

    /// <summary>The received bytes of entry <paramref name="index"/> when it is still a parsed slice (ASCII, trimmed, unfolded).</summary>
    internal bool TryGetRaw(int index, out ReadOnlySpan<byte> value)
    {
        var e = Entries[index];
        if (e.Offset < 0)
        {
            value = default;
            return false;
        }
        value = _buffer.AsSpan(e.Offset, e.Length);
        return true;
    }

    /// <summary>The string of entry <paramref name="index"/> if it has one already (added, or read before), without making one.</summary>
    internal string? PeekString(int index) => _side is { } s && index < s.Values.Length ? s.Values[index] : null;

    private ReadOnlySpan<Entry> Entries =>
        _side?.Table is { } t ? t.AsSpan(0, _count) : MemoryMarshal.Cast<byte, Entry>(_buffer.AsSpan(_buffer!.Length - _count * Entry.Size));

    private bool Matches(int index, in Key key) => key.Id >= 0 ? Entries[index].Name == key.Id : IsUnknownNamed(Entries[index].Name, key.Name);

    private bool IsUnknownNamed(int id, string name) =>
        id >= SipHeaderNames.KnownCount && string.Equals(_side!.Names![id - SipHeaderNames.KnownCount], name, StringComparison.OrdinalIgnoreCase);

    /// <summary>A name looked up: a known id, or (-1) an unknown name compared as text.</summary>
    private readonly record struct Key(int Id, string Name)
    {
        public static Key For(string name) => new(SipHeaderNames.IdOf(name), name);
    }

    private ushort NameId(string name)
    {
        var known = SipHeaderNames.IdOf(name);
        if (known >= 0) return (ushort)known;
        var side = _side ??= new Side();
        var names = side.Names ??= new List<string>(2);
        var i = names.IndexOf(name);
        if (i < 0)
        {
            i = names.Count;
            names.Add(name);
        }
        return checked((ushort)(SipHeaderNames.KnownCount + i));
    }

    /// <summary>Makes the entry table this instance's own (copied out of the parsed buffer) with room for one more.</summary>
    private Side OwnTable()
    {
        var side = _side ??= new Side();
        if (side.Table is null)
        {
            var table = new Entry[Math.Max(_count + 4, 8)];
            Entries.CopyTo(table);
            side.Table = table;
        }
        else if (side.Table.Length == _count)
        {
            Array.Resize(ref side.Table, _count * 2 + 4);
        }
        if (side.Values.Length < side.Table.Length) Array.Resize(ref side.Values, side.Table.Length);
        return side;
    }

    private void Insert(int index, ushort nameId, string? value)
    {
        var side = OwnTable();
        var table = side.Table!;
        Array.Copy(table, index, table, index + 1, _count - index);
        Array.Copy(side.Values, index, side.Values, index + 1, _count - index);
        table[index] = new Entry { Offset = -1, Name = nameId };
        side.Values[index] = value;
        _count++;
        Version++;
    }

    private void RemoveAtCore(int index)
    {
        var side = OwnTable();
        Array.Copy(side.Table!, index + 1, side.Table!, index, _count - index - 1);
        Array.Copy(side.Values, index + 1, side.Values, index, _count - index - 1);
        _count--;
        side.Values[_count] = null;
    }

    /// <summary>Allocation-free enumeration of the headers (values become strings as they are read).</summary>
    public Enumerator GetEnumerator() => new(this);

    IEnumerator<SipHeader> IEnumerable<SipHeader>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public struct Enumerator : IEnumerator<SipHeader>
    {
        private readonly SipHeaders _headers;
        private readonly int _version;
        private int _index;

        internal Enumerator(SipHeaders headers)
        {
            _headers = headers;
            _version = headers.Version;
            _index = -1;
        }

        public readonly SipHeader Current => _headers[_index];

        readonly object IEnumerator.Current => Current;

        public bool MoveNext()
        {
            // Like List<T>: changing the headers while enumerating them is a bug in the caller.
            if (_version != _headers.Version) throw new InvalidOperationException("The headers changed during enumeration.");
            return ++_index < _headers._count;
        }

        public void Reset() => _index = -1;

        public readonly void Dispose()
        {
        }
    }

    /// <summary>
    /// One header field: where its value lies in the buffer (Offset -1: its value is a string in the
    /// side table) and its name id (a <see cref="SipHeaderNames"/> id, or the known count plus an index
    /// into the message's own names).
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Entry
    {
        public const int Size = 8;
        public int Offset;
        public ushort Length;
        public ushort Name;
    }
}

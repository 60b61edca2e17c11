using System.Collections;

namespace Acd.Sip.Headers;

/// <summary>One header field line as received or to be sent (name canonical, value unfolded).</summary>
public readonly record struct SipHeader(string Name, string Value);

/// <summary>
/// The ordered header fields of a message. Values are kept as strings and parsed into typed
/// headers on demand; <see cref="Version"/> changes on every mutation so typed caches know when to refresh.
/// </summary>
public sealed class SipHeaders : IEnumerable<SipHeader>
{
    private readonly List<SipHeader> _items;

    public SipHeaders() => _items = new List<SipHeader>(16);

    internal SipHeaders(int capacity) => _items = new List<SipHeader>(capacity);

    public int Count => _items.Count;

    public int Version { get; private set; }

    public SipHeader this[int index] => _items[index];

    /// <summary>First value of the named header (any spelling or compact form), or null.</summary>
    public string? this[string name] => Get(name);

    public string? Get(string name)
    {
        name = SipHeaderNames.Canonicalize(name);
        foreach (var h in _items)
        {
            if (Is(h, name)) return h.Value;
        }
        return null;
    }

    public IEnumerable<string> GetAll(string name)
    {
        name = SipHeaderNames.Canonicalize(name);
        foreach (var h in _items)
        {
            if (Is(h, name)) yield return h.Value;
        }
    }

    public int CountOf(string name)
    {
        name = SipHeaderNames.Canonicalize(name);
        var n = 0;
        foreach (var h in _items)
        {
            if (Is(h, name)) n++;
        }
        return n;
    }

    public bool Contains(string name) => Get(name) is not null;

    public void Add(string name, string value)
    {
        _items.Add(new SipHeader(SipHeaderNames.Canonicalize(name), value));
        Version++;
    }

    internal void AddCanonical(string name, string value)
    {
        _items.Add(new SipHeader(name, value));
        Version++;
    }

    /// <summary>Inserts before the first header of the same name, or at the top: how a proxy adds Via or Record-Route.</summary>
    public void AddFirst(string name, string value)
    {
        name = SipHeaderNames.Canonicalize(name);
        var i = _items.FindIndex(h => Is(h, name));
        _items.Insert(i < 0 ? 0 : i, new SipHeader(name, value));
        Version++;
    }

    /// <summary>Replaces every occurrence with a single value (kept at the position of the first one).</summary>
    public void Set(string name, string value)
    {
        name = SipHeaderNames.Canonicalize(name);
        var i = _items.FindIndex(h => Is(h, name));
        if (i < 0)
        {
            _items.Add(new SipHeader(name, value));
        }
        else
        {
            _items[i] = new SipHeader(name, value);
            for (var j = _items.Count - 1; j > i; j--)
            {
                if (Is(_items[j], name)) _items.RemoveAt(j);
            }
        }
        Version++;
    }

    public int Remove(string name)
    {
        name = SipHeaderNames.Canonicalize(name);
        var n = _items.RemoveAll(h => Is(h, name));
        if (n > 0) Version++;
        return n;
    }

    /// <summary>Removes the first occurrence (e.g. the top Via when a response is forwarded upstream).</summary>
    public bool RemoveFirst(string name)
    {
        name = SipHeaderNames.Canonicalize(name);
        var i = _items.FindIndex(h => Is(h, name));
        if (i < 0) return false;
        _items.RemoveAt(i);
        Version++;
        return true;
    }

    internal void ReplaceAt(int index, string value)
    {
        _items[index] = _items[index] with { Value = value };
        Version++;
    }

    internal int IndexOf(string canonicalName) => _items.FindIndex(h => Is(h, canonicalName));

    public SipHeaders Clone()
    {
        var c = new SipHeaders(_items.Count);
        c._items.AddRange(_items);
        return c;
    }

    private static bool Is(SipHeader h, string canonical) =>
        ReferenceEquals(h.Name, canonical) || string.Equals(h.Name, canonical, StringComparison.OrdinalIgnoreCase);

    public IEnumerator<SipHeader> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

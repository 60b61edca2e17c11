using System.Collections;
using System.Text;

namespace Acd.Sip.Uris;

/// <summary>
/// Ordered name/value parameters (URI parameters, URI headers or header parameters). Names compare
/// case-insensitively; a null value means a flag parameter such as ";lr". Values are kept as written
/// (escaped, quoted) so serialization is faithful.
/// </summary>
public sealed class SipParameters : IEnumerable<KeyValuePair<string, string?>>
{
    // Most URIs and headers carry no parameters: the list is only allocated on first use.
    private List<KeyValuePair<string, string?>>? _list;

    public SipParameters()
    {
    }

    public SipParameters(IEnumerable<KeyValuePair<string, string?>> items)
    {
        if (items is SipParameters p)
        {
            if (p._list is { Count: > 0 }) _list = [.. p._list];
        }
        else
        {
            _list = [.. items];
        }
    }

    private List<KeyValuePair<string, string?>> _items => _list ??= new List<KeyValuePair<string, string?>>(2);

    public int Count => _list?.Count ?? 0;

    public bool Contains(string name) => IndexOf(name) >= 0;

    /// <summary>Value of the first parameter called <paramref name="name"/>; null if absent or a flag.</summary>
    public string? this[string name]
    {
        get
        {
            var i = IndexOf(name);
            return i < 0 ? null : _items[i].Value;
        }
    }

    public bool TryGet(string name, out string? value)
    {
        var i = IndexOf(name);
        value = i < 0 ? null : _items[i].Value;
        return i >= 0;
    }

    public void Set(string name, string? value)
    {
        var i = IndexOf(name);
        if (i < 0) _items.Add(new(name, value));
        else _items[i] = new(_items[i].Key, value);
    }

    public bool Remove(string name)
    {
        var i = IndexOf(name);
        if (i < 0) return false;
        _items.RemoveAt(i);
        return true;
    }

    internal void Add(string name, string? value) => _items.Add(new(name, value));

    /// <summary>A parsed parameter: the common names, spelled exactly so, share one string instance.</summary>
    internal void Add(ReadOnlySpan<char> name, string? value) => _items.Add(new(InternName(name), value));

    private static readonly string[] CommonNames = ["tag", "branch", "rport", "received", "transport", "lr", "maddr", "expires", "q", "user", "ob", "ttl", "method"];

    private static string InternName(ReadOnlySpan<char> name)
    {
        foreach (var known in CommonNames)
        {
            if (name.SequenceEqual(known)) return known;
        }
        return name.ToString();
    }

    public SipParameters Clone() => new(this);

    private int IndexOf(string name)
    {
        if (_list is null) return -1;
        for (var i = 0; i < _items.Count; i++)
        {
            if (string.Equals(_items[i].Key, name, StringComparison.OrdinalIgnoreCase)) return i;
        }
        return -1;
    }

    internal void AppendTo(StringBuilder sb, char first, char separator)
    {
        if (_list is null) return;
        for (var i = 0; i < _items.Count; i++)
        {
            sb.Append(i == 0 ? first : separator).Append(_items[i].Key);
            if (_items[i].Value is { } v) sb.Append('=').Append(v);
        }
    }

    public IEnumerator<KeyValuePair<string, string?>> GetEnumerator() =>
        _list is null ? Enumerable.Empty<KeyValuePair<string, string?>>().GetEnumerator() : _list.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

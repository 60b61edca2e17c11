using System.Text;

namespace Acd.MediaBench;

/// <summary>Just enough bencode for rtpengine's ng control protocol: dictionaries, lists, strings and integers.</summary>
internal static class Bencode
{
    public static byte[] Encode(object value)
    {
        var sb = new MemoryStream();
        Write(sb, value);
        return sb.ToArray();
    }

    private static void Write(MemoryStream s, object value)
    {
        switch (value)
        {
            case string str:
                var bytes = Encoding.UTF8.GetBytes(str);
                WriteAscii(s, $"{bytes.Length}:");
                s.Write(bytes);
                break;
            case int or long:
                WriteAscii(s, $"i{value}e");
                break;
            case IEnumerable<KeyValuePair<string, object>> dict:
                s.WriteByte((byte)'d');
                foreach (var (k, v) in dict.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    Write(s, k);
                    Write(s, v);
                }
                s.WriteByte((byte)'e');
                break;
            case IEnumerable<object> list:
                s.WriteByte((byte)'l');
                foreach (var item in list) Write(s, item);
                s.WriteByte((byte)'e');
                break;
            default:
                throw new ArgumentException($"cannot bencode {value.GetType()}");
        }
    }

    private static void WriteAscii(MemoryStream s, string text) => s.Write(Encoding.ASCII.GetBytes(text));

    public static object Decode(ReadOnlySpan<byte> data)
    {
        var offset = 0;
        return Read(data, ref offset);
    }

    private static object Read(ReadOnlySpan<byte> d, ref int i)
    {
        switch (d[i])
        {
            case (byte)'d':
                i++;
                var dict = new Dictionary<string, object>();
                while (d[i] != 'e')
                {
                    var key = (string)Read(d, ref i);
                    dict[key] = Read(d, ref i);
                }
                i++;
                return dict;
            case (byte)'l':
                i++;
                var list = new List<object>();
                while (d[i] != 'e') list.Add(Read(d, ref i));
                i++;
                return list;
            case (byte)'i':
                var end = d[i..].IndexOf((byte)'e') + i;
                var n = long.Parse(Encoding.ASCII.GetString(d[(i + 1)..end]));
                i = end + 1;
                return n;
            default:
                var colon = d[i..].IndexOf((byte)':') + i;
                var length = int.Parse(Encoding.ASCII.GetString(d[i..colon]));
                var text = Encoding.UTF8.GetString(d.Slice(colon + 1, length));
                i = colon + 1 + length;
                return text;
        }
    }
}

using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Acd.Frontend.Hosting;

/// <summary>What a JSON path of a request type points at, and how to say in words what it accepts.</summary>
public static class JsonShapes
{
    /// <summary>"$.requiredSkills.english" -> "requiredSkills.english"; "$" -> "".</summary>
    public static string FieldName(string path) =>
        path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    /// <summary>The .NET type at <paramref name="path"/> (as System.Text.Json reports it) inside <paramref name="root"/>, if it can tell.</summary>
    public static Type? Resolve(Type root, string path, JsonSerializerOptions options)
    {
        var type = root;
        foreach (var segment in Segments(path))
        {
            var info = options.GetTypeInfo(Unwrap(type));
            switch (info.Kind)
            {
                case JsonTypeInfoKind.Object:
                    var property = info.Properties.FirstOrDefault(p => string.Equals(p.Name, segment,
                        options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal));
                    if (property is null)
                    {
                        return null;
                    }

                    type = property.PropertyType;
                    break;
                case JsonTypeInfoKind.Enumerable or JsonTypeInfoKind.Dictionary when info.ElementType is { } element:
                    type = element;
                    break;
                default:
                    return null;
            }
        }

        return type;
    }

    /// <summary>"a whole number", "one of: longestIdle, roundRobin, fewestCalls", "an array of: a string", ...</summary>
    public static string Describe(Type type, JsonSerializerOptions options, int depth = 0)
    {
        var t = Unwrap(type);
        if (t.IsEnum)
        {
            // As FrontendExtensions.Configure writes them.
            return $"one of: {string.Join(", ", Enum.GetNames(t).Select(JsonNamingPolicy.CamelCase.ConvertName))}";
        }

        if (t == typeof(string))
        {
            return "a string";
        }

        if (t == typeof(bool))
        {
            return "true or false";
        }

        if (t == typeof(int) || t == typeof(long) || t == typeof(short) || t == typeof(byte) || t == typeof(uint) || t == typeof(ulong))
        {
            return "a whole number";
        }

        if (t == typeof(double) || t == typeof(float) || t == typeof(decimal))
        {
            return "a number";
        }

        if (t == typeof(DateTimeOffset) || t == typeof(DateTime))
        {
            return "a date and time in ISO 8601 form, e.g. 2026-01-05T09:00:00Z";
        }

        if (t == typeof(TimeSpan))
        {
            return "a duration such as 00:01:30";
        }

        if (t == typeof(Guid))
        {
            return "a GUID";
        }

        if (depth > 2)
        {
            return "a JSON value";
        }

        var info = options.GetTypeInfo(t);
        return info.Kind switch
        {
            JsonTypeInfoKind.Dictionary => $"a JSON object whose values are each {Describe(info.ElementType!, options, depth + 1)}",
            JsonTypeInfoKind.Enumerable => $"a JSON array whose items are each {Describe(info.ElementType!, options, depth + 1)}",
            JsonTypeInfoKind.Object when info.Properties.Count > 0 =>
                $"a JSON object with the fields {string.Join(", ", info.Properties.Select(p => p.Name))}",
            _ => "a JSON value",
        };
    }

    private static Type Unwrap(Type type) => Nullable.GetUnderlyingType(type) ?? type;

    private static IEnumerable<string> Segments(string path)
    {
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                yield return path[(i + 1)..end];
                i = end;
            }
            else if (path[i] == '[')
            {
                var close = path.IndexOf(']', i);
                if (close < 0)
                {
                    yield break;
                }

                // [0] (an index) or ['key'] (a property or dictionary key)
                yield return path[(i + 1)..close].Trim('\'');
                i = close + 1;
            }
            else
            {
                yield break;
            }
        }
    }
}

using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Acd.Frontend.Hosting;

/// <summary>
/// Enums as camelCase strings ("longestIdle"). Reading also takes other spellings of the same name ("LongestIdle",
/// "longest-idle", "longest_idle"); anything else, numbers included, fails with the accepted values.
/// </summary>
public sealed class JsonEnumConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(EnumConverter<>).MakeGenericType(typeToConvert))!;

    /// <summary>The names clients send and receive.</summary>
    public static IReadOnlyList<string> NamesOf(Type enumType) =>
        Enum.GetNames(enumType).Select(n => JsonNamingPolicy.CamelCase.ConvertName(n)).ToList();

    private static string Fold(string name) => name.Replace("-", string.Empty, StringComparison.Ordinal)
        .Replace("_", string.Empty, StringComparison.Ordinal).ToUpperInvariant();

    private sealed class EnumConverter<T> : JsonConverter<T> where T : struct, Enum
    {
        private static readonly FrozenDictionary<string, T> Values =
            Enum.GetValues<T>().ToFrozenDictionary(v => Fold(v.ToString()), v => v, StringComparer.Ordinal);

        private static readonly FrozenDictionary<T, string> Names =
            Enum.GetValues<T>().Distinct().ToFrozenDictionary(v => v, v => JsonNamingPolicy.CamelCase.ConvertName(v.ToString()));

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.String && reader.GetString() is { } text && Values.TryGetValue(Fold(text), out var value))
            {
                return value;
            }

            throw new JsonException($"Expected one of: {string.Join(", ", NamesOf(typeof(T)))}.");
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
        {
            if (Names.TryGetValue(value, out var name))
            {
                writer.WriteStringValue(name);
            }
            else
            {
                writer.WriteNumberValue(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        public override T ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Read(ref reader, typeToConvert, options);

        public override void WriteAsPropertyName(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WritePropertyName(Names.TryGetValue(value, out var name) ? name : value.ToString());
    }
}

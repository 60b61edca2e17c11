using System.Collections.Immutable;
using System.Text;

namespace Acd.Customers;

/// <summary>A customer of the built-in customer table.</summary>
[GenerateSerializer, Immutable, Alias("acd.Customer")]
public sealed record Customer(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] string Name,
    [property: Id(2)] ImmutableArray<string> PhoneNumbers,
    [property: Id(3)] string? Email,
    [property: Id(4)] string? Company,
    [property: Id(5)] string? Notes,
    [property: Id(6)] ImmutableDictionary<string, string> Attributes,
    [property: Id(7)] DateTimeOffset UpdatedAt);

[GenerateSerializer, Immutable, Alias("acd.CustomerPage")]
public sealed record CustomerPage(
    [property: Id(0)] ImmutableArray<Customer> Items,
    [property: Id(1)] int Total);

public static class PhoneNumbers
{
    /// <summary>The digits of a phone number (a leading "+" or "00" and any punctuation dropped), for matching.</summary>
    public static string Normalize(string? number)
    {
        if (string.IsNullOrWhiteSpace(number))
        {
            return string.Empty;
        }

        var text = number.Trim();
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            text = text[..at];
        }

        var digits = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                digits.Append(c);
            }
        }

        var result = digits.ToString();
        return result.StartsWith("00", StringComparison.Ordinal) ? result[2..] : result;
    }
}

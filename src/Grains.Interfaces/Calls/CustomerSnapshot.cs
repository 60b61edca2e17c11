using System.Collections.Immutable;

namespace Acd.Calls;

/// <summary>What the CRM (or the built-in customer table) knew about the caller when the call arrived.</summary>
[GenerateSerializer, Immutable, Alias("acd.CustomerSnapshot")]
public sealed record CustomerSnapshot(
    [property: Id(0)] string? CustomerId,
    [property: Id(1)] string? Name,
    [property: Id(2)] string? PhoneNumber,
    [property: Id(3)] string? Email,
    [property: Id(4)] string? Company,
    [property: Id(5)] string? Notes,
    [property: Id(6)] string Source,
    [property: Id(7)] ImmutableDictionary<string, string> Attributes)
{
    public static CustomerSnapshot Unknown(string? phoneNumber) =>
        new(null, null, phoneNumber, null, null, null, "none", ImmutableDictionary<string, string>.Empty);
}

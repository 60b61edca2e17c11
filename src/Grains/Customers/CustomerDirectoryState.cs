using Acd.Customers;

namespace Acd.Grains.Customers;

[GenerateSerializer, Alias("acd.CustomerDirectoryState")]
public sealed class CustomerDirectoryState
{
    [Id(0)] public Dictionary<string, Customer> Customers { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

namespace Acd.Grains.Catalog;

[GenerateSerializer, Alias("acd.CatalogState")]
public sealed class CatalogState
{
    [Id(0)] public SortedSet<string> Agents { get; set; } = new(StringComparer.Ordinal);

    [Id(1)] public SortedSet<string> Queues { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Dialled number -> queue id.</summary>
    [Id(2)] public Dictionary<string, string> Routes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Operator-defined Not Ready reasons; null until set, meaning the defaults apply.</summary>
    [Id(3)] public List<string>? ReasonCodes { get; set; }

    /// <summary>Agent extension -> agent id.</summary>
    [Id(4)] public Dictionary<string, string> Extensions { get; set; } = new(StringComparer.Ordinal);
}

namespace Acd.Grains.Accounts;

[GenerateSerializer, Alias("acd.UserDirectoryState")]
public sealed class UserDirectoryState
{
    [Id(0)] public SortedSet<string> Usernames { get; set; } = new(StringComparer.Ordinal);
}

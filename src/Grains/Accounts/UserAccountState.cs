using Acd.Accounts;

namespace Acd.Grains.Accounts;

[GenerateSerializer, Alias("acd.UserAccountState")]
public sealed class UserAccountState
{
    [Id(0)] public UserAccount? Account { get; set; }

    [Id(1)] public Dictionary<string, RefreshSession> Sessions { get; set; } = new(StringComparer.Ordinal);
}

using System.Collections.Immutable;
using Acd.Common;

namespace Acd.Parking;

/// <summary>
/// The numbered parking slots (singleton key <see cref="ParkingLotKeys.Default"/>): which call waits in which slot, so
/// any agent can retrieve it by number from the API or by dialling the slot on its phone.
/// </summary>
[Alias("acd.IParkingLotGrain")]
public interface IParkingLotGrain : IGrainWithStringKey
{
    /// <summary>Takes the lowest free slot for the call (the same slot if it is parked already); Busy when all are taken.</summary>
    [Alias("Park")]
    Task<Result<int>> ParkAsync(string callId);

    /// <summary>Frees the slot if the call still holds it.</summary>
    [Alias("Release")]
    Task ReleaseAsync(int slot, string callId);

    [Alias("Get"), AlwaysInterleave]
    Task<ParkedCall?> GetAsync(int slot);

    [Alias("List"), AlwaysInterleave]
    Task<ImmutableArray<ParkedCall>> ListAsync();
}

[GenerateSerializer, Immutable, Alias("acd.ParkedCall")]
public sealed record ParkedCall([property: Id(0)] int Slot, [property: Id(1)] string CallId, [property: Id(2)] DateTimeOffset ParkedAt);

public static class ParkingLotKeys
{
    public const string Default = "default";

    /// <summary>Slots 1..Capacity; two digits, so a slot is quick to dial.</summary>
    public const int Capacity = 99;
}

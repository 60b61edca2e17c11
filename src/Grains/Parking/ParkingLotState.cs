using Acd.Parking;

namespace Acd.Grains.Parking;

[GenerateSerializer, Alias("acd.ParkingLotState")]
public sealed class ParkingLotState
{
    [Id(0)] public SortedDictionary<int, ParkedCall> Slots { get; set; } = [];
}

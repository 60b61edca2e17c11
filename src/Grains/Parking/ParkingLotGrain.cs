using System.Collections.Immutable;
using Acd.Common;
using Acd.Grains.Hosting;
using Acd.Grains.Infrastructure;
using Acd.Parking;

namespace Acd.Grains.Parking;

/// <summary>Slot bookkeeping only: the parked call's grain owns the call (its hold, its timers); it never calls back here.</summary>
public sealed class ParkingLotGrain(
    [PersistentState("parking", AcdStorage.GrainState)] IPersistentState<ParkingLotState> state, TimeProvider time) : Grain, IParkingLotGrain
{
    private readonly SerialStateWriter<ParkingLotState> _writer = new(state);

    private ParkingLotState S => state.State;

    public async Task<Result<int>> ParkAsync(string callId)
    {
        if (S.Slots.Values.FirstOrDefault(p => p.CallId == callId) is { } already)
        {
            return Result<int>.Ok(already.Slot);
        }

        for (var slot = 1; slot <= ParkingLotKeys.Capacity; slot++)
        {
            if (!S.Slots.ContainsKey(slot))
            {
                S.Slots[slot] = new ParkedCall(slot, callId, time.GetUtcNow());
                await _writer.WriteAsync();
                return Result<int>.Ok(slot);
            }
        }

        return Result.Fail(AcdError.Busy, $"All {ParkingLotKeys.Capacity} parking slots are taken.");
    }

    public Task ReleaseAsync(int slot, string callId) =>
        S.Slots.TryGetValue(slot, out var parked) && parked.CallId == callId && S.Slots.Remove(slot) ? _writer.WriteAsync() : Task.CompletedTask;

    public Task<ParkedCall?> GetAsync(int slot) => Task.FromResult(S.Slots.GetValueOrDefault(slot));

    public Task<ImmutableArray<ParkedCall>> ListAsync() => Task.FromResult(S.Slots.Values.ToImmutableArray());
}

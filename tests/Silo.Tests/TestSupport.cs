using Acd.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;

namespace Acd.Silo.Tests;

[GenerateSerializer, Alias("acd.tests.CounterState")]
public sealed class CounterState
{
    [Id(0)] public string? Label { get; set; }

    [Id(1)] public int Count { get; set; }
}

/// <summary>A minimal grain with persistent state on the "acd" provider, to exercise whichever provider a host registers.</summary>
[Alias("acd.tests.ICounterGrain")]
public interface ICounterGrain : IGrainWithStringKey
{
    [Alias("Add")]
    Task<int> AddAsync(int amount, string label);

    [Alias("Get")]
    Task<CounterState> GetAsync();

    [Alias("Deactivate")]
    Task DeactivateAsync();
}

public sealed class CounterGrain([PersistentState("counter", AcdStorage.GrainState)] IPersistentState<CounterState> state) : Grain, ICounterGrain
{
    public async Task<int> AddAsync(int amount, string label)
    {
        state.State.Count += amount;
        state.State.Label = label;
        await state.WriteStateAsync();
        return state.State.Count;
    }

    public Task<CounterState> GetAsync() => Task.FromResult(new CounterState { Count = state.State.Count, Label = state.State.Label });

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

internal static class TestSerializers
{
    private static readonly Lazy<IGrainStorageSerializer> Orleans = new(() =>
    {
        var services = new ServiceCollection()
            .AddSerializer(b => b.AddAssembly(typeof(CounterState).Assembly))
            .BuildServiceProvider();
        return new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>());
    });

    public static IGrainStorageSerializer Default => Orleans.Value;
}

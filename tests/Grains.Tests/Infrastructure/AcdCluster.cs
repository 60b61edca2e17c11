using System.Collections.Concurrent;
using Acd.Calls;
using Acd.Events;
using Acd.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Reminders;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Acd.Grains.Tests.Infrastructure;

/// <summary>An in-process Orleans cluster whose grains read a fake clock and report into memory.</summary>
public sealed class AcdCluster : IAsyncLifetime
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));

    public RecordingReportingSink Reporting { get; } = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(AcdStorage.GrainState);
            // The product stores state with Orleans' binary serializer; so do the tests, so a re-activation reads it back.
            silo.Services.AddOptions<MemoryGrainStorageOptions>(AcdStorage.GrainState)
                .Configure<Serializer>((options, serializer) => options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton<TimeProvider>(Time);
            // Only grains (their clock and their timers) run on the fake clock. The silo's own loops (membership, directory,
            // messaging, reminders, activation collection) stay on real time: on the fake clock their jittered due times
            // fall between milliseconds, and Orleans' DelayUntilAsync then spins inline in the test's Advance (a delay under
            // 1 ms completes at once and the fake clock does not move).
            foreach (var area in (string[])[TimeProviderNames.SystemTimers, TimeProviderNames.Membership, TimeProviderNames.Messaging,
                         TimeProviderNames.ActivationManagement, TimeProviderNames.GrainDirectory, ReminderTimeProviderNames.Reminders])
            {
                silo.Services.AddKeyedSingleton(area, TimeProvider.System);
            }

            silo.Services.AddSingleton<IReportingSink>(Reporting);
            silo.Services.AddAcdGrainServices();
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}

public sealed class RecordingReportingSink : IReportingSink
{
    public ConcurrentQueue<AcdEvent> Events { get; } = new();

    public void Append(AcdEvent @event) => Events.Enqueue(@event);
}

/// <summary>A client-side observer that records what grains push.</summary>
public sealed class RecordingObserver : IAcdObserver
{
    public ConcurrentQueue<AcdEvent> Events { get; } = new();

    public Task OnEventAsync(AcdEvent @event)
    {
        Events.Enqueue(@event);
        return Task.CompletedTask;
    }
}

/// <summary>A SIP edge stand-in: records the commands a call grain sends to the edge carrying its legs.</summary>
public sealed class RecordingEdge : ICallEdgeObserver
{
    public ConcurrentQueue<ICallCommand> Commands { get; } = new();

    public IEnumerable<T> Of<T>() where T : ICallCommand => Commands.OfType<T>();

    /// <summary>Rings refused as if the runtime could not deliver them (a silo shutting down), before rings are taken.</summary>
    public int RingsToRefuse { get; set; }

    public ConcurrentQueue<RingAgent> RefusedRings { get; } = new();

    public Task RingAgentAsync(RingAgent command)
    {
        if (RingsToRefuse > 0)
        {
            RingsToRefuse--;
            RefusedRings.Enqueue(command);
            throw new InvalidOperationException("not delivered (test)");
        }

        return Record(command);
    }

    public Task CancelAgentAsync(CancelAgent command) => Record(command);

    public Task DropAgentAsync(DropAgent command) => Record(command);

    public Task HoldAsync(HoldCall command) => Record(command);

    public Task ResumeAsync(ResumeCall command) => Record(command);

    public Task SendDtmfAsync(SendDtmf command) => Record(command);

    /// <summary>Consultations are recorded as <see cref="Consultation"/> so tests tell them from offers.</summary>
    public Task ConsultAgentAsync(RingAgent command) => Record(new Consultation(command));

    public Task CompleteConsultationAsync(CompleteConsultation command) => Record(command);

    public Task PlaceOutboundAsync(PlaceOutbound command) => Record(command);

    public Task PlaceInternalAsync(PlaceInternal command) => Record(command);

    public Task TransferOutAsync(TransferOut command) => Record(command);

    public Task HangUpAsync(HangUpCall command) => Record(command);

    private Task Record(ICallCommand command)
    {
        Commands.Enqueue(command);
        return Task.CompletedTask;
    }

    public sealed record Consultation(RingAgent Ring) : ICallCommand
    {
        public string CallId => Ring.CallId;

        public CommandSequence Sequence => Ring.Sequence;
    }
}

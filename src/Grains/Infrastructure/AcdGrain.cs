using Acd.Events;
using Microsoft.Extensions.Logging;

namespace Acd.Grains.Infrastructure;

/// <summary>
/// What agent, call and queue grains share: persistent state written in order, the clock tests control,
/// event fan-out to observers and reporting, and one-shot timers at a point in time.
/// </summary>
public abstract class AcdGrain<TState> : Grain
{
    private readonly IPersistentState<TState> _state;
    private readonly TimeProvider _time;
    private readonly EventChannel _events;

    private protected AcdGrain(IPersistentState<TState> state, TimeProvider time, IReportingSink reporting, RoutingMetrics metrics, ILogger logger)
    {
        _state = state;
        _time = time;
        Writer = new SerialStateWriter<TState>(state);
        _events = new EventChannel(logger, reporting, metrics);
        Metrics = metrics;
    }

    private protected TState S => _state.State;

    private protected SerialStateWriter<TState> Writer { get; }

    private protected DateTimeOffset Now => _time.GetUtcNow();

    private protected TimeProvider Time => _time;

    private protected RoutingMetrics Metrics { get; }

    public Task SubscribeAsync(IAcdObserver observer)
    {
        _events.Subscribe(observer);
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(IAcdObserver observer)
    {
        _events.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    private protected void Publish(AcdEvent @event) => _events.Publish(@event);

    /// <summary>Starts (or restarts) a one-shot timer firing at <paramref name="at"/>, or at once if that has passed.</summary>
    private protected void StartTimerAt(ref IGrainTimer? timer, Func<CancellationToken, Task> callback, DateTimeOffset at)
    {
        StopTimer(ref timer);
        var due = at - Now;
        timer = this.RegisterGrainTimer(async cancellationToken =>
        {
            // System timers may fire a little early; every callback relies on its deadline having passed.
            var early = at - Now;
            if (early > TimeSpan.Zero)
            {
                await Task.Delay(early, _time, cancellationToken);
            }

            await callback(cancellationToken);
        }, new GrainTimerCreationOptions
        {
            DueTime = due > TimeSpan.Zero ? due : TimeSpan.Zero,
            Period = Timeout.InfiniteTimeSpan,
        });
    }

    private protected static void StopTimer(ref IGrainTimer? timer)
    {
        timer?.Dispose();
        timer = null;
    }
}

namespace Acd.Events;

/// <summary>
/// Receives events from agent, call and queue grains. A frontend holds one observer per grain it cares
/// about and fans events out to its SignalR connections. Subscriptions expire; re-subscribe periodically.
/// </summary>
[Alias("acd.IAcdObserver")]
public interface IAcdObserver : IGrainObserver
{
    [Alias("OnEvent"), OneWay]
    Task OnEventAsync(AcdEvent @event);
}

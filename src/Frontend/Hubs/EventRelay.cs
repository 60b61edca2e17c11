using System.Threading.Channels;
using Acd.Agents;
using Acd.Calls;
using Acd.Catalog;
using Acd.Events;
using Acd.Frontend.Apis;
using Acd.Frontend.Observability;
using Acd.Queues;
using Microsoft.AspNetCore.SignalR;

namespace Acd.Frontend.Hubs;

public enum WatchKind
{
    Agent,
    Call,
    Queue,
}

public readonly record struct WatchKey(WatchKind Kind, string Id);

/// <summary>
/// The frontend's single Orleans observer. Keeps one subscription per grain that any connection needs (ref-counted),
/// renews them periodically, and fans events out to SignalR groups in order.
/// </summary>
public sealed partial class EventRelay : IAcdObserver, IAsyncDisposable
{
    public const string SupervisorsGroup = "supervisors";

    private readonly IGrainFactory _grains;
    private readonly IHubContext<AgentHub, IAcdClient> _agentHub;
    private readonly IHubContext<SupervisorHub, IAcdClient> _supervisorHub;
    private readonly TimeProvider _time;
    private readonly FrontendMetrics _metrics;
    private readonly ILogger<EventRelay> _logger;
    private readonly Lock _gate = new();
    private readonly Lock _referenceGate = new();
    private readonly Dictionary<WatchKey, Watch> _watches = [];
    private readonly Dictionary<string, string> _agentCalls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _callAgents = new(StringComparer.Ordinal);
    private readonly HashSet<WatchKey> _supervisorHeld = [];
    /// <summary>Calls agents left while they went on, with how many of the agents' references to release once they end.</summary>
    private readonly Dictionary<string, int> _callsToRelease = new(StringComparer.Ordinal);
    private static readonly TimeSpan QueuePushInterval = TimeSpan.FromMilliseconds(250);
    private readonly Dictionary<string, QueueView> _queuePending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _queuePushed = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _supervisorSync = new(1, 1);
    private readonly Channel<AcdEvent> _events = Channel.CreateUnbounded<AcdEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _pump;
    private IAcdObserver? _reference;
    private int _supervisorScopes;

    public EventRelay(IGrainFactory grains, IHubContext<AgentHub, IAcdClient> agentHub, IHubContext<SupervisorHub, IAcdClient> supervisorHub,
        TimeProvider time, FrontendMetrics metrics, ILogger<EventRelay> logger)
    {
        _grains = grains;
        _agentHub = agentHub;
        _supervisorHub = supervisorHub;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _pump = Task.Run(PumpAsync);
        metrics.ObserveSubscriptions(() => { lock (_gate) { return _watches.Count; } });
    }

    public static string AgentGroup(string agentId) => $"agent:{agentId}";

    public static string QueueGroup(string queueId) => $"queue:{queueId}";

    /// <summary>Supervisor-hub group of the scoped supervisors who see this agent (unscoped ones are in <see cref="SupervisorsGroup"/>).</summary>
    public static string ScopedAgentGroup(string agentId) => $"scoped-agent:{agentId}";

    /// <summary>Supervisor-hub group of the scoped supervisors who see this queue.</summary>
    public static string ScopedQueueGroup(string queueId) => $"scoped-queue:{queueId}";

    private IAcdClient Supervisors(CallView call)
    {
        var groups = new List<string>(3) { SupervisorsGroup };
        if (call.AgentId is { } agentId)
        {
            groups.Add(ScopedAgentGroup(agentId));
        }

        if (call.QueueId is { } queueId)
        {
            groups.Add(ScopedQueueGroup(queueId));
        }

        return _supervisorHub.Clients.Groups(groups);
    }

    public int SubscriptionCount
    {
        get
        {
            lock (_gate)
            {
                return _watches.Count;
            }
        }
    }

    Task IAcdObserver.OnEventAsync(AcdEvent @event)
    {
        _events.Writer.TryWrite(@event);
        return Task.CompletedTask;
    }

    /// <summary>Takes a reference on a grain's events; the first reference subscribes.</summary>
    public Task AcquireAsync(WatchKey key)
    {
        lock (_gate)
        {
            if (_watches.TryGetValue(key, out var watch))
            {
                watch.Count++;
                return watch.Subscribed;
            }

            watch = new Watch { Count = 1 };
            _watches[key] = watch;
            watch.Subscribed = SubscribeAsync(key);
            return watch.Subscribed;
        }
    }

    /// <summary>Drops a reference; the last one unsubscribes.</summary>
    public async Task ReleaseAsync(WatchKey key)
    {
        string? heldCall = null;
        lock (_gate)
        {
            if (!_watches.TryGetValue(key, out var watch) || --watch.Count > 0)
            {
                return;
            }

            _watches.Remove(key);
            if (key.Kind == WatchKind.Agent && _agentCalls.Remove(key.Id, out var callId))
            {
                heldCall = callId;
            }
        }

        try
        {
            await (key.Kind switch
            {
                WatchKind.Agent => _grains.GetGrain<IAgentGrain>(key.Id).UnsubscribeAsync(Reference),
                WatchKind.Call => _grains.GetGrain<ICallGrain>(key.Id).UnsubscribeAsync(Reference),
                _ => _grains.GetGrain<IQueueGrain>(key.Id).UnsubscribeAsync(Reference),
            });
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSubscriptionFailed(_logger, key.Kind, key.Id, ex.Message);
        }

        if (heldCall is not null)
        {
            await ReleaseAsync(new WatchKey(WatchKind.Call, heldCall));
        }
    }

    /// <summary>A supervisor connection wants every agent and queue.</summary>
    public async Task AcquireSupervisorScopeAsync()
    {
        Interlocked.Increment(ref _supervisorScopes);
        await SyncSupervisorScopeAsync();
    }

    public async Task ReleaseSupervisorScopeAsync()
    {
        if (Interlocked.Decrement(ref _supervisorScopes) == 0)
        {
            await SyncSupervisorScopeAsync();
        }
    }

    /// <summary>Agents or queues were added or removed.</summary>
    public Task CatalogChangedAsync() => Volatile.Read(ref _supervisorScopes) > 0 ? SyncSupervisorScopeAsync() : Task.CompletedTask;

    /// <summary>Renews every subscription; grain-side subscriptions expire, and a reactivated grain forgets them.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await SyncSupervisorScopeAsync();
        List<WatchKey> keys;
        lock (_gate)
        {
            keys = [.. _watches.Keys];
        }

        foreach (var key in keys)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await SubscribeAsync(key);
        }

        List<string> pending;
        lock (_gate)
        {
            pending = [.. _callsToRelease.Keys];
        }

        foreach (var callId in pending)
        {
            var call = await _grains.GetGrain<ICallGrain>(callId).GetAsync();
            int releases;
            lock (_gate)
            {
                releases = call.IsEnded && _callsToRelease.Remove(callId, out var held) ? held : 0;
            }

            for (var i = 0; i < releases; i++)
            {
                await ReleaseAsync(new WatchKey(WatchKind.Call, callId));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _events.Writer.TryComplete();
        await _stopping.CancelAsync();
        try
        {
            await _pump.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            // shutting down
        }

        _stopping.Dispose();
        _supervisorSync.Dispose();
        if (_reference is not null)
        {
            _grains.DeleteObjectReference<IAcdObserver>(_reference);
        }
    }

    private IAcdObserver Reference
    {
        get
        {
            lock (_referenceGate)
            {
                return _reference ??= _grains.CreateObjectReference<IAcdObserver>(this);
            }
        }
    }

    private async Task SubscribeAsync(WatchKey key)
    {
        try
        {
            await (key.Kind switch
            {
                WatchKind.Agent => _grains.GetGrain<IAgentGrain>(key.Id).SubscribeAsync(Reference),
                WatchKind.Call => _grains.GetGrain<ICallGrain>(key.Id).SubscribeAsync(Reference),
                _ => _grains.GetGrain<IQueueGrain>(key.Id).SubscribeAsync(Reference),
            });
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSubscriptionFailed(_logger, key.Kind, key.Id, ex.Message);
        }
    }

    private async Task SyncSupervisorScopeAsync()
    {
        await _supervisorSync.WaitAsync();
        try
        {
            HashSet<WatchKey> wanted = [];
            if (Volatile.Read(ref _supervisorScopes) > 0)
            {
                var catalog = _grains.GetGrain<ICatalogGrain>(CatalogKeys.Default);
                wanted.UnionWith((await catalog.ListAgentsAsync()).Select(id => new WatchKey(WatchKind.Agent, id)));
                wanted.UnionWith((await catalog.ListQueuesAsync()).Select(id => new WatchKey(WatchKind.Queue, id)));
            }

            foreach (var key in wanted.Where(k => !_supervisorHeld.Contains(k)).ToList())
            {
                _supervisorHeld.Add(key);
                await AcquireAsync(key);
            }

            foreach (var key in _supervisorHeld.Where(k => !wanted.Contains(k)).ToList())
            {
                _supervisorHeld.Remove(key);
                await ReleaseAsync(key);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSubscriptionFailed(_logger, WatchKind.Agent, "*", ex.Message);
        }
        finally
        {
            _supervisorSync.Release();
        }
    }

    private async Task PumpAsync()
    {
        var reader = _events.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_stopping.Token))
            {
                while (reader.TryRead(out var @event))
                {
                    try
                    {
                        await DispatchAsync(@event);
                        _metrics.EventRelayed(@event, _time.GetUtcNow());
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        LogDispatchFailed(_logger, @event.GetType().Name, ex);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private async Task DispatchAsync(AcdEvent @event)
    {
        switch (@event)
        {
            case AgentChanged changed:
                await OnAgentChangedAsync(changed.Agent);
                break;
            case CallChanged changed:
                await OnCallChangedAsync(changed.Call, changed.Previous);
                break;
            case QueueChanged changed:
                await OnQueueChangedAsync(QueueView.From(changed.Queue));
                break;
            case CallDigitReceived digit when digit.AgentId is { } agentId:
                await _agentHub.Clients.Group(AgentGroup(agentId))
                    .CallDigit(new CallDigitView(digit.CallId, digit.Digit.ToString(), digit.FromCustomer));
                break;
        }
    }

    /// <summary>
    /// A queue's state goes to every agent of the queue, so one change costs a send per connected agent, and a busy
    /// queue changes several times per call: pushed one by one, 200 changes/s to 1,000 agents kept this single pump
    /// busy for seconds and agents' own state waited behind it (bench/LoadBench). Pushes are coalesced per queue to
    /// at most one per <see cref="QueuePushInterval"/>; the latest state always follows within that interval.
    /// </summary>
    private Task OnQueueChangedAsync(QueueView queue)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_queuePending.ContainsKey(queue.Id))
            {
                _queuePending[queue.Id] = queue;
                return Task.CompletedTask;
            }

            if (_queuePushed.TryGetValue(queue.Id, out var last) && now - last < QueuePushInterval)
            {
                _queuePending[queue.Id] = queue;
                _ = PushQueueLaterAsync(queue.Id, last + QueuePushInterval - now);
                return Task.CompletedTask;
            }

            _queuePushed[queue.Id] = now;
        }

        return PushQueueAsync(queue);
    }

    private async Task PushQueueLaterAsync(string queueId, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _time, _stopping.Token);
            QueueView? queue;
            lock (_gate)
            {
                _queuePending.Remove(queueId, out queue);
                _queuePushed[queueId] = _time.GetUtcNow();
            }

            if (queue is not null)
            {
                await PushQueueAsync(queue);
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogDispatchFailed(_logger, nameof(QueueChanged), ex);
        }
    }

    private async Task PushQueueAsync(QueueView queue)
    {
        await _agentHub.Clients.Group(QueueGroup(queue.Id)).QueueState(queue);
        await _supervisorHub.Clients.Groups(SupervisorsGroup, ScopedQueueGroup(queue.Id)).QueueState(queue);
    }

    private async Task OnAgentChangedAsync(AgentSnapshot agent)
    {
        var view = AgentView.From(agent, _time.GetUtcNow());
        await _agentHub.Clients.Group(AgentGroup(agent.AgentId)).AgentState(view);
        await _supervisorHub.Clients.Groups(SupervisorsGroup, ScopedAgentGroup(agent.AgentId)).AgentState(view);

        string? previous;
        lock (_gate)
        {
            if (!_watches.ContainsKey(new WatchKey(WatchKind.Agent, agent.AgentId)))
            {
                return;
            }

            _agentCalls.TryGetValue(agent.AgentId, out previous);
            if (previous == agent.CallId)
            {
                return;
            }

            if (agent.CallId is null)
            {
                _agentCalls.Remove(agent.AgentId);
            }
            else
            {
                _agentCalls[agent.AgentId] = agent.CallId;
                _callAgents[agent.CallId] = agent.AgentId;
            }
        }

        if (agent.CallId is { } callId)
        {
            await AcquireAsync(new WatchKey(WatchKind.Call, callId));
            var call = CallView.Of(await _grains.GetGrain<ICallGrain>(callId).GetAsync());
            var client = _agentHub.Clients.Group(AgentGroup(agent.AgentId));
            // The caller of an internal call is reserved while its colleague's phone rings: that is no offer to it.
            await (agent.Status == AgentStatus.Reserved && call.Status is CallStatus.Offered or CallStatus.Queued or CallStatus.Arrived
                   && call.CallerAgentId != agent.AgentId
                ? client.CallOffered(call)
                : client.CallState(call));
            await Supervisors(call).CallState(call);
        }

        if (previous is not null)
        {
            // Keep watching the call until it ends or another agent has it, so its last change still reaches everyone.
            var last = await _grains.GetGrain<ICallGrain>(previous).GetAsync();
            if (last.IsEnded || (last.AgentId is not null && last.AgentId != agent.AgentId))
            {
                await PushCallAsync(last, agent.AgentId);
                await ReleaseAsync(new WatchKey(WatchKind.Call, previous));
            }
            else
            {
                lock (_gate)
                {
                    // Counted: both agents of an internal call may leave it before it ends, each holding a reference.
                    _callsToRelease[previous] = _callsToRelease.GetValueOrDefault(previous) + 1;
                }
            }
        }
    }

    private async Task PushCallAsync(CallSnapshot call, string agentId)
    {
        var view = CallView.Of(call);
        await _agentHub.Clients.Group(AgentGroup(agentId)).CallState(view);
        await Supervisors(view).CallState(view);
    }

    private async Task OnCallChangedAsync(CallSnapshot call, CallStatus previous)
    {
        var view = CallView.Of(call);
        string? lastAgent;
        lock (_gate)
        {
            _callAgents.TryGetValue(call.CallId, out lastAgent);
            if (call.IsEnded)
            {
                _callAgents.Remove(call.CallId);
            }
            else if (call.AgentId is not null)
            {
                _callAgents[call.CallId] = call.AgentId;
            }
        }

        if (call.AgentId is { } agentId)
        {
            var client = _agentHub.Clients.Group(AgentGroup(agentId));
            await (call.Status == CallStatus.Offered && previous != CallStatus.Offered ? client.CallOffered(view) : client.CallState(view));
        }

        if (lastAgent is not null && lastAgent != call.AgentId)
        {
            await _agentHub.Clients.Group(AgentGroup(lastAgent)).CallState(view);
        }

        if (call.CallerAgentId is { } caller && caller != call.AgentId && caller != lastAgent)
        {
            // An internal call has two agents: its caller follows it too (ringing, connected, ended).
            await _agentHub.Clients.Group(AgentGroup(caller)).CallState(view);
        }

        await Supervisors(view).CallState(view);

        int releases;
        lock (_gate)
        {
            releases = (call.IsEnded || (call.AgentId is not null && call.AgentId != lastAgent)) && _callsToRelease.Remove(call.CallId, out var held)
                ? held
                : 0;
        }

        for (var i = 0; i < releases; i++)
        {
            await ReleaseAsync(new WatchKey(WatchKind.Call, call.CallId));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not (un)subscribe to {Kind} '{Id}': {Reason}")]
    private static partial void LogSubscriptionFailed(ILogger logger, WatchKind kind, string id, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relaying a {Event} failed")]
    private static partial void LogDispatchFailed(ILogger logger, string @event, Exception exception);

    private sealed class Watch
    {
        public int Count { get; set; }

        public Task Subscribed { get; set; } = Task.CompletedTask;
    }
}

/// <summary>Renews the relay's subscriptions every <see cref="RelayOptions.RefreshSeconds"/>.</summary>
public sealed class SubscriptionRefresher(EventRelay relay, TimeProvider time, Microsoft.Extensions.Options.IOptions<RelayOptions> options)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, options.Value.RefreshSeconds)), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await relay.RefreshAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }
}

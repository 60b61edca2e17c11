using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Acd.Agents;
using Acd.Calls;
using Acd.Events;
using Acd.Queues;

namespace Acd.Grains.Infrastructure;

/// <summary>
/// The ACD's own metrics (meter "Acd.Routing"), read from the events grains publish anyway, so routing code carries no
/// metric calls. Counters count what this silo's grains did (Prometheus sums them over silos); the per-queue gauges
/// come from the queue's latest statistics, held by the silo where that queue is active and dropped when it moves;
/// agents per state are kept by activation (+1 on activation, moved on every transition, -1 on deactivation), so the
/// sum over silos is every active agent once.
/// </summary>
public sealed class RoutingMetrics : IDisposable
{
    public const string MeterName = "Acd.Routing";

    private static readonly AgentStatus[] Statuses = Enum.GetValues<AgentStatus>();

    private readonly Meter _meter;
    private readonly Counter<long> _queueOffered;
    private readonly Counter<long> _queueAnswered;
    private readonly Counter<long> _queueAbandoned;
    private readonly Counter<long> _agentOffers;
    private readonly Counter<long> _callsEnded;
    private readonly ConcurrentDictionary<string, QueueStats> _queues = new(StringComparer.Ordinal);
    private readonly long[] _agentsByStatus = new long[Statuses.Length];

    public RoutingMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _queueOffered = _meter.CreateCounter<long>("acd.queue.calls.offered", "{call}", "Calls that entered a queue (ACD 'offered').");
        _queueAnswered = _meter.CreateCounter<long>("acd.queue.calls.answered", "{call}", "Queue calls an agent answered.");
        _queueAbandoned = _meter.CreateCounter<long>("acd.queue.calls.abandoned", "{call}", "Queue calls the caller hung up before an answer.");
        _agentOffers = _meter.CreateCounter<long>("acd.queue.agent_offers", "{offer}", "Calls rung at an agent (a call rung at two agents in turn counts twice).");
        _callsEnded = _meter.CreateCounter<long>("acd.calls.ended", "{call}", "Calls ended, by disposition.");
        _meter.CreateObservableGauge("acd.queue.calls.waiting", () => QueueGauge(s => s.Waiting), "{call}", "Calls waiting in the queue now.");
        _meter.CreateObservableGauge("acd.queue.longest_wait", () => QueueGauge(s => s.LongestWait.TotalSeconds), "s",
            "How long the queue's oldest waiting call has waited.");
        _meter.CreateObservableGauge("acd.queue.service_level", ServiceLevels, "%",
            "Share of the queue's calls answered within its SLA over its statistics window.");
        _meter.CreateObservableGauge("acd.queue.agents.ready", () => QueueGauge(s => s.ReadyAgents), "{agent}", "The queue's members that are Ready.");
        _meter.CreateObservableUpDownCounter("acd.agents", AgentsByStatus, "{agent}", "Active agents by state.");
    }

    /// <summary>Called for every event a grain publishes (the grain's own turn; no locks beyond the dictionary).</summary>
    public void Observe(AcdEvent @event)
    {
        switch (@event)
        {
            case CallChanged change:
                ObserveCall(change);
                break;
            case QueueChanged queue:
                if (_queues.TryAdd(queue.Queue.QueueId, queue.Queue.Stats))
                {
                    ZeroCounters(queue.Queue.QueueId);
                }
                else
                {
                    _queues[queue.Queue.QueueId] = queue.Queue.Stats;
                }

                break;
            case AgentChanged { Transition: { } transition }:
                Interlocked.Decrement(ref _agentsByStatus[(int)transition.From]);
                Interlocked.Increment(ref _agentsByStatus[(int)transition.To]);
                break;
        }
    }

    public void AgentActivated(AgentStatus status) => Interlocked.Increment(ref _agentsByStatus[(int)status]);

    public void AgentDeactivated(AgentStatus status) => Interlocked.Decrement(ref _agentsByStatus[(int)status]);

    /// <summary>The queue left this silo: another one reports its gauges now.</summary>
    public void QueueDeactivated(string queueId) => _queues.TryRemove(queueId, out _);

    public void Dispose() => _meter.Dispose();

    /// <summary>A queue's counters exist from its first change on, so rates and alerts see 0 rather than no data.</summary>
    private void ZeroCounters(string queueId)
    {
        var queue = new KeyValuePair<string, object?>("queue", queueId);
        _queueOffered.Add(0, queue);
        _queueAnswered.Add(0, queue);
        _queueAbandoned.Add(0, queue);
        _agentOffers.Add(0, queue);
    }

    private void ObserveCall(CallChanged change)
    {
        var call = change.Call;
        if (call.Status == change.Previous)
        {
            return;
        }

        var queue = new KeyValuePair<string, object?>("queue", call.QueueId);
        switch (call.Status)
        {
            case CallStatus.Queued when change.Previous == CallStatus.Arrived && call.QueueId is not null:
                _queueOffered.Add(1, queue);
                break;
            case CallStatus.Offered when call.QueueId is not null:
                _agentOffers.Add(1, queue);
                break;
            case CallStatus.Connected when change.Previous == CallStatus.Offered && call.QueueId is not null:
                _queueAnswered.Add(1, queue);
                break;
            case CallStatus.Ended:
                if (call.Disposition == CallDisposition.Abandoned && call.QueueId is not null)
                {
                    _queueAbandoned.Add(1, queue);
                }

                _callsEnded.Add(1, new KeyValuePair<string, object?>("disposition", call.Disposition.ToString()));
                break;
        }
    }

    private IEnumerable<Measurement<double>> QueueGauge(Func<QueueStats, double> value)
    {
        foreach (var (queueId, stats) in _queues)
        {
            yield return new Measurement<double>(value(stats), new KeyValuePair<string, object?>("queue", queueId));
        }
    }

    private IEnumerable<Measurement<double>> ServiceLevels()
    {
        foreach (var (queueId, stats) in _queues)
        {
            if (stats.ServiceLevelPercent is { } percent)
            {
                yield return new Measurement<double>(percent, new KeyValuePair<string, object?>("queue", queueId));
            }
        }
    }

    private IEnumerable<Measurement<long>> AgentsByStatus()
    {
        foreach (var status in Statuses)
        {
            yield return new Measurement<long>(Volatile.Read(ref _agentsByStatus[(int)status]),
                new KeyValuePair<string, object?>("state", status.ToString()));
        }
    }
}

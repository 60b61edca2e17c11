using System.Collections.Immutable;
using Acd.Agents;
using Acd.Calls;
using Acd.Catalog;
using Acd.Common;
using Acd.Events;
using Acd.Grains.Agents;
using Acd.Grains.Hosting;
using Acd.Grains.Infrastructure;
using Acd.Queues;
using Microsoft.Extensions.Logging;

namespace Acd.Grains.Queues;

public sealed partial class QueueGrain : AcdGrain<QueueState>, IQueueGrain, IRemindable
{
    /// <summary>How many Ready agents a new call tries before it waits; bounds the latency of one enqueue.</summary>
    private const int MaxOfferAttempts = 10;

    private const string RecoveryReminder = "recover";

    /// <summary>Safety net: while calls wait, Ready members are nudged to look for work this often.</summary>
    public static readonly TimeSpan SweepPeriod = TimeSpan.FromSeconds(5);

    private readonly ILogger<QueueGrain> _logger;
    private readonly IPersistentState<QueueRoster> _roster;
    private readonly SerialStateWriter<QueueRoster> _rosterWriter;
    /// <summary>
    /// What the queue knows of its agents, in memory only: agents re-send it on every transition, and writing it with
    /// every call change made the queue's state grow with its agents (1,100 in LoadBench). The roster stores who they
    /// are, so a new activation can ask them.
    /// </summary>
    private readonly QueueMembers _members = new();
    private IGrainTimer? _sweepTimer;
    private bool _reminderRegistered;

    public QueueGrain(
        [PersistentState("queue", AcdStorage.GrainState)] IPersistentState<QueueState> state,
        [PersistentState("queue-roster", AcdStorage.GrainState)] IPersistentState<QueueRoster> roster,
        TimeProvider time,
        IReportingSink reporting,
        RoutingMetrics metrics,
        ILogger<QueueGrain> logger)
        : base(state, time, reporting, metrics, logger)
    {
        _logger = logger;
        _roster = roster;
        _rosterWriter = new SerialStateWriter<QueueRoster>(roster);
    }

    private string QueueId => this.GetPrimaryKeyString();

    /// <summary>How long an activating queue waits for its agents to say where they stand before it takes calls.</summary>
    public static readonly TimeSpan MemberRecoveryTimeout = TimeSpan.FromSeconds(5);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A reminder registered by an earlier activation may outlive its calls; its next tick removes it.
        _reminderRegistered = S.Waiting.Count > 0 || S.Offered.Count > 0;
        await RecoverMembersAsync(cancellationToken);
        UpdateSweepTimer();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Metrics.QueueDeactivated(QueueId);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Members live in memory: the agents on the roster are asked (in parallel, interleaved on their side) before the
    /// queue takes calls, so a call arriving right after a failover finds the Ready agents. Agents that do not answer in
    /// time join again with their next transition.
    /// </summary>
    private async Task RecoverMembersAsync(CancellationToken cancellationToken)
    {
        if (_roster.State.AgentIds.Count == 0)
        {
            return;
        }

        var asks = _roster.State.AgentIds.ToDictionary(id => id, id => GrainFactory.GetGrain<IAgentGrain>(id).GetQueueMemberAsync(QueueId));
        try
        {
            await Task.WhenAll(asks.Values).WaitAsync(MemberRecoveryTimeout, Time, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException || asks.Values.Any(t => t.IsFaulted))
        {
            LogMembersPartlyRecovered(asks.Values.Count(t => t.IsCompletedSuccessfully), asks.Count);
        }

        foreach (var (agentId, ask) in asks)
        {
            if (ask.IsCompletedSuccessfully && ask.Result is { } member)
            {
                _members.TryAdd(member);
            }
        }
    }

    public async Task<Result> ConfigureAsync(QueueConfig config)
    {
        if (Validate(config) is { } invalid)
        {
            return invalid;
        }

        var numbers = config.Numbers.Select(n => n.Trim()).Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).ToImmutableArray();
        var routed = await GrainFactory.GetGrain<ICatalogGrain>(CatalogKeys.Default).SetQueueAsync(QueueId, numbers);
        if (!routed.IsSuccess)
        {
            return routed;
        }

        S.Config = config with { Numbers = numbers };
        PublishChange();
        await Writer.WriteAsync();
        return Result.Ok;
    }

    public async Task<Result> DeleteAsync()
    {
        if (S.Config is null)
        {
            return Result.Fail(AcdError.NotFound, $"Queue '{QueueId}' does not exist.");
        }

        if (S.Waiting.Count > 0 || S.Offered.Count > 0)
        {
            return Result.Fail(AcdError.Conflict, $"Queue '{QueueId}' still has {S.Waiting.Count + S.Offered.Count} call(s).");
        }

        await GrainFactory.GetGrain<ICatalogGrain>(CatalogKeys.Default).RemoveQueueAsync(QueueId);
        S.Config = null;
        PublishChange();
        _roster.State.AgentIds.Clear();
        await Task.WhenAll(Writer.ClearAsync(), _rosterWriter.ClearAsync());
        DeactivateOnIdle();
        return Result.Ok;
    }

    public Task<QueueSnapshot> GetAsync() => Task.FromResult(Snapshot());

    public Task<QueueStats> GetStatsAsync() => Task.FromResult(Stats());

    // ---- calls --------------------------------------------------------------------------------

    public async Task<Result<EnqueueOutcome>> EnqueueAsync(QueuedCall call)
    {
        if (S.Config is not { } config)
        {
            return Result.Fail(AcdError.NotFound, $"Queue '{QueueId}' does not exist.");
        }

        var wasWaiting = S.Waiting.RemoveAll(c => c.CallId == call.CallId) > 0;
        var wasOffered = S.Offered.Remove(call.CallId);
        // A call this queue still holds, or one back after ring-no-answer, entered the statistics already.
        if (!wasWaiting && !wasOffered && !call.Requeued)
        {
            CountEntered();
        }

        // First come, first served even if an agent's own matching was lost (its call to this queue failed while a silo
        // went down, leaving it Ready while callers wait): a call with older calls ahead of it joins the line, and the
        // members this queue believes Ready are asked to take work, which gives them the head of the line.
        if (S.Waiting.Count > 0 && QueuedCall.Order.Compare(S.Waiting[0], call) < 0)
        {
            Insert(call);
            await ContentsChangedAsync();
            Sweep();

            return Result<EnqueueOutcome>.Ok(new EnqueueOutcome(null, config, S.Waiting.FindIndex(c => c.CallId == call.CallId) + 1));
        }

        // While agents are tried the call is in neither list, so no agent can claim it concurrently.
        var agent = await ReserveBestAgentAsync(call, config);
        if (agent is not null)
        {
            S.Offered[call.CallId] = call;
        }
        else
        {
            Insert(call);
        }

        await ContentsChangedAsync();
        var position = agent is null ? S.Waiting.FindIndex(c => c.CallId == call.CallId) + 1 : 0;
        return Result<EnqueueOutcome>.Ok(new EnqueueOutcome(agent, config, position));
    }

    public async Task<bool> RemoveAsync(string callId)
    {
        var waiting = S.Waiting.RemoveAll(c => c.CallId == callId) > 0;
        var offered = S.Offered.Remove(callId);
        if (waiting || offered)
        {
            await ContentsChangedAsync();
        }

        return waiting;
    }

    public Task<CallCandidate?> PeekBestCallAsync(string agentId, ImmutableDictionary<string, int> skills)
    {
        if (S.Config is not { } config || S.Waiting.Count == 0 || !config.IsQualified(skills))
        {
            return Task.FromResult<CallCandidate?>(null);
        }

        var hasDevice = _members.TryGetValue(agentId, out var member) && member.HasDevice;
        var call = S.Waiting.FirstOrDefault(c => !c.RequiresDevice || hasDevice);
        return Task.FromResult(call is null ? null : new CallCandidate(QueueId, call, config.RingTimeout));
    }

    public async Task<bool> ClaimCallAsync(string callId, string agentId)
    {
        var index = S.Waiting.FindIndex(c => c.CallId == callId);
        if (index < 0)
        {
            return false;
        }

        var call = S.Waiting[index];
        S.Waiting.RemoveAt(index);
        S.Offered[callId] = call;
        MarkBusy(agentId);
        StartCycle(agentId);
        await ContentsChangedAsync();
        return true;
    }

    public async Task ReturnCallAsync(QueuedCall call)
    {
        S.Offered.Remove(call.CallId);
        if (!S.Waiting.Any(c => c.CallId == call.CallId))
        {
            Insert(call);
        }

        await ContentsChangedAsync();
    }

    public async Task RecordOutcomeAsync(CallOutcome outcome)
    {
        S.Offered.Remove(outcome.CallId);
        CountOutcome(outcome);
        await ContentsChangedAsync();
    }

    // ---- members ------------------------------------------------------------------------------

    public async Task UpdateMemberAsync(QueueMember member)
    {
        var previous = _members.Set(member);
        var changed = previous is null || previous.IsReady != member.IsReady || previous.IsLoggedIn != member.IsLoggedIn;
        TrackCycle(member);
        if (changed)
        {
            PublishChange();
            UpdateSweepTimer();
        }

        if (_roster.State.AgentIds.Add(member.AgentId))
        {
            await _rosterWriter.WriteAsync();
        }
    }

    public async Task RemoveMemberAsync(string agentId)
    {
        var removed = _members.Remove(agentId);
        _cycles.Remove(agentId);
        if (removed)
        {
            PublishChange();
        }

        if (_roster.State.AgentIds.Remove(agentId))
        {
            await _rosterWriter.WriteAsync();
        }
    }

    /// <summary>After a failover, wakes the calls this queue holds so their own timers run again.</summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != RecoveryReminder)
        {
            return;
        }

        var calls = S.Waiting.Select(c => c.CallId).Concat(S.Offered.Keys).ToList();
        await Task.WhenAll(calls.Select(id => GrainFactory.GetGrain<ICallGrain>(id).GetAsync()));
        Sweep();
        await UpdateRecoveryReminderAsync(mayRemove: true);
    }
}

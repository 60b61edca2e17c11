using System.Collections.Concurrent;
using Acd.Agents;
using Acd.Calls;
using Acd.Common;
using Acd.Events;
using Acd.SipEdge.Calls;
using Orleans.Runtime;

namespace Acd.SipEdge.Tests.Unit.Infrastructure;

/// <summary>
/// The edge's grain factory, with two seams for tests and nothing else changed: each call's observer reference (what the
/// call grain commands) is made for a <see cref="CommandTap"/> standing in front of the edge's call, so a test can see,
/// hold back, reorder or drop the grain's commands, or hand the call crafted ones; and the call grains the edge talks to
/// can be paused at <see cref="ICallGrain.AnswerAsync"/> (<see cref="GateAnswers"/>) to line up races.
/// </summary>
public sealed class TappingGrainFactory(IGrainFactory inner) : IGrainFactory
{
    private readonly ConcurrentDictionary<string, CommandTap> _taps = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<IGrainObserver, CommandTap> _byTarget = new();

    /// <summary>Set to make every new tap start with this filter.</summary>
    public Func<ICallCommand, TapAction>? DefaultFilter { get; set; }

    /// <summary>While set, the edge's <see cref="ICallGrain.AnswerAsync"/> waits for this task before it reaches the grain.</summary>
    public Task? AnswerGate { get; set; }

    /// <summary>Completes when an answer reached the gate (for the test to line up what happens meanwhile).</summary>
    public TaskCompletionSource AnswerAtGate { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Pauses the edge's next answers until the returned source is completed.</summary>
    public TaskCompletionSource GateAnswers()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        AnswerAtGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        AnswerGate = gate.Task;
        return gate;
    }

    public CommandTap Tap(string callId) =>
        _taps.TryGetValue(callId, out var tap) ? tap : throw new InvalidOperationException($"the edge made no observer for call {callId}");

    public IReadOnlyCollection<CommandTap> Taps => [.. _taps.Values];

    public TGrainObserverInterface CreateObjectReference<TGrainObserverInterface>(IGrainObserver obj)
        where TGrainObserverInterface : IGrainObserver
    {
        if (typeof(TGrainObserverInterface) == typeof(ICallEdgeObserver) && obj is EdgeCall call)
        {
            // Held here strongly: Orleans keeps observer objects only weakly.
            var tap = new CommandTap(call.CallId, call) { Filter = DefaultFilter };
            _taps[call.CallId] = tap;
            _byTarget[obj] = tap;
            return inner.CreateObjectReference<TGrainObserverInterface>(tap);
        }

        return inner.CreateObjectReference<TGrainObserverInterface>(obj);
    }

    public void DeleteObjectReference<TGrainObserverInterface>(IGrainObserver obj) where TGrainObserverInterface : IGrainObserver =>
        inner.DeleteObjectReference<TGrainObserverInterface>(_byTarget.TryGetValue(obj, out var tap) ? tap : obj);

    public TGrainInterface GetGrain<TGrainInterface>(string primaryKey, string? grainClassNamePrefix = null)
        where TGrainInterface : IGrainWithStringKey
    {
        var grain = inner.GetGrain<TGrainInterface>(primaryKey, grainClassNamePrefix);
        return typeof(TGrainInterface) == typeof(ICallGrain) ? (TGrainInterface)(object)new GatedCallGrain((ICallGrain)grain, this) : grain;
    }

    public TGrainInterface GetGrain<TGrainInterface>(Guid primaryKey, string? grainClassNamePrefix = null) where TGrainInterface : IGrainWithGuidKey =>
        inner.GetGrain<TGrainInterface>(primaryKey, grainClassNamePrefix);

    public TGrainInterface GetGrain<TGrainInterface>(long primaryKey, string? grainClassNamePrefix = null) where TGrainInterface : IGrainWithIntegerKey =>
        inner.GetGrain<TGrainInterface>(primaryKey, grainClassNamePrefix);

    public TGrainInterface GetGrain<TGrainInterface>(Guid primaryKey, string keyExtension, string? grainClassNamePrefix = null)
        where TGrainInterface : IGrainWithGuidCompoundKey =>
        inner.GetGrain<TGrainInterface>(primaryKey, keyExtension, grainClassNamePrefix);

    public TGrainInterface GetGrain<TGrainInterface>(long primaryKey, string keyExtension, string? grainClassNamePrefix = null)
        where TGrainInterface : IGrainWithIntegerCompoundKey =>
        inner.GetGrain<TGrainInterface>(primaryKey, keyExtension, grainClassNamePrefix);

    public TGrainInterface GetGrain<TGrainInterface>(GrainId grainId) where TGrainInterface : IAddressable => inner.GetGrain<TGrainInterface>(grainId);

    public IAddressable GetGrain(GrainId grainId) => inner.GetGrain(grainId);

    public IAddressable GetGrain(GrainId grainId, GrainInterfaceType interfaceType) => inner.GetGrain(grainId, interfaceType);

    public IGrain GetGrain(Type grainInterfaceType, Guid grainPrimaryKey) => inner.GetGrain(grainInterfaceType, grainPrimaryKey);

    public IGrain GetGrain(Type grainInterfaceType, long grainPrimaryKey) => inner.GetGrain(grainInterfaceType, grainPrimaryKey);

    public IGrain GetGrain(Type grainInterfaceType, string grainPrimaryKey) => inner.GetGrain(grainInterfaceType, grainPrimaryKey);

    public IGrain GetGrain(Type grainInterfaceType, Guid grainPrimaryKey, string keyExtension) =>
        inner.GetGrain(grainInterfaceType, grainPrimaryKey, keyExtension);

    public IGrain GetGrain(Type grainInterfaceType, long grainPrimaryKey, string keyExtension) =>
        inner.GetGrain(grainInterfaceType, grainPrimaryKey, keyExtension);

    public IAddressable GetGrain(Type grainInterfaceType, IdSpan grainPrimaryKey) => inner.GetGrain(grainInterfaceType, grainPrimaryKey);

    public IAddressable GetGrain(Type grainInterfaceType, IdSpan grainPrimaryKey, string grainClassNamePrefix) =>
        inner.GetGrain(grainInterfaceType, grainPrimaryKey, grainClassNamePrefix);

    /// <summary>The call grain as the edge sees it: every call passes, answers wait at the factory's gate when one is set.</summary>
    private sealed class GatedCallGrain(ICallGrain grain, TappingGrainFactory factory) : ICallGrain
    {
        public async Task<Result> AnswerAsync(string agentId, CommandSequence? ring = null)
        {
            if (factory.AnswerGate is { } gate)
            {
                factory.AnswerAtGate.TrySetResult();
                await gate;
            }

            return await grain.AnswerAsync(agentId, ring);
        }

        public Task<Result<CallSnapshot>> StartInboundAsync(CallInfo info) => grain.StartInboundAsync(info);

        public Task<Result<CallSnapshot>> StartOutboundAsync(string agentId, CallInfo info) => grain.StartOutboundAsync(agentId, info);

        public Task<Result<CallSnapshot>> StartInternalAsync(string fromAgentId, string toAgentId, CallInfo info, bool ringCallerFirst) =>
            grain.StartInternalAsync(fromAgentId, toAgentId, info, ringCallerFirst);

        public Task ReportDigitAsync(char digit, bool fromCustomer) => grain.ReportDigitAsync(digit, fromCustomer);

        public Task<string> GetDigitsAsync() => grain.GetDigitsAsync();

        public Task<CallSnapshot> GetAsync() => grain.GetAsync();

        public Task<Result> OfferAsync(AgentReservation agent, TimeSpan ringTimeout) => grain.OfferAsync(agent, ringTimeout);

        public Task<Result> RejectAsync(string agentId, CommandSequence? ring = null, OfferFailure failure = OfferFailure.Declined) =>
            grain.RejectAsync(agentId, ring, failure);

        public Task<Result> HoldAsync() => grain.HoldAsync();

        public Task<Result> UnholdAsync() => grain.UnholdAsync();

        public Task<Result> HangupAsync(HangupSide side, string? reason = null) => grain.HangupAsync(side, reason);

        public Task<Result> FailAsync(string reason) => grain.FailAsync(reason);

        public Task<Result> TransferAsync(TransferTarget target, TransferMode mode) => grain.TransferAsync(target, mode);

        public Task<Result> CompleteTransferAsync() => grain.CompleteTransferAsync();

        public Task<Result> CancelTransferAsync() => grain.CancelTransferAsync();

        public Task<Result> TakeOverFromAsync(string consultationCallId) => grain.TakeOverFromAsync(consultationCallId);

        public Task<Result> EndReplacedAsync(string byCallId) => grain.EndReplacedAsync(byCallId);

        public Task<Result> SendDtmfAsync(string digits) => grain.SendDtmfAsync(digits);

        public Task<Result> SetCustomerAsync(CustomerSnapshot customer) => grain.SetCustomerAsync(customer);

        public Task SubscribeAsync(IAcdObserver observer) => grain.SubscribeAsync(observer);

        public Task UnsubscribeAsync(IAcdObserver observer) => grain.UnsubscribeAsync(observer);

        public Task<Result<int>> ParkAsync() => grain.ParkAsync();

        public Task<Result> RetrieveAsync(string agentId, bool ring = true) => grain.RetrieveAsync(agentId, ring);

        public Task<Result> PickupAsync(string agentId, bool ring = true) => grain.PickupAsync(agentId, ring);

        public Task AttachEdgeAsync(ICallEdgeObserver edge) => grain.AttachEdgeAsync(edge);
    }
}

/// <summary>What a tap does with a command from the grain.</summary>
public enum TapAction
{
    Pass,
    /// <summary>Kept in <see cref="CommandTap.Held"/> until the test releases it.</summary>
    Hold,
    /// <summary>Lost, as a message to a dead edge would be.</summary>
    Drop,
}

/// <summary>A consultation ring as it passed the tap (ConsultAgent carries a RingAgent).</summary>
public sealed record ConsultRing(RingAgent Ring) : ICallCommand
{
    public string CallId => Ring.CallId;

    public CommandSequence Sequence => Ring.Sequence;
}

/// <summary>Stands between one call grain and the edge's call: records every command, passes, holds or drops it.</summary>
public sealed class CommandTap(string callId, ICallEdgeObserver target) : ICallEdgeObserver
{
    private readonly Lock _gate = new();
    private readonly List<ICallCommand> _seen = [];
    private readonly List<ICallCommand> _held = [];

    public string CallId { get; } = callId;

    /// <summary>The edge's own call object, for handing it commands directly.</summary>
    public ICallEdgeObserver Target { get; } = target;

    public Func<ICallCommand, TapAction>? Filter { get; set; }

    /// <summary>Every command the grain sent, in the order they reached the edge's process.</summary>
    public IReadOnlyList<ICallCommand> Seen
    {
        get
        {
            lock (_gate) return [.. _seen];
        }
    }

    public IReadOnlyList<ICallCommand> Held
    {
        get
        {
            lock (_gate) return [.. _held];
        }
    }

    public IEnumerable<T> Of<T>() where T : ICallCommand => Seen.OfType<T>();

    /// <summary>Delivers held commands to the edge's call now, in the given order, and forgets them.</summary>
    public async Task ReleaseAsync(params ICallCommand[] commands)
    {
        foreach (var command in commands)
        {
            lock (_gate) _held.Remove(command);
            await DeliverAsync(command);
        }
    }

    /// <summary>Hands the edge's call a command as if the grain had sent it (crafted sequence numbers, duplicates...).</summary>
    public Task DeliverAsync(ICallCommand command) => command switch
    {
        RingAgent ring => Target.RingAgentAsync(ring),
        ConsultRing consult => Target.ConsultAgentAsync(consult.Ring),
        CancelAgent cancel => Target.CancelAgentAsync(cancel),
        DropAgent drop => Target.DropAgentAsync(drop),
        HoldCall hold => Target.HoldAsync(hold),
        ResumeCall resume => Target.ResumeAsync(resume),
        SendDtmf dtmf => Target.SendDtmfAsync(dtmf),
        CompleteConsultation complete => Target.CompleteConsultationAsync(complete),
        PlaceOutbound place => Target.PlaceOutboundAsync(place),
        PlaceInternal place => Target.PlaceInternalAsync(place),
        TransferOut transfer => Target.TransferOutAsync(transfer),
        HangUpCall hangUp => Target.HangUpAsync(hangUp),
        _ => throw new ArgumentException($"unknown command {command}"),
    };

    private Task Receive(ICallCommand command)
    {
        TapAction action;
        lock (_gate)
        {
            _seen.Add(command);
            action = Filter?.Invoke(command) ?? TapAction.Pass;
            if (action == TapAction.Hold)
            {
                _held.Add(command);
            }
        }

        return action == TapAction.Pass ? DeliverAsync(command) : Task.CompletedTask;
    }

    public Task RingAgentAsync(RingAgent command) => Receive(command);

    public Task CancelAgentAsync(CancelAgent command) => Receive(command);

    public Task DropAgentAsync(DropAgent command) => Receive(command);

    public Task HoldAsync(HoldCall command) => Receive(command);

    public Task ResumeAsync(ResumeCall command) => Receive(command);

    public Task SendDtmfAsync(SendDtmf command) => Receive(command);

    public Task ConsultAgentAsync(RingAgent command) => Receive(new ConsultRing(command));

    public Task PlaceInternalAsync(PlaceInternal command) => Receive(command);

    public Task CompleteConsultationAsync(CompleteConsultation command) => Receive(command);

    public Task PlaceOutboundAsync(PlaceOutbound command) => Receive(command);

    public Task TransferOutAsync(TransferOut command) => Receive(command);

    public Task HangUpAsync(HangUpCall command) => Receive(command);
}

using System.Collections.Concurrent;
using Acd.ThreeCx.Events;
using Acd.ThreeCx.Rest;

namespace Acd.ThreeCx.Tests.Infrastructure;

/// <summary>Keeps every notification the event stream makes, in order.</summary>
public sealed class RecordingObserver : IThreeCxObserver
{
    public sealed record Change(ThreeCxParticipant Participant, ThreeCxParticipant? Previous);

    public sealed record Digits(string Dn, int ParticipantId, string Value);

    public ConcurrentQueue<Change> Changes { get; } = new();

    public ConcurrentQueue<ThreeCxRemoval> Removals { get; } = new();

    public ConcurrentQueue<Digits> Dtmf { get; } = new();

    public ConcurrentQueue<ThreeCxConnectionHealth> Health { get; } = new();

    public Task ParticipantChangedAsync(string pbx, ThreeCxParticipant participant, ThreeCxParticipant? previous)
    {
        Changes.Enqueue(new Change(participant, previous));
        return Task.CompletedTask;
    }

    public Task ParticipantRemovedAsync(string pbx, ThreeCxRemoval removal)
    {
        Removals.Enqueue(removal);
        return Task.CompletedTask;
    }

    public Task DtmfReceivedAsync(string pbx, string dn, int participantId, string digits)
    {
        Dtmf.Enqueue(new Digits(dn, participantId, digits));
        return Task.CompletedTask;
    }

    public Task ConnectionStateChangedAsync(string pbx, ThreeCxConnectionHealth health)
    {
        Health.Enqueue(health);
        return Task.CompletedTask;
    }
}

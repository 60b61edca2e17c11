using Acd.ThreeCx.Rest;

namespace Acd.ThreeCx.Events;

/// <summary>
/// The participants of one PBX per DN as the event stream knows them. Only the stream's loop changes it; anybody may
/// read it (an agent's extension busy on a private call, the legs of a call). A participant waiting out its removal
/// grace is still listed, so a ring wave's gap does not make an extension look idle.
/// </summary>
public sealed class ThreeCxParticipantModel
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Dn, int Id), Entry> _entries = [];

    public IReadOnlyList<ThreeCxParticipant> ParticipantsOf(string dn)
    {
        lock (_gate)
        {
            return _entries.Where(e => e.Key.Dn == dn).Select(e => e.Value.Participant).OrderBy(p => p.Id).ToArray();
        }
    }

    public IReadOnlyList<ThreeCxParticipant> All()
    {
        lock (_gate)
        {
            return _entries.Values.Select(e => e.Participant).OrderBy(p => p.Dn, StringComparer.Ordinal).ThenBy(p => p.Id).ToArray();
        }
    }

    public ThreeCxParticipant? Find(string dn, int id)
    {
        lock (_gate)
        {
            return _entries.TryGetValue((dn, id), out var entry) ? entry.Participant : null;
        }
    }

    /// <summary>Participants gone from the PBX whose removal is not reported yet.</summary>
    public int PendingRemovals
    {
        get
        {
            lock (_gate)
            {
                return _entries.Values.Count(e => e.Pending is not null);
            }
        }
    }

    internal IReadOnlyList<(string Dn, int Id)> Keys()
    {
        lock (_gate)
        {
            return _entries.Keys.ToArray();
        }
    }

    /// <summary>Stores <paramref name="participant"/>; returns what it replaced and whether anything changed. Cancels a pending removal.</summary>
    internal (ThreeCxParticipant? Previous, bool Changed) Upsert(ThreeCxParticipant participant)
    {
        lock (_gate)
        {
            var key = (participant.Dn, participant.Id);
            if (_entries.TryGetValue(key, out var entry))
            {
                entry.Pending?.Timer.Dispose();
                var changed = entry.Participant != participant;
                _entries[key] = new Entry(participant, null);
                return (entry.Participant, changed);
            }

            _entries[key] = new Entry(participant, null);
            return (null, true);
        }
    }

    /// <summary>Marks a known participant as gone; false when unknown or already pending (the first reason stands).</summary>
    internal bool MarkGone((string Dn, int Id) key, ThreeCxRemovalReason reason, long generation, Func<ITimer> startTimer)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var entry) || entry.Pending is not null)
            {
                return false;
            }

            _entries[key] = entry with { Pending = new PendingRemoval(reason, generation, startTimer()) };
            return true;
        }
    }

    /// <summary>Removes a participant whose grace ran out, unless it came back meanwhile (then the generation differs).</summary>
    internal ThreeCxRemoval? CompleteRemoval((string Dn, int Id) key, long generation)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var entry) || entry.Pending is not { } pending || pending.Generation != generation)
            {
                return null;
            }

            pending.Timer.Dispose();
            _entries.Remove(key);
            return new ThreeCxRemoval(key.Dn, key.Id, entry.Participant, pending.Reason);
        }
    }

    internal void Clear()
    {
        lock (_gate)
        {
            foreach (var entry in _entries.Values)
            {
                entry.Pending?.Timer.Dispose();
            }

            _entries.Clear();
        }
    }

    private sealed record Entry(ThreeCxParticipant Participant, PendingRemoval? Pending);

    private sealed record PendingRemoval(ThreeCxRemovalReason Reason, long Generation, ITimer Timer);
}

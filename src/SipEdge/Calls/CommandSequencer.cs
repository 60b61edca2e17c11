using Acd.Calls;

namespace Acd.SipEdge.Calls;

/// <summary>
/// Puts a call's commands back in the order the grain issued them. Observer calls may overtake each other, so a command
/// whose predecessor has not arrived waits for it, but not for ever: after <see cref="GapTimeout"/> the commands held
/// are released in order and the missing one is given up (it will be ignored if it turns up). A command from a later
/// epoch (the grain re-activated after a failover) starts a new count; anything older than what was released is a
/// duplicate and dropped.
/// </summary>
internal sealed class CommandSequencer<T> : IDisposable where T : ICallCommand
{
    public static readonly TimeSpan GapTimeout = TimeSpan.FromMilliseconds(500);

    private readonly object _gate = new();
    private readonly SortedList<CommandSequence, T> _held = [];
    private readonly Action<T> _release;
    private readonly Action<CommandSequence, CommandSequence> _gapSkipped;
    private readonly ITimer _timer;
    private CommandSequence? _last;
    private bool _timerArmed;

    /// <param name="release">Receives commands in order, under the sequencer's lock: it must only hand them on (post to the call's mailbox).</param>
    /// <param name="gapSkipped">Told (last released, next released) when a missing command was given up, for the log.</param>
    public CommandSequencer(Action<T> release, Action<CommandSequence, CommandSequence> gapSkipped, TimeProvider time)
    {
        _release = release;
        _gapSkipped = gapSkipped;
        _timer = time.CreateTimer(_ => OnGapTimeout(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Accept(T command)
    {
        lock (_gate)
        {
            if (_last is { } last && command.Sequence <= last || _held.ContainsKey(command.Sequence))
            {
                return; // a duplicate, or one given up on
            }

            _held.Add(command.Sequence, command);
            ReleaseReady(force: false);
        }
    }

    private void OnGapTimeout()
    {
        lock (_gate)
        {
            _timerArmed = false;
            if (_held.Count > 0)
            {
                _gapSkipped(_last ?? default, _held.Keys[0]);
            }

            ReleaseReady(force: true);
        }
    }

    /// <summary>Releases the held commands that follow the last released one without a gap (after the first, when forced).</summary>
    private void ReleaseReady(bool force)
    {
        while (_held.Count > 0)
        {
            var next = _held.Keys[0];
            if (!force && !Follows(next))
            {
                break;
            }

            var command = _held.Values[0];
            _held.RemoveAt(0);
            _last = next;
            force = false; // after the gap, the rest must follow on again
            _release(command);
        }

        ArmTimer();
    }

    /// <summary>The first command of an activation (number 1 of a newer epoch) or the one right after the last.</summary>
    private bool Follows(CommandSequence next) =>
        _last is not { } last ? next.Number == 1 : next.Epoch > last.Epoch ? next.Number == 1 : next.Number == last.Number + 1;

    private void ArmTimer()
    {
        if (_held.Count > 0 && !_timerArmed)
        {
            _timerArmed = true;
            _timer.Change(GapTimeout, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose() => _timer.Dispose();
}

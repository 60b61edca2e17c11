namespace Acd.Grains.Infrastructure;

/// <summary>
/// Serializes writes of one grain's persistent state and coalesces them. Interleaved methods may ask for a write while
/// an earlier one is still in flight; storage providers reject concurrent writes of the same ETag, so a write waits
/// for the one before it. While it waits, further requests share it: it stores the state as it is when it starts, which
/// includes their changes. Under load a busy grain so writes once per storage round trip rather than once per change.
/// </summary>
internal sealed class SerialStateWriter<T>(IPersistentState<T> state)
{
    private Task _tail = Task.CompletedTask;

    /// <summary>The write that has not started yet, if any; every caller until it starts is covered by it.</summary>
    private Task? _queued;

    private long _requested;
    private long _started;

    public Task WriteAsync()
    {
        if (_queued is { } queued)
        {
            return queued;
        }

        var id = ++_requested;
        var next = WriteAfterAsync(_tail, id);
        _tail = next;
        if (_started < id)
        {
            _queued = next;
        }

        return next;
    }

    public Task ClearAsync()
    {
        // A queued write runs before the clear; writes asked for after it must not share that earlier one.
        _queued = null;
        var id = ++_requested;
        var next = ClearAfterAsync(_tail, id);
        _tail = next;
        return next;
    }

    private async Task WriteAfterAsync(Task previous, long id)
    {
        await WaitQuietly(previous);
        Start(id);
        await state.WriteStateAsync();
    }

    private async Task ClearAfterAsync(Task previous, long id)
    {
        await WaitQuietly(previous);
        Start(id);
        await state.ClearStateAsync();
    }

    private void Start(long id)
    {
        _started = id;
        if (_requested == id)
        {
            _queued = null;
        }
    }

    private static async Task WaitQuietly(Task previous)
    {
        try
        {
            await previous;
        }
        catch
        {
            // The earlier write's caller observes its failure; this write still goes ahead with newer state.
        }
    }
}

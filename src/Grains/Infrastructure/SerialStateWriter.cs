namespace Acd.Grains.Infrastructure;

/// <summary>
/// Serializes writes of one grain's persistent state. Interleaved methods may ask for a write while an
/// earlier one is still in flight; storage providers reject concurrent writes of the same ETag, so each
/// write waits for the one before it.
/// </summary>
internal sealed class SerialStateWriter<T>(IPersistentState<T> state)
{
    private Task _tail = Task.CompletedTask;

    public Task WriteAsync()
    {
        var next = WriteAfterAsync(_tail);
        _tail = next;
        return next;
    }

    public Task ClearAsync()
    {
        var next = ClearAfterAsync(_tail);
        _tail = next;
        return next;
    }

    private async Task WriteAfterAsync(Task previous)
    {
        await WaitQuietly(previous);
        await state.WriteStateAsync();
    }

    private async Task ClearAfterAsync(Task previous)
    {
        await WaitQuietly(previous);
        await state.ClearStateAsync();
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

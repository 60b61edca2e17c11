using System.Threading.Channels;

namespace Acd.SipEdge.Calls;

/// <summary>
/// Runs a call's work one item at a time, in the order it was posted: SIP events, grain commands and the results of
/// outgoing INVITEs all come through here, so a call's legs need no locks. Work may await (a grain call, a re-INVITE);
/// the next item starts when it is done. A failing item is reported and the mailbox goes on.
/// </summary>
internal sealed class CallMailbox
{
    private readonly Channel<Func<Task>> _work = Channel.CreateUnbounded<Func<Task>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Action<Exception> _failed;
    private int _running;

    public CallMailbox(Action<Exception> failed) => _failed = failed;

    /// <summary>Queues work without waiting for it.</summary>
    public void Post(Func<Task> work)
    {
        if (_work.Writer.TryWrite(work) && Interlocked.CompareExchange(ref _running, 1, 0) == 0)
        {
            _ = Task.Run(PumpAsync);
        }
    }

    public void Post(Action work) => Post(() =>
    {
        work();
        return Task.CompletedTask;
    });

    /// <summary>Queues work and completes when it has run (with its failure, if it failed).</summary>
    public Task RunAsync(Func<Task> work)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(async () =>
        {
            try
            {
                await work();
                done.TrySetResult();
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
                throw;
            }
        });
        return done.Task;
    }

    /// <summary>No more work will be taken; what is queued still runs.</summary>
    public void Close() => _work.Writer.TryComplete();

    private async Task PumpAsync()
    {
        while (true)
        {
            while (_work.Reader.TryRead(out var work))
            {
                try
                {
                    await work();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    _failed(ex);
                }
            }

            Volatile.Write(ref _running, 0);
            // Work posted after the last read but before the flag dropped would wait for nobody: look once more.
            if (!_work.Reader.TryPeek(out _) || Interlocked.CompareExchange(ref _running, 1, 0) != 0)
            {
                return;
            }
        }
    }
}

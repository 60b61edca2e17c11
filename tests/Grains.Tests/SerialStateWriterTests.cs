using Acd.Grains.Infrastructure;

namespace Acd.Grains.Tests;

/// <summary>Writes of one grain's state: never two at once, and the ones asked for while another runs share one.</summary>
public sealed class SerialStateWriterTests
{
    [Fact]
    public Task Writes_asked_for_while_one_runs_share_the_next_write() => WithoutContext(async () =>
    {
        var storage = new ControlledStorage();
        var writer = new SerialStateWriter<int>(storage);

        var first = writer.WriteAsync();
        Assert.Equal(1, storage.Started);

        var second = writer.WriteAsync();
        var third = writer.WriteAsync();
        Assert.Same(second, third);
        Assert.Equal(1, storage.Started);

        storage.CompleteCurrent();
        await first;
        Assert.Equal(2, storage.Started);
        // Once the shared write has started, a new request needs a write of its own.
        var fourth = writer.WriteAsync();
        Assert.NotSame(second, fourth);

        storage.CompleteCurrent();
        await Task.WhenAll(second, third);
        Assert.Equal(3, storage.Started);
        storage.CompleteCurrent();
        await fourth;
        Assert.Equal(3, storage.Started);
        Assert.Equal(1, storage.MaxConcurrent);
    });

    [Fact]
    public Task A_write_asked_for_after_a_clear_runs_after_it() => WithoutContext(async () =>
    {
        var storage = new ControlledStorage();
        var writer = new SerialStateWriter<int>(storage);

        var running = writer.WriteAsync();
        var queued = writer.WriteAsync();
        var clear = writer.ClearAsync();
        var after = writer.WriteAsync();
        Assert.NotSame(queued, after);

        for (var i = 0; i < 4; i++)
        {
            storage.CompleteCurrent();
        }

        await Task.WhenAll(running, queued, clear, after);
        Assert.Equal(["write", "write", "clear", "write"], storage.Operations);
    });

    [Fact]
    public Task A_failed_write_fails_its_callers_and_the_next_one_still_runs() => WithoutContext(async () =>
    {
        var storage = new ControlledStorage();
        var writer = new SerialStateWriter<int>(storage);

        var failing = writer.WriteAsync();
        var next = writer.WriteAsync();
        storage.FailCurrent(new InvalidOperationException("disk full"));
        storage.CompleteCurrent();

        await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        await next;
        Assert.Equal(2, storage.Started);
    });

    /// <summary>
    /// Without xunit's synchronization context, storage completions run the writer's continuations inline, so each
    /// step can be checked right after it.
    /// </summary>
    private static Task WithoutContext(Func<Task> body) => Task.Run(body);

    /// <summary>Storage whose operations finish only when the test says so.</summary>
    private sealed class ControlledStorage : IPersistentState<int>
    {
        private readonly Queue<TaskCompletionSource> _running = new();
        private int _concurrent;

        public int Started { get; private set; }

        public int MaxConcurrent { get; private set; }

        public List<string> Operations { get; } = [];

        public int State { get; set; }

        public string? Etag => null;

        public bool RecordExists => true;

        public Task ReadStateAsync() => Task.CompletedTask;

        public Task WriteStateAsync() => Begin("write");

        public Task ClearStateAsync() => Begin("clear");

        public void CompleteCurrent() => End().SetResult();

        public void FailCurrent(Exception exception) => End().SetException(exception);

        private TaskCompletionSource End()
        {
            _concurrent--;
            return _running.Dequeue();
        }

        private Task Begin(string operation)
        {
            Started++;
            Operations.Add(operation);
            _concurrent++;
            MaxConcurrent = Math.Max(MaxConcurrent, _concurrent);
            var done = new TaskCompletionSource();
            _running.Enqueue(done);
            return done.Task;
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Acd.Events;
using Acd.Reporting.Stores;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Acd.Reporting.Writing;

/// <summary>
/// The reporting writer. Grains call <see cref="Append"/> inside their turn: it only puts the event on a bounded
/// channel (never blocks, never touches the database). A background loop drains the channel and writes batches
/// (up to <see cref="ReportingOptions.BatchSize"/> events, or whatever arrived within
/// <see cref="ReportingOptions.FlushInterval"/>) in one transaction each.
/// </summary>
/// <remarks>
/// Nothing is dropped silently: a full channel spills into an overflow queue (logged), a failing database is
/// retried with backoff while events keep queueing, and a stopping host flushes what is pending. Register it
/// before the Orleans silo so it stops after the silo and also flushes the events of deactivating grains.
/// </remarks>
public sealed partial class BatchingReportingSink : BackgroundService, IReportingSink
{
    public const string MeterName = "Acd.Reporting";

    private readonly ReportingStore _store;
    private readonly ReportingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<BatchingReportingSink> _logger;
    private readonly Channel<AcdEvent> _channel;
    private readonly ConcurrentQueue<AcdEvent> _overflow = new();
    private readonly object _progressLock = new();
    private TaskCompletionSource _progress = NewSignal();
    private CancellationTokenSource? _linger;
    private long _appended;
    private long _processed;
    private long _lastOverflowWarningTicks;
    private volatile bool _flushRequested;
    private volatile bool _closed;
    private bool _schemaReady;
    private int _executeStarted;

    // Progress counters since the last summary log line.
    private long _summaryEvents;
    private long _summaryBatches;
    private long _summaryCalls;
    private long _summaryActivities;
    private DateTimeOffset _lastSummary;

    public BatchingReportingSink(ReportingStore store, IOptions<ReportingOptions> options, TimeProvider time,
        ILogger<BatchingReportingSink> logger, IMeterFactory? meters = null)
    {
        _store = store;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _channel = Channel.CreateBounded<AcdEvent>(new BoundedChannelOptions(Math.Max(1, _options.ChannelCapacity))
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _lastSummary = time.GetUtcNow();
        if (meters?.Create(MeterName) is { } meter)
        {
            // Read when collected: the write path carries no metric calls.
            meter.CreateObservableGauge("acd.reporting.backlog", () => Pending, "{event}",
                "Call and agent events accepted by the reporting writer and not yet written to the store.");
            meter.CreateObservableCounter("acd.reporting.events.written", () => Interlocked.Read(ref _processed), "{event}",
                "Call and agent events the reporting writer has written (or given up on at shutdown).");
        }
    }

    /// <summary>Events accepted but not yet written (or given up on at shutdown).</summary>
    public long Pending => Interlocked.Read(ref _appended) - Interlocked.Read(ref _processed);

    public void Append(AcdEvent @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        if (@event is not (CallChanged or AgentChanged))
        {
            // Only call and agent changes have tables; queue statistics and edge commands are live-only.
            return;
        }

        if (_closed)
        {
            LogAfterShutdown(@event.GetType().Name, @event);
            return;
        }

        Interlocked.Increment(ref _appended);
        // Once anything sits in the overflow queue, keep using it until the writer drained it, so a burst does not
        // leapfrog itself (the store's upserts are order-tolerant anyway, see ReportingSql).
        if (!_overflow.IsEmpty || !_channel.Writer.TryWrite(@event))
        {
            _overflow.Enqueue(@event);
            var now = _time.GetTimestamp();
            var last = Interlocked.Read(ref _lastOverflowWarningTicks);
            if (last == 0 || _time.GetElapsedTime(last, now) > TimeSpan.FromSeconds(10))
            {
                Interlocked.Exchange(ref _lastOverflowWarningTicks, now);
                LogOverflow(_options.ChannelCapacity, _overflow.Count);
            }

            // Wake the writer in case it is lingering on an empty channel.
            CancelLinger();
        }
    }

    /// <summary>Completes when every event appended before the call has been written (or given up on).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var target = Interlocked.Read(ref _appended);
        while (Interlocked.Read(ref _processed) < target)
        {
            Task progress;
            lock (_progressLock)
            {
                progress = _progress.Task;
            }

            if (Interlocked.Read(ref _processed) >= target)
            {
                break;
            }

            _flushRequested = true;
            CancelLinger();

            await progress.WaitAsync(cancellationToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // BackgroundService may cancel ExecuteAsync before it ever ran (host stopped right after starting):
        // the pending events still get their final flush.
        if (Interlocked.Exchange(ref _executeStarted, 1) == 0)
        {
            await FinalFlushAsync([]);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Interlocked.Exchange(ref _executeStarted, 1) != 0)
        {
            return;
        }

        // Let the host finish starting: the loop below is long-running.
        await Task.Yield();
        LogStarted(_store.Description, _options.BatchSize, _options.FlushInterval.TotalMilliseconds);

        var batch = new List<AcdEvent>(_options.BatchSize);
        try
        {
            await RetryAsync("prepare the reporting store", () => _store.EnsureSchemaAsync(stoppingToken), stoppingToken);
            _schemaReady = true;
            while (!stoppingToken.IsCancellationRequested)
            {
                if (_overflow.IsEmpty && !await _channel.Reader.WaitToReadAsync(stoppingToken))
                {
                    break;
                }

                await FillBatchAsync(batch, stoppingToken);
                if (batch.Count > 0)
                {
                    await WriteAsync(batch, stoppingToken);
                    batch.Clear();
                }
                else if (_flushRequested)
                {
                    SignalProgress();
                }
            }
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            // Host is stopping (possibly in the middle of a retry): the batch in hand goes into the final flush.
        }

        await FinalFlushAsync(batch);
    }

    private async Task FillBatchAsync(List<AcdEvent> batch, CancellationToken stoppingToken)
    {
        var started = _time.GetTimestamp();
        while (batch.Count < _options.BatchSize)
        {
            Drain(batch);
            if (batch.Count >= _options.BatchSize || _flushRequested)
            {
                return;
            }

            var remaining = _options.FlushInterval - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            // Linger for more events: fuller batches mean fewer transactions. A flush request or overflow cuts it short.
            using var linger = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            linger.CancelAfter(remaining);
            _linger = linger;
            try
            {
                await _channel.Reader.WaitToReadAsync(linger.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                Drain(batch);
                return;
            }
            finally
            {
                _linger = null;
            }
        }
    }

    private void Drain(List<AcdEvent> batch)
    {
        while (batch.Count < _options.BatchSize && _channel.Reader.TryRead(out var @event))
        {
            batch.Add(@event);
        }

        while (batch.Count < _options.BatchSize && _overflow.TryDequeue(out var spilled))
        {
            batch.Add(spilled);
        }
    }

    private async Task WriteAsync(List<AcdEvent> batch, CancellationToken cancellationToken)
    {
        var result = default(ReportingWriteResult);
        await RetryAsync($"write a batch of {batch.Count} events", async () => result = await _store.WriteAsync(batch, CancellationToken.None),
            cancellationToken);
        LogBatch(result.Events, result.Calls, result.Agents, result.Activities);
        Interlocked.Add(ref _processed, batch.Count);
        _summaryEvents += result.Events;
        _summaryBatches++;
        _summaryCalls += result.Calls;
        _summaryActivities += result.Activities;
        var now = _time.GetUtcNow();
        if (now - _lastSummary >= _options.ProgressLogInterval)
        {
            LogSummary(_summaryEvents, _summaryBatches, _summaryCalls, _summaryActivities, Pending);
            _summaryEvents = _summaryBatches = _summaryCalls = _summaryActivities = 0;
            _lastSummary = now;
        }

        SignalProgress();
    }

    /// <summary>Retries <paramref name="action"/> with exponential backoff until it succeeds or the token is cancelled.</summary>
    private async Task RetryAsync(string what, Func<Task> action, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await action();
                if (attempt > 1)
                {
                    LogRecovered(what, attempt);
                }

                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogRetry(ex, what, attempt, delay.TotalSeconds, Pending);
                await Task.Delay(delay, _time, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
        }
    }

    private async Task FinalFlushAsync(List<AcdEvent> batch)
    {
        using var timeout = new CancellationTokenSource(_options.ShutdownFlushTimeout);
        var flushed = 0L;
        try
        {
            if (!_schemaReady)
            {
                // Stopped before the store was ready (e.g. a very short run): prepare it now so pending events still land.
                await RetryAsync("prepare the reporting store", () => _store.EnsureSchemaAsync(timeout.Token), timeout.Token);
                _schemaReady = true;
            }

            for (var round = 0; round < 2; round++)
            {
                // Second round: after closing, catch anything appended while the first round ran.
                if (round == 1)
                {
                    _closed = true;
                }

                while (true)
                {
                    Drain(batch);
                    if (batch.Count == 0)
                    {
                        break;
                    }

                    await WriteAsync(batch, timeout.Token);
                    flushed += batch.Count;
                    batch.Clear();
                }
            }

            LogStopped(flushed);
        }
        catch (Exception ex)
        {
            _closed = true;
            Drain(batch);
            while (_channel.Reader.TryRead(out var e))
            {
                batch.Add(e);
            }

            while (_overflow.TryDequeue(out var e))
            {
                batch.Add(e);
            }

            LogLost(ex, batch.Count, _store.Description);
            foreach (var lost in batch)
            {
                LogLostEvent(lost);
            }

            Interlocked.Add(ref _processed, batch.Count);
            SignalProgress();
        }
    }

    private void CancelLinger()
    {
        try
        {
            _linger?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The writer finished that linger already.
        }
    }

    private void SignalProgress()
    {
        lock (_progressLock)
        {
            if (Interlocked.Read(ref _processed) >= Interlocked.Read(ref _appended))
            {
                _flushRequested = false;
            }

            _progress.TrySetResult();
            _progress = NewSignal();
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reporting writer started: {Store}, batches of up to {BatchSize} events every {FlushMs} ms")]
    private partial void LogStarted(string store, int batchSize, double flushMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reporting batch written: {Events} events -> {Calls} calls, {Agents} agents, {Activities} activities")]
    private partial void LogBatch(int events, int calls, int agents, int activities);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reporting progress: {Events} events in {Batches} batches ({Calls} call upserts, {Activities} activities); {Pending} pending")]
    private partial void LogSummary(long events, long batches, long calls, long activities, long pending);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reporting store: could not {What} (attempt {Attempt}); retrying in {DelaySeconds} s, {Pending} events pending, none dropped")]
    private partial void LogRetry(Exception exception, string what, int attempt, double delaySeconds, long pending);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reporting store: {What} succeeded after {Attempt} attempts")]
    private partial void LogRecovered(string what, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reporting channel full ({Capacity} events): spilling into the overflow queue ({Overflow} events); the database is not keeping up")]
    private partial void LogOverflow(int capacity, int overflow);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reporting writer stopped after flushing {Flushed} pending events")]
    private partial void LogStopped(long flushed);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Reporting writer stopped with {Count} events NOT written to {Store}; they are logged below")]
    private partial void LogLost(Exception exception, int count, string store);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Reporting event not written: {Event}")]
    private partial void LogLostEvent(AcdEvent @event);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reporting event {EventType} arrived after the writer stopped and was not written: {Event}")]
    private partial void LogAfterShutdown(string eventType, AcdEvent @event);
}

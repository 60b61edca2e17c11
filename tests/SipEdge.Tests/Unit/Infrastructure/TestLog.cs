using Xunit.Abstractions;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Acd.SipEdge.Tests.Unit.Infrastructure;

/// <summary>
/// The log of one test's edge: every line is kept (for assertions on what the edge reported) and written to the test's
/// output, so a failing test shows the edge's story next to the assertion.
/// </summary>
public sealed class TestLog(ITestOutputHelper? output, DateTimeOffset start, TimeProvider time) : ILoggerFactory, ILoggerProvider
{
    private volatile bool _closed;

    public ConcurrentQueue<(LogLevel Level, string Category, string Message)> Lines { get; } = new();

    public IEnumerable<string> At(LogLevel level) => Lines.Where(l => l.Level == level).Select(l => $"{l.Category}: {l.Message}");

    public bool Contains(string text) => Lines.Any(l => l.Message.Contains(text, StringComparison.Ordinal));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    /// <summary>After the test: xunit refuses output from a finished test.</summary>
    public void Close() => _closed = true;

    public void Dispose()
    {
    }

    private void Write(LogLevel level, string category, string message)
    {
        Lines.Enqueue((level, category, message));
        if (_closed || output is null)
        {
            return;
        }

        try
        {
            var at = (time.GetUtcNow() - start).TotalSeconds;
            output.WriteLine($"[{at,8:0.000}s] {level,-11} {category[(category.LastIndexOf('.') + 1)..]}: {message}");
        }
        catch (InvalidOperationException)
        {
            // The test finished while background work still logged.
        }
    }

    private sealed class Logger(TestLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            log.Write(logLevel, category, formatter(state, exception) + (exception is null ? "" : " " + exception.GetType().Name + ": " + exception.Message));
    }
}

using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Acd.Frontend.Observability;

/// <summary>
/// Keeps credentials that travel in URLs out of every log. Browsers cannot send headers on WebSockets and server-sent
/// events, so SignalR puts the bearer token in <c>?access_token=</c> and the connection token in <c>?id=</c>; ASP.NET
/// Core's request log ("Request starting ... /hubs/agent?id=...&amp;access_token=eyJ...", Information level) and
/// anything else that logs a URL would write them out. The redaction sits in the logger factory, so it holds for
/// every provider: console, OpenTelemetry, the Orleans dashboard's live log (/dashboard/Trace) and test captures.
/// </summary>
public static partial class LogRedaction
{
    public const string Redacted = "[redacted]";

    /// <summary>Wraps the host's logger factory; call after logging is set up (AddAcdFrontend does).</summary>
    public static IServiceCollection AddLogRedaction(this IServiceCollection services)
    {
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(sp => new RedactingLoggerFactory(new LoggerFactory(
            sp.GetServices<ILoggerProvider>(), sp.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
            sp.GetService<IOptions<LoggerFactoryOptions>>(), sp.GetService<IExternalScopeProvider>()))));
        return services;
    }

    /// <summary>Whether <paramref name="text"/> holds something <see cref="Redact"/> would change.</summary>
    public static bool NeedsRedaction(string text) =>
        text.Contains("eyJ", StringComparison.Ordinal) || (text.Contains('=', StringComparison.Ordinal) && Secret().IsMatch(text));

    /// <summary>Query values of credential names (access_token, id, token, ...), long token-like query values, JWTs anywhere.</summary>
    public static string Redact(string text)
    {
        var redacted = Secret().Replace(text, m => m.Groups["name"].Value + Redacted);
        return Jwt().Replace(redacted, Redacted);
    }

    // URL query parameters only ('?' or '&'): SIP header parameters (";branch=", ";tag=") are long by nature and no secret.
    [GeneratedRegex(@"(?<name>[?&](?:access_token|id|token|refresh_token|refreshToken|code|password|secret|key|sig|signature)=)[^&#\s""'<>]+|(?<name>[?&][A-Za-z0-9_.~-]+=)[A-Za-z0-9_~%.+/-]{32,}=*", RegexOptions.IgnoreCase)]
    private static partial Regex Secret();

    [GeneratedRegex(@"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}(\.[A-Za-z0-9_-]*){0,2}")]
    private static partial Regex Jwt();
}

internal sealed class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName),
        // SignalR's connection manager logs connections by their token ("Removing connection {TransportConnectionId}"), which
        // is what the id query value carries; the public connection id stays in the log scopes.
        categoryName.StartsWith("Microsoft.AspNetCore.Http.Connections", StringComparison.Ordinal) ? ["TransportConnectionId"] : []);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();
}

internal sealed class RedactingLogger(ILogger inner, string[] secretKeys) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull =>
        state is IReadOnlyList<KeyValuePair<string, object?>> values && RedactedState.Needs(values)
            ? inner.BeginScope(RedactedState.From(values, state.ToString() ?? string.Empty))
            : inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!inner.IsEnabled(logLevel))
        {
            return;
        }

        // Structured state: the message is made of its values, so clean values mean a clean message.
        if (state is IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            if (!RedactedState.Needs(values, secretKeys))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }

            var redacted = RedactedState.From(values, formatter(state, exception), secretKeys);
            inner.Log(logLevel, eventId, redacted, exception, static (s, _) => s.Message);
            return;
        }

        var message = formatter(state, exception);
        if (!LogRedaction.NeedsRedaction(message))
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
            return;
        }

        inner.Log(logLevel, eventId, RedactedState.From([], message), exception, static (s, _) => s.Message);
    }
}

/// <summary>A log state whose text values (and message) have had their secrets replaced.</summary>
internal sealed class RedactedState(IReadOnlyList<KeyValuePair<string, object?>> values, string message)
    : IReadOnlyList<KeyValuePair<string, object?>>
{
    public string Message { get; } = message;

    public int Count => values.Count;

    public KeyValuePair<string, object?> this[int index] => values[index];

    /// <param name="secretKeys">Keys whose values are secrets as a whole, whatever they look like.</param>
    public static bool Needs(IReadOnlyList<KeyValuePair<string, object?>> values, string[]? secretKeys = null)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (Text(values[i].Value) is { } text && (LogRedaction.NeedsRedaction(text) || IsSecret(values[i].Key, secretKeys)))
            {
                return true;
            }
        }

        return false;
    }

    public static RedactedState From(IReadOnlyList<KeyValuePair<string, object?>> values, string message, string[]? secretKeys = null)
    {
        var redacted = new List<KeyValuePair<string, object?>>(values.Count);
        foreach (var value in values)
        {
            if (Text(value.Value) is not { Length: > 0 } text)
            {
                redacted.Add(value);
            }
            else if (IsSecret(value.Key, secretKeys))
            {
                if (text.Length >= 8)
                {
                    message = message.Replace(text, LogRedaction.Redacted, StringComparison.Ordinal);
                }

                redacted.Add(new KeyValuePair<string, object?>(value.Key, LogRedaction.Redacted));
            }
            else
            {
                redacted.Add(LogRedaction.NeedsRedaction(text) ? new KeyValuePair<string, object?>(value.Key, LogRedaction.Redact(text)) : value);
            }
        }

        return new RedactedState(redacted, LogRedaction.Redact(message));
    }

    private static bool IsSecret(string key, string[]? secretKeys) => secretKeys is { Length: > 0 } && secretKeys.Contains(key, StringComparer.Ordinal);

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => Message;

    /// <summary>Strings and things that print as text (QueryString, PathString, Uri); not numbers and the like.</summary>
    private static string? Text(object? value) => value switch
    {
        null or bool or Enum or IFormattable and not Uri => null,
        string s => s,
        _ => value.ToString(),
    };
}

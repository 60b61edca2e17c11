using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Acd.Frontend.Hosting;
using Acd.Frontend.Hubs;
using Acd.Frontend.Observability;
using Acd.Frontend.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Acd.Frontend.Tests;

/// <summary>Bearer tokens and connection tokens travel in hub URLs; the host's logs must never carry them.</summary>
public sealed partial class LogRedactionTests(ITestOutputHelper output)
{
    [Fact]
    public void Credentials_in_query_strings_and_jwts_are_redacted_and_the_rest_is_kept()
    {
        const string jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudC0xIn0.c2lnbmF0dXJlLWJ5dGVz";
        var line = $"Request starting HTTP/1.1 GET http://acd:8080/hubs/agent?id=Zm9vYmFyYmF6cXV4&access_token={jwt} - - -";
        Assert.Equal("Request starting HTTP/1.1 GET http://acd:8080/hubs/agent?id=[redacted]&access_token=[redacted] - - -", LogRedaction.Redact(line));
        Assert.Equal("GET /sip?token=[redacted]&x=1", LogRedaction.Redact("GET /sip?token=abc&x=1"));
        Assert.Equal("GET /api?session=[redacted]", LogRedaction.Redact("GET /api?session=" + new string('a', 40)));
        Assert.Equal("Bearer [redacted]", LogRedaction.Redact("Bearer " + jwt));
        const string sip = "Via: SIP/2.0/WSS edge.invalid;branch=z9hG4bK0123456789abcdef0123456789abcdef;rport";
        Assert.Equal(sip, LogRedaction.Redact(sip));
        const string plain = "GET /api/v1/calls?page=2&pageSize=50&agentId=agent-7";
        Assert.False(LogRedaction.NeedsRedaction(plain));
        Assert.Equal(plain, LogRedaction.Redact(plain));
    }

    [Fact]
    public async Task A_run_with_hub_connections_on_every_transport_logs_no_token()
    {
        var capture = new CapturingLoggerProvider();
        await using var host = await AcdHost.StartAsync(new Dictionary<string, string?>
        {
            // The request log at its chattiest: what an operator turning on diagnostics would get.
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Debug",
            ["Logging:LogLevel:Microsoft.AspNetCore.Http.Connections"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore.SignalR"] = "Trace",
        }, configure: builder => builder.Logging.AddProvider(capture));
        using var admin = await host.AdminAsync();
        const string queueId = "log-q";
        const string agentId = "log-agent";
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("api/v1/queues", new { id = queueId, name = "Logs" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("api/v1/agents",
            new { id = agentId, name = "Log Agent", password = "agent-pass-1", queues = new[] { queueId } })).StatusCode);
        var token = (await host.LoginAsync(agentId, "agent-pass-1")).AccessToken;
        var connectionTokens = new List<string>();
        foreach (var transport in new[] { HttpTransportType.WebSockets, HttpTransportType.ServerSentEvents, HttpTransportType.LongPolling })
        {
            var negotiate = new NegotiateCapture();
            await using var hub = new HubConnectionBuilder()
                .WithUrl(new Uri(host.BaseAddress, "hubs/agent"), transport, o =>
                {
                    o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                    o.HttpMessageHandlerFactory = inner => negotiate.Wrap(inner);
                })
                .AddJsonProtocol(o => FrontendExtensions.Configure(o.PayloadSerializerOptions))
                .Build();
            await hub.StartAsync();
            Assert.Equal(agentId, (await hub.InvokeAsync<AgentDesktopSnapshot>("GetSnapshot")).Agent.Id);
            connectionTokens.Add(await negotiate.Token.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        // As browsers send it (they cannot set headers on WebSockets and event streams), then on other paths too: the
        // API, the SIP WebSocket path and the dashboard.
        using var anonymous = host.Client();
        var negotiated = await anonymous.PostAsync($"hubs/agent/negotiate?negotiateVersion=1&access_token={token}", null);
        Assert.Equal(HttpStatusCode.OK, negotiated.StatusCode);
        var browserId = (await HostFixture.JsonAsync(negotiated)).GetProperty("connectionToken").GetString()!;
        connectionTokens.Add(browserId);
        await anonymous.DeleteAsync($"hubs/agent?id={browserId}&access_token={token}");
        await anonymous.GetAsync($"api/v1/queues/{queueId}?access_token={token}");
        await anonymous.GetAsync($"sip?access_token={token}");
        await anonymous.GetAsync($"dashboard/?access_token={token}");
        await host.App.StopAsync();

        var lines = capture.Lines.ToList();
        output.WriteLine($"{lines.Count} log lines captured");
        Assert.Contains(lines, l => l.Contains("Request starting", StringComparison.Ordinal) && l.Contains("/hubs/agent", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("access_token=[redacted]", StringComparison.Ordinal));
        var leaks = lines.Where(l => l.Contains("eyJ", StringComparison.Ordinal) || AccessTokenValue().IsMatch(l)
            || connectionTokens.Any(t => l.Contains(t, StringComparison.Ordinal))).ToList();
        Assert.True(leaks.Count == 0, "tokens in the log:" + Environment.NewLine + string.Join(Environment.NewLine, leaks.Take(5)));
    }

    [GeneratedRegex(@"access_token=(?!\[redacted\])")]
    private static partial Regex AccessTokenValue();

    /// <summary>Everything a provider gets: the formatted message, each structured value, the scopes and the exception.</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider? _scopes;

        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var parts = new List<string> { category, formatter(state, exception) };
                if (state is IEnumerable<KeyValuePair<string, object?>> values)
                {
                    parts.AddRange(values.Select(v => $"{v.Key}={v.Value}"));
                }

                provider._scopes?.ForEachScope((scope, list) => list.Add(scope?.ToString() ?? string.Empty), parts);
                if (exception is not null)
                {
                    parts.Add(exception.ToString());
                }

                provider.Lines.Enqueue(string.Join(" | ", parts));
            }
        }
    }
}

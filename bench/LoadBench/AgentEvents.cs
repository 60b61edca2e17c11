using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Acd.LoadBench;

public sealed record EventLatency(int Clients, int Connected, int Changes, Percentiles Latency, double Seconds);

/// <summary>
/// Agent desktops: one SignalR connection to /hubs/agent per agent, each with that agent's own token. The latency of an
/// AgentState push is its arrival time minus the agent's StateSince, the grain's own transition time (same host clock).
/// </summary>
public static class AgentEvents
{
    public static async Task<EventLatency> MeasureAsync(Product product, IReadOnlyList<string> agents, int changesPerSecond, int seconds)
    {
        var samples = new ConcurrentBag<double>();
        var connections = new ConcurrentBag<HubConnection>();
        var watching = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        try
        {
            // Sign-in and connect in parallel, bounded: this is the product's login path too (PBKDF2, session grain).
            await Parallel.ForEachAsync(agents, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, ct) =>
            {
                var token = await product.TokenAsync(id, Product.AgentPassword);
                var hub = new HubConnectionBuilder()
                    .WithUrl(new Uri(product.BaseAddress, "hubs/agent"), o =>
                    {
                        o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                        o.Transports = HttpTransportType.WebSockets;
                        o.SkipNegotiation = true;
                    })
                    .Build();
                hub.ServerTimeout = TimeSpan.FromMinutes(2);
                hub.On<JsonElement>("AgentState", view =>
                {
                    var receivedAt = DateTimeOffset.UtcNow;
                    // Only the changes this probe asked for: the first push after each command.
                    if (view.GetProperty("id").GetString() is { } agent && watching.TryRemove(agent, out var expected)
                        && view.GetProperty("status").GetString() == expected)
                    {
                        samples.Add((receivedAt - view.GetProperty("stateSince").GetDateTimeOffset()).TotalMilliseconds);
                    }
                });
                connections.Add(hub);
                await hub.StartAsync(ct);
            });

            // Alternate Not Ready and Ready over the connected agents at a fixed rate, each change from the API.
            var changes = changesPerSecond * seconds;
            var started = DateTime.UtcNow;
            var tasks = new List<Task>();
            for (var i = 0; i < changes; i++)
            {
                var due = started.AddSeconds((double)i / changesPerSecond);
                if (due > DateTime.UtcNow)
                {
                    await Task.Delay(due - DateTime.UtcNow);
                }

                var id = agents[i % agents.Count];
                var ready = i / agents.Count % 2 == 1;
                watching[id] = ready ? "ready" : "notReady";
                tasks.Add(ready
                    ? product.Http.PostAsync($"api/v1/agents/{id}/ready", null)
                    : product.Http.PostAsync($"api/v1/agents/{id}/not-ready", JsonContent("{\"reason\":\"break\"}")));
            }

            await Task.WhenAll(tasks);
            var elapsed = (DateTime.UtcNow - started).TotalSeconds;
            await Task.Delay(1000);
            return new EventLatency(agents.Count, connections.Count(c => c.State == HubConnectionState.Connected), changes,
                Percentiles.From([.. samples]), elapsed);
        }
        finally
        {
            await Parallel.ForEachAsync(connections, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (c, _) => await c.DisposeAsync());
        }
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}

using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Acd.Frontend.Hubs;

/// <summary>The open hub connections of this frontend (agents and supervisors), so a stopping host can hand them off.</summary>
public sealed class HubConnections
{
    private readonly ConcurrentDictionary<string, HubConnectionContext> _open = new(StringComparer.Ordinal);

    public int Count => _open.Count;

    public void Add(HubConnectionContext connection) => _open[connection.ConnectionId] = connection;

    public void Remove(HubConnectionContext connection) => _open.TryRemove(connection.ConnectionId, out _);

    /// <summary>
    /// Sends every connection SignalR's close message with allowReconnect and drops it: clients built with
    /// withAutomaticReconnect() reconnect at once, through the load balancer, to a frontend that is not stopping.
    /// Nothing about the agent lives here (state is in the grains), so the new frontend's snapshot is the same.
    /// (A plain Abort may reach the client as an ordinary close, which clients do not retry.)
    /// </summary>
    public async Task<int> HandOffAllAsync()
    {
        var connections = _open.Values.ToList();
        await Task.WhenAll(connections.Select(async connection =>
        {
            try
            {
                await connection.WriteAsync(new CloseMessage(error: null, allowReconnect: true)).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The client is gone or slow: dropping the connection below is all it needs.
            }

            connection.Abort();
        }));
        return connections.Count;
    }
}

/// <summary>
/// SignalR's default lifetime manager, also keeping <see cref="HubConnections"/> up to date for the drain and
/// <see cref="HubConnectionBindings"/> for as long as a connection lives.
/// </summary>
public sealed class DrainingHubLifetimeManager<THub>(ILogger<DefaultHubLifetimeManager<THub>> logger, HubConnections connections,
    HubConnectionBindings bindings)
    : DefaultHubLifetimeManager<THub>(logger) where THub : Hub
{
    public override Task OnConnectedAsync(HubConnectionContext connection)
    {
        connections.Add(connection);
        bindings.Started(connection.ConnectionId);
        return base.OnConnectedAsync(connection);
    }

    public override Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        connections.Remove(connection);
        bindings.Ended(connection.ConnectionId);
        return base.OnDisconnectedAsync(connection);
    }
}

/// <summary>
/// Graceful stop of a frontend: as soon as the host starts stopping, new hub connections are refused (503, so a
/// reconnecting browser's next attempt lands on another pod) and open ones are told to reconnect; StopAsync waits a
/// moment for them to go so their Orleans subscriptions are released cleanly.
/// </summary>
public sealed partial class HubDrainService(HubConnections connections, IHostApplicationLifetime lifetime, ILogger<HubDrainService> logger)
    : IHostedService
{
    private static readonly TimeSpan DrainWait = TimeSpan.FromSeconds(5);

    private CancellationTokenRegistration _registration;
    private Task _handOff = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // ApplicationStopping fires before any hosted service (the web server included) is stopped.
        _registration = lifetime.ApplicationStopping.Register(() => _handOff = HandOffAsync());
        return Task.CompletedTask;
    }

    private async Task HandOffAsync() => LogDraining(logger, await connections.HandOffAllAsync());

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _registration.DisposeAsync();
        await _handOff.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var deadline = DateTime.UtcNow + DrainWait;
        while (connections.Count > 0 && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(50, CancellationToken.None);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: told {Count} SignalR connections to reconnect to another frontend")]
    private static partial void LogDraining(ILogger logger, int count);
}

public static class HubDrainExtensions
{
    /// <summary>Refuses new SignalR connections (negotiate and WebSocket upgrade under /hubs) once the host is stopping.</summary>
    public static IApplicationBuilder UseHubDrain(this IApplicationBuilder app)
    {
        var lifetime = app.ApplicationServices.GetRequiredService<IHostApplicationLifetime>();
        return app.Use(async (context, next) =>
        {
            if (lifetime.ApplicationStopping.IsCancellationRequested && context.Request.Path.StartsWithSegments("/hubs"))
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = "1";
                return;
            }

            await next(context);
        });
    }
}

using System.Collections.Concurrent;
using System.Text.Json;
using Acd.Frontend.Auth;

namespace Acd.Frontend.Hubs;

/// <summary>
/// Which user negotiated each SignalR connection of this frontend, by connection token (the <c>id</c> query value of
/// every later request of that connection).
/// </summary>
/// <remarks>
/// ASP.NET Core's connection dispatcher does not hold a connection to its user: a long-polling GET takes over the
/// connection's user from whoever polls (it only logs when a ClaimTypes.NameIdentifier changes, a claim these tokens do
/// not carry), and the POSTs that carry invocations on long polling and server-sent events are not checked at all.
/// WebSockets looked safe only because their transport cannot be attached twice and refuses POSTs. So any signed-in
/// user holding another's connection token could read that connection's pushes and invoke hub methods as its owner.
/// </remarks>
public sealed class HubConnectionBindings(TimeProvider time)
{
    /// <summary>A negotiated connection nobody started within this is forgotten (the dispatcher drops it far sooner).</summary>
    public static readonly TimeSpan UnusedLifetime = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<string, Binding> _byToken = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _tokenById = new(StringComparer.Ordinal);
    private long _nextPruneTicks;

    public int Count => _byToken.Count;

    public void Bind(string connectionToken, string connectionId, string user)
    {
        var now = time.GetUtcNow();
        _byToken[connectionToken] = new Binding(user, connectionId, now);
        _tokenById[connectionId] = connectionToken;
        PruneUnused(now);
    }

    /// <summary>True: no binding or the same user. False: the token is bound to someone else. Null: unknown token.</summary>
    public bool? IsOwner(string connectionToken, string user) =>
        _byToken.TryGetValue(connectionToken, out var binding) ? string.Equals(binding.User, user, StringComparison.Ordinal) : null;

    public void Started(string connectionId)
    {
        if (_tokenById.TryGetValue(connectionId, out var token) && _byToken.TryGetValue(token, out var binding))
        {
            binding.Started = true;
        }
    }

    public void Ended(string connectionId)
    {
        if (_tokenById.TryRemove(connectionId, out var token))
        {
            _byToken.TryRemove(token, out _);
        }
    }

    private void PruneUnused(DateTimeOffset now)
    {
        var due = Interlocked.Read(ref _nextPruneTicks);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextPruneTicks, now.UtcTicks + TimeSpan.TicksPerMinute / 2, due) != due)
        {
            return;
        }

        foreach (var (token, binding) in _byToken)
        {
            if (!binding.Started && now - binding.NegotiatedAt > UnusedLifetime && _byToken.TryRemove(token, out _))
            {
                _tokenById.TryRemove(binding.ConnectionId, out _);
            }
        }
    }

    private sealed class Binding(string user, string connectionId, DateTimeOffset negotiatedAt)
    {
        public string User { get; } = user;

        public string ConnectionId { get; } = connectionId;

        public DateTimeOffset NegotiatedAt { get; } = negotiatedAt;

        public volatile bool Started;
    }
}

public static class HubConnectionBindingExtensions
{
    /// <summary>
    /// On the hub paths: remembers the user of each negotiate and refuses (403) any later request on that connection
    /// from another user, on every transport; a connection token this frontend never handed out is 404 here already.
    /// Runs after authentication and authorization, so the user is the one the hub would see.
    /// </summary>
    public static IApplicationBuilder UseHubConnectionBinding(this IApplicationBuilder app, PathString hubs)
    {
        var bindings = app.ApplicationServices.GetRequiredService<HubConnectionBindings>();
        return app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments(hubs))
            {
                await next(context);
                return;
            }

            var user = UserKey(context);
            if (context.Request.Path.Value!.EndsWith("/negotiate", StringComparison.Ordinal))
            {
                await NegotiateAsync(context, next, bindings, user);
                return;
            }

            if (context.Request.Query["id"] is { Count: > 0 } id)
            {
                var owner = bindings.IsOwner(id.ToString(), user);
                if (owner != true)
                {
                    await Refuse(context, owner is null).ExecuteAsync(context);
                    return;
                }
            }

            await next(context);
        });
    }

    private static IResult Refuse(HttpContext context, bool unknown)
    {
        // Long polling and server-sent events expect text; a problem+json body is still readable by people and tools.
        context.Response.Headers.CacheControl = "no-store";
        return unknown
            ? TypedResults.Problem(detail: "No connection with that id.", statusCode: StatusCodes.Status404NotFound, title: "Not found")
            : TypedResults.Problem(detail: "This connection belongs to another user.", statusCode: StatusCodes.Status403Forbidden,
                title: "Forbidden");
    }

    private static async Task NegotiateAsync(HttpContext context, RequestDelegate next, HubConnectionBindings bindings, string user)
    {
        var original = context.Response.Body;
        await using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }

        if (context.Response.StatusCode == StatusCodes.Status200OK && buffer.Length > 0)
        {
            var (connectionId, token) = Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            if (connectionId is not null)
            {
                // Negotiate version 0 has no separate token: the connection id is used in its place.
                bindings.Bind(token ?? connectionId, connectionId, user);
            }
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }

    private static (string? ConnectionId, string? Token) Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            return (root.TryGetProperty("connectionId", out var id) ? id.GetString() : null,
                root.TryGetProperty("connectionToken", out var token) ? token.GetString() : null);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    /// <summary>The account name; "" for an anonymous caller (the hubs let none in).</summary>
    private static string UserKey(HttpContext context) => context.User.Username() ?? string.Empty;
}

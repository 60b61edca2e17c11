using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Acd.ThreeCx.Tests.StandIn;

/// <summary>A 3CX v20 Call Control API on Kestrel (127.0.0.1, a free port): token endpoint, /callcontrol REST and websocket.</summary>
public sealed class StandInServer : IAsyncDisposable
{
    public const string RoutePoint = "800";
    public const string ClientSecret = "s3cret-value";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<WebSocket, Channel<string>> _sockets = new();
    private long _sequence;
    private int _snapshots;
    private int _socketConnections;

    private StandInServer(TimeProvider time)
    {
        Tokens = new StandInTokens(time);
        Pbx = new StandInPbx(time);
        Tokens.AddClient(RoutePoint, ClientSecret);
        Pbx.AddDn(RoutePoint, "Wroutepoint");
        Pbx.AddDn("101", "Wextension", "sip:101@192.0.2.5:5060");
        Pbx.AddDn("102", "Wextension", "sip:102@192.0.2.6:5060");
        Pbx.Event += Broadcast;

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.UseWebSockets();
        Map(_app);
    }

    public StandInTokens Tokens { get; }

    public StandInPbx Pbx { get; }

    public string BaseUrl { get; private set; } = "";

    public int SnapshotRequests => Volatile.Read(ref _snapshots);

    /// <summary>Websocket upgrades accepted so far.</summary>
    public int SocketConnections => Volatile.Read(ref _socketConnections);

    public int OpenSockets => _sockets.Count;

    public static async Task<StandInServer> StartAsync(TimeProvider time)
    {
        var server = new StandInServer(time);
        await server._app.StartAsync();
        server.BaseUrl = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    /// <summary>Cuts every event socket without a close handshake, as a network failure would.</summary>
    public void DropSockets()
    {
        foreach (var socket in _sockets.Keys)
        {
            _sockets.TryRemove(socket, out _);
            socket.Abort();
        }
    }

    private void Broadcast(int eventType, string entity, JsonObject? attachedData)
    {
        var message = new JsonObject
        {
            ["sequence"] = Interlocked.Increment(ref _sequence),
            ["event"] = new JsonObject { ["event_type"] = eventType, ["entity"] = entity, ["attached_data"] = attachedData?.DeepClone() },
        }.ToJsonString();
        foreach (var queue in _sockets.Values)
        {
            queue.Writer.TryWrite(message);
        }
    }

    private void Map(WebApplication app)
    {
        app.MapPost("/connect/token", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            var (status, body) = await Tokens.IssueAsync(form["client_id"], form["client_secret"], form["grant_type"]);
            return Results.Json(body, statusCode: status);
        });

        var api = app.MapGroup("/callcontrol").AddEndpointFilter(async (context, next) =>
            Tokens.IsValid(Bearer(context.HttpContext.Request)) ? await next(context) : Results.StatusCode(401));

        api.MapGet("/", () =>
        {
            Interlocked.Increment(ref _snapshots);
            return Json(Pbx.Snapshot());
        });
        api.MapGet("/{dn}", (string dn) => Json(Pbx.Dn(dn)));
        api.MapGet("/{dn}/devices", (string dn) => Json(Pbx.Devices(dn)));
        api.MapGet("/{dn}/participants", (string dn) => Json(Pbx.Participants(dn)));
        api.MapGet("/{dn}/participants/{id:int}", (string dn, int id) => Json(Pbx.Participant(dn, id)));
        api.MapPost("/{dn}/participants/{id:int}/{action}", async (string dn, int id, string action, HttpRequest request) =>
        {
            var (status, body) = await Pbx.ActAsync(dn, id, action, await ReadJsonAsync(request));
            return Results.Text(body.ToJsonString(), "application/json", statusCode: status);
        });
        api.MapPost("/{dn}/makecall", async (string dn, HttpRequest request) => Act(Pbx.MakeCall(dn, null, await ReadJsonAsync(request))));
        api.MapPost("/{dn}/devices/{deviceId}/makecall", async (string dn, string deviceId, HttpRequest request) =>
            Act(Pbx.MakeCall(dn, Uri.UnescapeDataString(deviceId), await ReadJsonAsync(request))));

        api.MapGet("/{dn}/participants/{id:int}/stream", async (string dn, int id, HttpResponse response) =>
        {
            if (!Pbx.Exists(dn, id))
            {
                response.StatusCode = 404;
                return;
            }

            response.ContentType = "application/octet-stream";
            await response.Body.WriteAsync(Pbx.CallerAudio.GetValueOrDefault(id, []));
        });
        api.MapPost("/{dn}/participants/{id:int}/stream", async (string dn, int id, HttpRequest request) =>
        {
            if (!Pbx.Exists(dn, id))
            {
                return Results.StatusCode(404);
            }

            var received = Pbx.ReceivedAudio.GetOrAdd(id, _ => new MemoryStream());
            var buffer = new byte[4096];
            int read;
            while ((read = await request.Body.ReadAsync(buffer)) > 0)
            {
                lock (received)
                {
                    received.Write(buffer, 0, read);
                }
            }

            byte[] all;
            lock (received)
            {
                all = received.ToArray();
            }

            Pbx.UploadsCompleted.GetOrAdd(id, _ => new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(all);
            return Results.Ok();
        });

        api.MapGet("/ws", async (HttpContext context) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                return Results.StatusCode(400);
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            Interlocked.Increment(ref _socketConnections);
            var queue = Channel.CreateUnbounded<string>();
            _sockets[socket] = queue;
            var sender = SendLoopAsync(socket, queue.Reader);
            var buffer = new byte[1024];
            try
            {
                // Reading is what answers the client's ping frames; the API has no messages the stand-in needs from it.
                while (socket.State == WebSocketState.Open)
                {
                    var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
            {
            }
            finally
            {
                _sockets.TryRemove(socket, out _);
                queue.Writer.TryComplete();
            }

            await sender;
            return Results.Empty;
        });
    }

    private static async Task SendLoopAsync(WebSocket socket, ChannelReader<string> reader)
    {
        try
        {
            await foreach (var message in reader.ReadAllAsync())
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static string? Bearer(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..] : null;
    }

    private static IResult Json(JsonNode? node) =>
        node is null ? Results.StatusCode(404) : Results.Text(node.ToJsonString(), "application/json");

    private static IResult Act((int Status, JsonObject Body) result) =>
        Results.Text(result.Body.ToJsonString(), "application/json", statusCode: result.Status);

    private static async Task<JsonObject?> ReadJsonAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync();
        return text.Length == 0 ? null : JsonNode.Parse(text) as JsonObject;
    }

    public async ValueTask DisposeAsync()
    {
        DropSockets();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

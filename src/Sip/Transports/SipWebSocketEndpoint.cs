using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Acd.Sip.Transports;

/// <summary>SIP over WebSocket (RFC 7118) served by ASP.NET Core.</summary>
public static class SipWebSocketEndpointExtensions
{
    /// <summary>
    /// Serves SIP over WebSocket at <paramref name="pattern"/> with subprotocol "sip". Each WebSocket
    /// message carries exactly one SIP message; the connection becomes a flow the stack can send
    /// requests on later (a registered browser is reachable through it). Requires app.UseWebSockets().
    /// </summary>
    public static IEndpointConventionBuilder MapSipWebSocket(this IEndpointRouteBuilder endpoints, string pattern, SipStack stack) =>
        endpoints.Map(pattern, context => stack.AcceptWebSocketAsync(context));
}

internal sealed class WebSocketConnection(long flowId, SipTransportKind kind, IPEndPoint local, IPEndPoint remote, WebSocket socket)
    : SipConnection(flowId, kind, local, remote)
{
    private readonly SemaphoreSlim _write = new(1, 1);

    public WebSocket Socket => socket;

    public override async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await _write.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // RFC 7118 5: text frames when the message is UTF-8, which is what browser stacks expect.
            await socket.SendAsync(data, WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _write.Release();
        }
    }

    public override void Close() => socket.Abort();
}

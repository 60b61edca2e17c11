using System.Net;
using System.Net.WebSockets;
using System.Text;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Parsing;
using Acd.Sip.Transports;
using Acd.Sip.Uris;
using Acd.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Acd.Sip.Tests;

/// <summary>Real sockets on 127.0.0.1: WebSocket through ASP.NET Core, TCP and TLS flow reuse.</summary>
public sealed class TransportTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task WebSocket_registration_flow_is_reused_for_requests_to_the_browser()
    {
        await using var stack = new SipStack();
        long? registeredFlow = null;
        _ = new SipUserAgent(stack, new TestUaHandler
        {
            Request = (tx, _) =>
            {
                registeredFlow = tx.Source.FlowId;
                tx.Respond(tx.CreateResponse(200));
                return Task.CompletedTask;
            },
        });
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.UseWebSockets();
        app.MapSipWebSocket("/sip", stack);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        using var ws = new ClientWebSocket();
        ws.Options.AddSubProtocol("sip");
        await ws.ConnectAsync(new Uri(address.Replace("http", "ws") + "/sip"), CancellationToken.None);
        Assert.Equal("sip", ws.SubProtocol);

        var register = "REGISTER sip:acd.invalid SIP/2.0\r\nVia: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKws1\r\nMax-Forwards: 70\r\n" +
                       "From: <sip:1001@acd.invalid>;tag=w1\r\nTo: <sip:1001@acd.invalid>\r\nCall-ID: ws-reg-1\r\nCSeq: 1 REGISTER\r\n" +
                       "Contact: <sip:h7kjh12s@df7jal23ls0d.invalid;transport=ws>\r\nContent-Length: 0\r\n\r\n";
        await ws.SendAsync(Encoding.UTF8.GetBytes(register), WebSocketMessageType.Text, true, CancellationToken.None);
        var ok = await ReceiveAsync(ws);
        Assert.Equal(200, ((SipResponse)ok).StatusCode);
        Assert.NotNull(registeredFlow);
        Assert.True(stack.IsFlowAlive(registeredFlow!.Value));

        // The edge later reaches the browser over the stored flow, whatever its Contact says.
        var options = new SipRequest(SipMethods.Options, SipUri.Parse("sip:h7kjh12s@df7jal23ls0d.invalid;transport=ws"));
        options.Headers.Add(SipHeaderNames.From, "<sip:acd@acd.invalid>;tag=s1");
        options.Headers.Add(SipHeaderNames.To, "<sip:1001@acd.invalid>");
        options.Headers.Add(SipHeaderNames.CallId, "ws-opt-1");
        options.Headers.Add(SipHeaderNames.CSeq, "1 OPTIONS");
        var conn = stack.GetFlow(registeredFlow.Value)!;
        var tx = stack.SendRequest(options, new SipTarget(SipTransportKind.Ws, conn.Remote, registeredFlow.Value));
        var received = (SipRequest)await ReceiveAsync(ws);
        Assert.Equal("OPTIONS", received.Method);
        Assert.Equal("WS", received.TopVia!.Transport);
        var reply = SipResponse.Create(received, 200);
        await ws.SendAsync(reply.ToBytes(), WebSocketMessageType.Text, true, CancellationToken.None);
        var final = await tx.FinalResponse.WaitAsync(Wait);
        Assert.Equal(200, final.StatusCode);

        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        var deadline = DateTime.UtcNow + Wait;
        while (stack.IsFlowAlive(registeredFlow.Value) && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.False(stack.IsFlowAlive(registeredFlow.Value));
        await app.StopAsync();
    }

    [Fact]
    public async Task Browser_style_call_over_websocket_is_answered_and_hung_up_on_the_same_flow()
    {
        await using var stack = new SipStack();
        var ua = new SipUserAgent(stack, new TestUaHandler { IncomingCall = c => { c.Answer("v=0\r\n"); return Task.CompletedTask; } });
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.UseWebSockets();
        app.MapSipWebSocket("/sip", stack);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var ws = new ClientWebSocket();
        ws.Options.AddSubProtocol("sip");
        await ws.ConnectAsync(new Uri(address.Replace("http", "ws") + "/sip"), CancellationToken.None);

        var invite = "INVITE sip:queue@acd.invalid SIP/2.0\r\nVia: SIP/2.0/WSS b.invalid;branch=z9hG4bKwsinv\r\nMax-Forwards: 70\r\n" +
                     "From: <sip:1001@acd.invalid>;tag=b1\r\nTo: <sip:queue@acd.invalid>\r\nCall-ID: ws-call-1\r\nCSeq: 1 INVITE\r\n" +
                     "Contact: <sip:1001@b.invalid;transport=ws>\r\nContent-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n";
        await ws.SendAsync(Encoding.UTF8.GetBytes(invite), WebSocketMessageType.Text, true, CancellationToken.None);
        SipResponse ok;
        do ok = (SipResponse)await ReceiveAsync(ws); while (ok.StatusCode < 200);
        Assert.Equal(200, ok.StatusCode);
        Assert.Contains("transport=ws", ok.Headers[SipHeaderNames.Contact]);
        var ack = $"ACK sip:queue@acd.invalid SIP/2.0\r\nVia: SIP/2.0/WSS b.invalid;branch=z9hG4bKwsack\r\nMax-Forwards: 70\r\n" +
                  $"From: <sip:1001@acd.invalid>;tag=b1\r\nTo: {ok.Headers[SipHeaderNames.To]}\r\nCall-ID: ws-call-1\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n";
        await ws.SendAsync(Encoding.UTF8.GetBytes(ack), WebSocketMessageType.Text, true, CancellationToken.None);

        var dialog = Assert.Single(ua.Dialogs);
        var byeTask = ua.ByeAsync(dialog);
        var bye = (SipRequest)await ReceiveAsync(ws);
        Assert.Equal("BYE", bye.Method);
        Assert.Equal("b1", bye.To!.Tag);
        await ws.SendAsync(SipResponse.Create(bye, 200).ToBytes(), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal(200, (await byeTask.WaitAsync(Wait)).StatusCode);
        Assert.Empty(ua.Dialogs);
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        await app.StopAsync();
    }

    private static async Task<SipMessage> ReceiveAsync(ClientWebSocket ws)
    {
        var buffer = new byte[65536];
        using var cts = new CancellationTokenSource(Wait);
        var r = await ws.ReceiveAsync(buffer, cts.Token);
        var parsed = SipParser.Parse(buffer.AsSpan(0, r.Count));
        Assert.True(parsed.Success, parsed.ToString());
        return parsed.Message!;
    }

    [Fact]
    public async Task WebSocket_without_sip_subprotocol_is_refused()
    {
        await using var stack = new SipStack();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.UseWebSockets();
        app.MapSipWebSocket("/sip", stack);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var ws = new ClientWebSocket();
        await Assert.ThrowsAnyAsync<WebSocketException>(() => ws.ConnectAsync(new Uri(address.Replace("http", "ws") + "/sip"), CancellationToken.None));
        await app.StopAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Tcp_and_tls_calls_reuse_one_connection_both_ways(bool tls)
    {
        using var certs = TestCertificates.Create();
        await using var a = new SipStack();
        await using var b = new SipStack();
        var tlsOptions = new SipTlsOptions { ServerCertificate = certs.Server, TrustedAuthorities = [certs.Authority] };
        ISipTransport ta = tls ? a.AddTls(new IPEndPoint(IPAddress.Loopback, 0), tlsOptions) : a.AddTcp(new IPEndPoint(IPAddress.Loopback, 0));
        ISipTransport tb = tls ? b.AddTls(new IPEndPoint(IPAddress.Loopback, 0), tlsOptions) : b.AddTcp(new IPEndPoint(IPAddress.Loopback, 0));
        await a.StartAsync();
        await b.StartAsync();
        var uaA = new SipUserAgent(a);
        var uaB = new SipUserAgent(b, new TestUaHandler { IncomingCall = c => { c.Answer("v=0\r\n"); return Task.CompletedTask; } });
        var kind = tls ? SipTransportKind.Tls : SipTransportKind.Tcp;
        var uri = SipUri.Parse($"{(tls ? "sips" : "sip")}:b@127.0.0.1:{tb.LocalEndPoint.Port};transport={(tls ? "tls" : "tcp")}");
        var call = await uaA.InviteAsync(uri, new SipNameAddress(SipUri.Parse("sip:a@127.0.0.1")), new SipNameAddress(uri), "v=0\r\n",
            new SipTarget(kind, tb.LocalEndPoint)).WaitAsync(Wait);
        Assert.True(call.Success);
        var dialogB = Assert.Single(uaB.Dialogs);
        Assert.NotNull(dialogB.Flow);
        // B hangs up over the connection A opened (no new connection to A's listener).
        var bye = await uaB.ByeAsync(dialogB).WaitAsync(Wait);
        Assert.Equal(200, bye.StatusCode);
        Assert.Empty(uaA.Dialogs);
        Assert.Equal(1, ((StreamSipTransport)tb).ConnectionCount);
    }
}

public sealed class ConfiguredListenerTests
{
    [Fact]
    public async Task Listeners_from_configuration_open_udp_tcp_and_tls()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"sip-{Guid.NewGuid():N}");
        using var certs = TestCertificates.Create();
        var pfx = certs.WritePfx(folder, "pw");
        await using var stack = new SipStack(new SipStackOptions
        {
            Listeners =
            [
                new SipListenerOptions { Transport = "udp", Address = "127.0.0.1", Port = 0 },
                new SipListenerOptions { Transport = "tcp", Address = "127.0.0.1", Port = 0 },
                new SipListenerOptions { Transport = "tls", Address = "127.0.0.1", Port = 0, CertificatePath = pfx, CertificatePassword = "pw" },
            ],
        });
        await stack.StartAsync();
        Assert.Equal([SipTransportKind.Udp, SipTransportKind.Tcp, SipTransportKind.Tls], stack.Transports.Select(t => t.Kind));
        Assert.All(stack.Transports, t => Assert.NotEqual(0, t.LocalEndPoint.Port));
        Directory.Delete(folder, recursive: true);
    }
}

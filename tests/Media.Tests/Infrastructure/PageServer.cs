using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Acd.Media.Tests.Infrastructure;

/// <summary>A tiny HTTP server on 127.0.0.1 serving one page: getUserMedia needs a real (potentially trustworthy) origin.</summary>
public sealed class PageServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly string _html;

    public PageServer(string html)
    {
        _html = html;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}/";

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception)
            {
                return;
            }
            var body = Encoding.UTF8.GetBytes(_html);
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.ContentLength64 = body.Length;
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
    }
}

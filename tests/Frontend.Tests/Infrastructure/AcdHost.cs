using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Acd.Frontend.Hosting;
using Acd.SipEdge.Hosting;
using Acd.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Acd.Frontend.Tests.Infrastructure;

/// <summary>The real frontend on Kestrel (127.0.0.1, ephemeral port) with its embedded silo in a temp data folder.</summary>
public sealed class AcdHost : IAsyncDisposable
{
    public const string AdminPassword = "admin-secret-1";
    public const string SigningKey = "dGVzdC1zaWduaW5nLWtleS10aGF0LWlzLWxvbmctZW5vdWdoLTEyMzQ1Njc4OTA=";

    public static readonly JsonSerializerOptions Json = CreateJson();

    private readonly string _dataPath;

    private AcdHost(WebApplication app, string dataPath, Uri baseAddress)
    {
        App = app;
        _dataPath = dataPath;
        BaseAddress = baseAddress;
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => App.Services;

    /// <param name="overrides">Settings over the test defaults.</param>
    /// <param name="sipEdge">Also run the SIP edge with SIP over WebSocket at /sip (UDP/TCP listeners off, browsers only).</param>
    /// <param name="configure">Last changes to the builder (e.g. a logger provider that captures the host's logs).</param>
    public static async Task<AcdHost> StartAsync(IDictionary<string, string?>? overrides = null, bool sipEdge = false,
        Action<WebApplicationBuilder>? configure = null)
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "acd-fe-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataPath);
        var settings = new Dictionary<string, string?>
        {
            ["Storage:DataPath"] = dataPath,
            ["Cluster:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster:ClusterId"] = "fe-test-" + Guid.NewGuid().ToString("N")[..8],
            ["Bootstrap:AdminPassword"] = AdminPassword,
            ["Auth:SigningKey"] = SigningKey,
            ["Auth:PasswordIterations"] = "1000",
            ["RateLimits:Auth:PermitLimit"] = "10000",
            ["RateLimits:Api:PermitLimit"] = "100000",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Orleans"] = "Error",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        };
        if (sipEdge)
        {
            settings["Sip:ListenAddress"] = "127.0.0.1";
            settings["Sip:UdpPort"] = "0";
            settings["Sip:TcpPort"] = "0";
            settings["Sip:Domain"] = "127.0.0.1";
            settings["Sip:EdgeId"] = "browser-test-edge";
            foreach (var (key, value) in Acd.Testing.MediaPorts.Settings())
            {
                settings[key] = value;
            }
        }

        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var contentRoot = Path.Combine(RepoRoot, "src", "Frontend");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = contentRoot,
            WebRootPath = Path.Combine(contentRoot, "wwwroot"),
            EnvironmentName = "Testing",
            ApplicationName = "Acd.Frontend",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddAcdCluster();
        builder.AddAcdFrontend();
        if (sipEdge)
        {
            builder.AddSipEdge();
        }

        configure?.Invoke(builder);
        var app = builder.Build();
        app.UseAcdFrontend();
        app.MapAcdFrontend();
        if (sipEdge)
        {
            app.MapSipEdge();
        }

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new AcdHost(app, dataPath, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/"));
    }

    public static string RepoRoot
    {
        get
        {
            var baked = typeof(AcdHost).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
                .OfType<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "RepoRoot")?.Value;
            if (baked is not null && File.Exists(Path.Combine(baked, "Acd.slnx")))
            {
                return Path.GetFullPath(baked);
            }

            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Acd.slnx")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("Repository root (Acd.slnx) not found.");
        }
    }

    public HttpClient Client(string? accessToken = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (accessToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return client;
    }

    public async Task<TokenPair> LoginAsync(string username, string password)
    {
        using var client = Client();
        var response = await client.PostAsJsonAsync("api/v1/auth/token", new { username, password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<TokenPair>(Json))!;
    }

    public async Task<HttpClient> AdminAsync() => Client((await LoginAsync("admin", AdminPassword)).AccessToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await App.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
        }
        finally
        {
            await App.DisposeAsync();
            try
            {
                Directory.Delete(_dataPath, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        FrontendExtensions.Configure(options);
        return options;
    }
}

public sealed record TokenPair(string AccessToken, string RefreshToken, int ExpiresIn, string Username, string? AgentId, string[] Roles);

using System.Globalization;
using System.Text;
using Acd.SipEdge.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Acd.Frontend.FirstRun;

/// <summary>
/// One block in the log once the server listens: where the UI is, how to sign in the first time, where SIP listens.
/// Written at Warning while it carries a generated password, so even a log turned down to warnings shows it.
/// </summary>
public sealed partial class StartupBanner(
    IHostApplicationLifetime lifetime,
    IServer server,
    FirstRunState firstRun,
    IServiceProvider services,
    ILogger<StartupBanner> logger) : IHostedService
{
    private CancellationTokenRegistration _started;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _started = lifetime.ApplicationStarted.Register(Write);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _started.Dispose();
        return Task.CompletedTask;
    }

    private void Write()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var sip = services.GetService<IOptions<SipEdgeOptions>>()?.Value;
        var edge = sip is { Enabled: true } ? services.GetService<SipEdgeService>() : null;
        var text = Compose(addresses, firstRun.Admin, firstRun.GeneratedPassword, sip, edge?.Domain);
        if (firstRun.GeneratedPassword is not null)
        {
            LogBannerWithPassword(logger, text);
        }
        else
        {
            LogBanner(logger, text);
        }
    }

    /// <summary>The banner's text (without the logger's own prefix).</summary>
    public static string Compose(IEnumerable<string> addresses, AdminBootstrap admin, string? generatedPassword, SipEdgeOptions? sip,
        string? sipDomain)
    {
        const string Rule = "================================================================================";
        var b = new StringBuilder().AppendLine().AppendLine(Rule).AppendLine("  ACD frontend is up");
        var urls = addresses.SelectMany(BrowsableUrls).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        b.Append("  Web UI       ").AppendLine(urls.Count == 0 ? "(no HTTP address)" : string.Join("  ", urls));
        if (urls.Count > 0)
        {
            b.Append("  Admin        ").Append(urls[0]).AppendLine("admin.html (agents, queues, reason codes, customers)");
            b.Append("  API          ").Append(urls[0]).Append("api/v1, described at ").Append(urls[0]).AppendLine("openapi/v1.json");
        }

        b.Append("  Sign in      ").AppendLine(admin switch
        {
            AdminBootstrap.Generated => $"user 'admin', generated password '{generatedPassword}'" + Environment.NewLine
                + "               shown only this once; the first sign-in asks for a new password",
            AdminBootstrap.Configured => "user 'admin' with the password set in Bootstrap:AdminPassword",
            AdminBootstrap.ExistingUnchanged => "user 'admin' with the password generated at the first start (logged then);"
                + Environment.NewLine + "               it is still unchanged: the first sign-in asks for a new one",
            AdminBootstrap.Existing => "existing accounts (the 'admin' account was created at an earlier start)",
            _ => "the 'admin' account could not be checked (is the cluster reachable?)",
        });
        if (sip is not { Enabled: true })
        {
            b.AppendLine("  SIP          off (Sip:Enabled=false)");
        }
        else
        {
            b.Append("  SIP          ").Append(Port("udp", sip.UdpPort)).Append(", ").Append(Port("tcp", sip.TcpPort)).Append(", ")
                .Append(Port("tls", sip.TlsPort)).Append(", WebSocket ").Append(sip.WebSocketPath).Append(" on ").Append(sip.ListenAddress)
                .AppendLine();
            var domain = sipDomain ?? sip.ResolveDomain();
            b.Append("               domain ").Append(domain).Append(": phones register as sip:<agent id>@").Append(domain)
                .AppendLine(" with the agent's SIP password");
        }

        b.AppendLine("  Logs         Orleans' option dumps are at Warning; Logging__LogLevel__Orleans.Runtime.SiloOptionsLogger=Information")
            .AppendLine("               brings them back (docs/operations.md, \"First start\")");
        return b.Append(Rule).ToString();

        static string Port(string transport, int port) =>
            port > 0 ? $"{transport} {port.ToString(CultureInfo.InvariantCulture)}" : $"{transport} off";
    }

    /// <summary>A wildcard listen address ("http://0.0.0.0:8080", "[::]", "+", "*") is opened as localhost on this machine.</summary>
    private static IEnumerable<string> BrowsableUrls(string address)
    {
        if (!Uri.TryCreate(address.Replace("://+", "://wildcard.invalid", StringComparison.Ordinal)
                .Replace("://*", "://wildcard.invalid", StringComparison.Ordinal), UriKind.Absolute, out var uri))
        {
            yield return address;
            yield break;
        }

        var wildcard = uri.Host is "0.0.0.0" or "[::]" or "::" or "wildcard.invalid";
        var host = wildcard ? "localhost" : uri.Host;
        yield return $"{uri.Scheme}://{host}:{uri.Port.ToString(CultureInfo.InvariantCulture)}/";
        if (wildcard)
        {
            yield return $"{uri.Scheme}://{Environment.MachineName}:{uri.Port.ToString(CultureInfo.InvariantCulture)}/";
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Banner}")]
    private static partial void LogBanner(ILogger logger, string banner);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "{Banner}")]
    private static partial void LogBannerWithPassword(ILogger logger, string banner);
}

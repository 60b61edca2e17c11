using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Acd.Frontend.FirstRun;
using Acd.Frontend.Tests.Infrastructure;
using Acd.Silo.Hosting;
using Acd.SipEdge.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace Acd.Frontend.Tests;

/// <summary>A first start without Bootstrap:AdminPassword: the banner, quiet Orleans options, the forced password change.</summary>
public sealed partial class FirstRunTests
{
    private const string BannerCategory = "Acd.Frontend.FirstRun.StartupBanner";

    /// <summary>The test host's defaults minus its admin password and its Orleans log level, so the product's own apply.</summary>
    private static readonly Dictionary<string, string?> FirstStart = new()
    {
        ["Bootstrap:AdminPassword"] = null,
        ["Logging:LogLevel:Orleans"] = null,
        ["Logging:LogLevel:Default"] = "Information",
    };

    [Fact]
    public async Task Banner_shows_the_ui_the_generated_password_and_the_sip_edge_once_the_server_listens()
    {
        var logs = new LogCapture();
        await using var host = await AcdHost.StartAsync(FirstStart, sipEdge: true, configure: b => b.Logging.AddProvider(logs));

        var banner = Assert.Single(await BannersAsync(logs));
        Assert.Equal(LogLevel.Warning, banner.Level);
        Assert.Contains($"Web UI       {host.BaseAddress}", banner.Message, StringComparison.Ordinal);
        Assert.Contains($"Admin        {host.BaseAddress}admin.html", banner.Message, StringComparison.Ordinal);
        Assert.Contains("first sign-in asks for a new password", banner.Message, StringComparison.Ordinal);
        Assert.Contains("SIP          udp off, tcp off, tls off, WebSocket /sip on 127.0.0.1", banner.Message, StringComparison.Ordinal);
        Assert.Contains("domain 127.0.0.1", banner.Message, StringComparison.Ordinal);
        Assert.Matches(GeneratedPassword(), banner.Message);
        // Written once the server listens, after everything else of the start.
        var lifetime = logs.Entries.ToList().FindIndex(e => e.Category == "Microsoft.Hosting.Lifetime" && e.Message.StartsWith("Now listening", StringComparison.Ordinal));
        Assert.True(lifetime >= 0 && lifetime < logs.Entries.ToList().FindIndex(e => e.Category == BannerCategory));
    }

    [Fact]
    public void Banner_says_where_a_configured_password_comes_from_and_that_sip_is_off()
    {
        var text = StartupBanner.Compose(["http://0.0.0.0:8080"], AdminBootstrap.Configured, null, new SipEdgeOptions { Enabled = false }, null);
        Assert.Contains("Web UI       http://localhost:8080/", text, StringComparison.Ordinal);
        Assert.Contains("user 'admin' with the password set in Bootstrap:AdminPassword", text, StringComparison.Ordinal);
        Assert.Contains("SIP          off (Sip:Enabled=false)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("generated password", text, StringComparison.Ordinal);

        var sip = StartupBanner.Compose(["http://10.1.2.3:80"], AdminBootstrap.ExistingUnchanged, null,
            new SipEdgeOptions { UdpPort = 5060, TcpPort = 5060, TlsPort = 5061, Domain = "acd.example" }, null);
        Assert.Contains("SIP          udp 5060, tcp 5060, tls 5061", sip, StringComparison.Ordinal);
        Assert.Contains("domain acd.example", sip, StringComparison.Ordinal);
        Assert.Contains("still unchanged", sip, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Orleans_option_dumps_are_left_out_by_default_and_a_log_level_setting_brings_them_back()
    {
        var quiet = new LogCapture();
        await using (var host = await AcdHost.StartAsync(FirstStart, configure: b => b.Logging.AddProvider(quiet)))
        {
            Assert.Single(await BannersAsync(quiet));
        }

        Assert.Empty(quiet.From(LoggingDefaults.SiloOptionsCategory));
        Assert.DoesNotContain(quiet.From(LoggingDefaults.PollyCategory), e => e.Level < LogLevel.Warning);
        // Orleans' other information still comes through: only the dumps are turned down.
        Assert.Contains(quiet.Entries, e => e.Category.StartsWith("Orleans.", StringComparison.Ordinal) && e.Level == LogLevel.Information);

        var verbose = new LogCapture();
        var settings = new Dictionary<string, string?>(FirstStart) { [$"Logging:LogLevel:{LoggingDefaults.SiloOptionsCategory}"] = "Information" };
        await using (var host = await AcdHost.StartAsync(settings, configure: b => b.Logging.AddProvider(verbose)))
        {
            Assert.Single(await BannersAsync(verbose));
        }

        var dumps = verbose.From(LoggingDefaults.SiloOptionsCategory).ToList();
        Assert.Contains(dumps, e => e.Message.StartsWith("Configuration Orleans.Configuration.ClusterMembershipOptions", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_generated_password_signs_in_only_to_choose_a_new_one()
    {
        var logs = new LogCapture();
        await using var host = await AcdHost.StartAsync(FirstStart, configure: b => b.Logging.AddProvider(logs));
        var generated = GeneratedPassword().Match(Assert.Single(await BannersAsync(logs)).Message).Groups["password"].Value;
        using var anonymous = host.Client();

        var refused = await Problems.AssertAsync(
            await anonymous.PostAsJsonAsync("api/v1/auth/token", new { username = "admin", password = generated }), HttpStatusCode.Forbidden);
        Assert.True(refused.GetProperty("passwordChangeRequired").GetBoolean());
        Assert.Equal("PasswordChangeRequired", refused.GetProperty("error").GetString());
        // A wrong password still says only that.
        await Problems.AssertAsync(await anonymous.PostAsJsonAsync("api/v1/auth/token", new { username = "admin", password = "wrong-pass-1" }),
            HttpStatusCode.Unauthorized);

        var same = await Problems.AssertAsync(await anonymous.PostAsJsonAsync("api/v1/auth/change-password",
            new { username = "admin", currentPassword = generated, newPassword = generated }), HttpStatusCode.BadRequest);
        Assert.Contains("differ", same.GetProperty("errors").GetProperty("newPassword")[0].GetString(), StringComparison.Ordinal);
        await Problems.AssertAsync(await anonymous.PostAsJsonAsync("api/v1/auth/change-password",
            new { username = "admin", currentPassword = "wrong-pass-1", newPassword = "my-own-pass-1" }), HttpStatusCode.Unauthorized);

        var changed = await anonymous.PostAsJsonAsync("api/v1/auth/change-password",
            new { username = "admin", currentPassword = generated, newPassword = "my-own-pass-1" });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var tokens = (await changed.Content.ReadFromJsonAsync<TokenPair>(AcdHost.Json))!;
        Assert.Contains("admin", tokens.Roles);
        using var admin = host.Client(tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("api/v1/agents")).StatusCode);

        await Problems.AssertAsync(await anonymous.PostAsJsonAsync("api/v1/auth/token", new { username = "admin", password = generated }),
            HttpStatusCode.Unauthorized);
        Assert.Contains("admin", (await host.LoginAsync("admin", "my-own-pass-1")).Roles);
    }

    [Fact]
    public async Task Login_page_asks_for_a_new_password_when_the_generated_one_is_used()
    {
        var logs = new LogCapture();
        await using var host = await AcdHost.StartAsync(FirstStart, configure: b => b.Logging.AddProvider(logs));
        var generated = GeneratedPassword().Match(Assert.Single(await BannersAsync(logs)).Message).Groups["password"].Value;

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await Chromium.NewPageAsync(browser, 1024, 768);
        await Chromium.SignInAsync(page, host, "admin", generated);
        await Assertions.Expect(page.Locator("#change-form")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#login-form")).ToBeHiddenAsync();

        await page.FillAsync("#new-password", "first-choice-1");
        await page.FillAsync("#confirm-password", "first-choice-2");
        await page.ClickAsync("#change-button");
        await Assertions.Expect(page.Locator("#change-error")).ToHaveTextAsync("The two passwords differ.");
        await Chromium.ShotAsync(page, "login-change-password.png");

        await page.FillAsync("#confirm-password", "first-choice-1");
        await page.ClickAsync("#change-button");
        await Chromium.WaitForPageAsync(page, "wallboard.html");
        Assert.Contains("admin", (await host.LoginAsync("admin", "first-choice-1")).Roles);
    }

    /// <summary>The banner entries: ApplicationStarted fires inside the host's StartAsync, so they are there when it returns.</summary>
    private static Task<List<LogEntry>> BannersAsync(LogCapture logs) => Task.FromResult<List<LogEntry>>([.. logs.From(BannerCategory)]);

    [GeneratedRegex("user 'admin', generated password '(?<password>[A-Za-z0-9_-]{20,})'")]
    private static partial Regex GeneratedPassword();
}

using Microsoft.Playwright;

namespace Acd.Frontend.Tests.Infrastructure;

/// <summary>Headless Debian Chromium for the browser tests, and the steps they share.</summary>
public static class Chromium
{
    public const string Path = "/usr/bin/chromium";

    private static readonly string[] Args =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
    ];

    public static string Screenshots
    {
        get
        {
            var folder = System.IO.Path.Combine(AcdHost.RepoRoot, "artifacts", "screenshots");
            Directory.CreateDirectory(folder);
            return folder;
        }
    }

    public static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        Assert.True(File.Exists(Path), $"Browser tests need Chromium at {Path} (Debian package 'chromium'; scripts/install-test-deps.sh installs it).");
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Path, Headless = true, Args = Args, Timeout = 30_000 });
    }

    public static async Task<IPage> NewPageAsync(IBrowser browser, int width = 1440, int height = 900)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(10_000);
        return page;
    }

    public static async Task SignInAsync(IPage page, AcdHost host, string username, string password, string? next = null)
    {
        await page.GotoAsync(new Uri(host.BaseAddress, next is null ? "index.html" : $"index.html?next={next}").ToString());
        await page.FillAsync("#username", username);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#login-button");
    }

    /// <summary>Waits until the page's script has its session (body.ready).</summary>
    public static async Task WaitForPageAsync(IPage page, string name)
    {
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/{System.Text.RegularExpressions.Regex.Escape(name)}(\\?.*)?$"));
        await Assertions.Expect(page.Locator("body.ready")).ToHaveCountAsync(1);
    }

    public static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = System.IO.Path.Combine(Screenshots, name), FullPage = true });
}

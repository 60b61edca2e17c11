using System.Text.Json;
using Microsoft.Playwright;

namespace Acd.Interop.Tests.Peers;

/// <summary>
/// A headless Chromium (Debian's, driven by Playwright) running one stock browser SIP library on the test page
/// (/interop/phone.html?lib=jssip|sipjs, bundles made from npm by this project's build). Each phone is its own browser,
/// because the fake microphone (a tone WAV) is a command-line flag; the library's SIP trace is printed to the console with
/// its own debug switch and kept for failure messages.
/// </summary>
public sealed class BrowserPhone : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly List<string> _console = [];
    private string? _finalEvents;

    private BrowserPhone(string library, IPlaywright playwright, IBrowser browser, IPage page)
    {
        Library = library;
        _playwright = playwright;
        _browser = browser;
        Page = page;
    }

    public string Library { get; }

    public IPage Page { get; }

    public static async Task<BrowserPhone> OpenAsync(string library, Uri pageBase, string microphoneWav)
    {
        Assert.True(File.Exists(ChromiumPath),
            $"Browser tests need Chromium at {ChromiumPath} (Debian package 'chromium'; scripts/install-test-deps.sh installs it).");
        var playwright = await Playwright.CreateAsync();
        IBrowser browser;
        try
        {
            browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Timeout = 30_000,
                Args =
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                    // WebRTC without devices or a network: a tone file as microphone, no permission prompt, ICE over loopback.
                    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", $"--use-file-for-fake-audio-capture={microphoneWav}",
                    "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required",
                ],
            });
        }
        catch
        {
            playwright.Dispose();
            throw;
        }

        var context = await browser.NewContextAsync();
        // The libraries' own debug switches: JsSIP reads localStorage.debug (the debug module), the test page passes it to SIP.js.
        await context.AddInitScriptAsync("localStorage.debug = 'JsSIP:*'");
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        var phone = new BrowserPhone(library, playwright, browser, page);
        page.Console += (_, message) => phone.Log($"console.{message.Type}: {message.Text}");
        page.PageError += (_, error) => phone.Log($"page error: {error}");
        page.WebSocket += (_, socket) =>
        {
            socket.FrameSent += (_, frame) => phone.Log($"ws >>\n{frame.Text}");
            socket.FrameReceived += (_, frame) => phone.Log($"ws <<\n{frame.Text}");
        };
        await page.GotoAsync(new Uri(pageBase, $"interop/phone.html?lib={library}").ToString());
        await page.WaitForFunctionAsync("() => window.phone !== undefined");
        return phone;
    }

    /// <summary>Starts the library's user agent on the edge's WebSocket with a digest account; registers when asked.</summary>
    public async Task StartAsync(Uri webSocket, string user, string password, bool register)
    {
        await Page.EvaluateAsync("o => window.phone.start(o)", new
        {
            wsUrl = webSocket.ToString(),
            aor = $"sip:{user}@{InteropHost.Domain}",
            user,
            password,
            register,
        });
        if (register)
        {
            await WaitForAsync("() => window.phone.state.registered", "to register");
        }
    }

    public Task CallAsync(string target) => Page.EvaluateAsync("t => window.phone.call(t)", target);

    public Task HangupAsync() => Page.EvaluateAsync("() => window.phone.hangup()");

    public async Task<string> CallStateAsync() => await Page.EvaluateAsync<string>("() => window.phone.state.call");

    public async Task WaitForCallAsync(string state, int timeoutSeconds = 20) =>
        await WaitForAsync($"() => window.phone.state.call === '{state}'", $"a call {state}", timeoutSeconds);

    /// <summary>The audio RTP counters of the call's peer connection (getStats).</summary>
    public async Task<RtpStats> StatsAsync()
    {
        var s = await Page.EvaluateAsync<JsonElement>("() => window.phone.stats()");
        return new RtpStats(s.GetProperty("packetsReceived").GetInt64(), s.GetProperty("packetsSent").GetInt64(), s.GetProperty("bytesReceived").GetInt64(),
            s.GetProperty("totalAudioEnergy").GetDouble(), s.GetProperty("selectedPair").ValueKind == JsonValueKind.String ? s.GetProperty("selectedPair").GetString() : null);
    }

    /// <summary>Waits until getStats counts more than <paramref name="packets"/> audio packets received and sent.</summary>
    public async Task<RtpStats> WaitForMediaAsync(int packets, int timeoutSeconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            var stats = await StatsAsync();
            if (stats.PacketsReceived > packets && stats.PacketsSent > packets)
            {
                return stats;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Library}: audio packets stayed at {stats} within {timeoutSeconds} s.");
            }

            await Task.Delay(250);
        }
    }

    /// <summary><paramref name="seconds"/> of the remote audio as the page's WebAudio received it.</summary>
    public async Task<(float[] Samples, int SampleRate)> CaptureAsync(double seconds)
    {
        var capture = await Page.EvaluateAsync<JsonElement>("s => window.phone.capture(s)", seconds);
        var samples = capture.GetProperty("samples").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
        return (samples, capture.GetProperty("sampleRate").GetInt32());
    }

    private async Task WaitForAsync(string predicate, string what, int timeoutSeconds = 20)
    {
        try
        {
            await Page.WaitForFunctionAsync(predicate, null, new PageWaitForFunctionOptions { Timeout = timeoutSeconds * 1000, PollingInterval = 100 });
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{Library} did not get {what} within {timeoutSeconds} s.", ex);
        }
    }

    private void Log(string line)
    {
        lock (_console)
        {
            _console.Add(line);
        }
    }

    private async Task<string> EventsAsync()
    {
        try
        {
            return string.Join("\n", await Page.EvaluateAsync<string[]>("() => window.phone?.state.events ?? []"));
        }
        catch (PlaywrightException ex)
        {
            return $"(page gone: {ex.Message})";
        }
    }

    public string Describe()
    {
        var events = _finalEvents ?? EventsAsync().GetAwaiter().GetResult();

        lock (_console)
        {
            var console = string.Join("\n", _console);
            return $"--- {Library} page events ---\n{events}\n--- {Library} console and WebSocket frames ---\n{(console.Length > 20_000 ? console[^20_000..] : console)}";
        }
    }

    public async ValueTask DisposeAsync()
    {
        _finalEvents = await EventsAsync();
        try
        {
            await _browser.CloseAsync();
        }
        catch (PlaywrightException)
        {
        }

        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}

/// <summary>What getStats() said about the call's audio.</summary>
public sealed record RtpStats(long PacketsReceived, long PacketsSent, long BytesReceived, double TotalAudioEnergy, string? SelectedPair)
{
    public override string ToString() =>
        $"{PacketsReceived} packets received, {PacketsSent} sent, {BytesReceived} bytes received, energy {TotalAudioEnergy:F3}, pair {SelectedPair}";
}

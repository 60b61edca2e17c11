using System.Net;
using System.Text.Json;
using Acd.Frontend.Tests.Infrastructure;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using Microsoft.Playwright;

namespace Acd.Frontend.Tests;

/// <summary>The reports page (/reports.html) in headless Chromium over a seeded morning of calls: charts, tables, exports.</summary>
[Collection(HostCollection.Name)]
public sealed class ReportsTests(HostFixture fixture)
{
    private AcdHost Host => fixture.Host;

    [Fact]
    public async Task Report_charts_tables_and_exports_show_the_seeded_calls_and_the_url_keeps_the_filters()
    {
        using var admin = await Host.AdminAsync();
        var (queueId, _) = await fixture.CreateQueueAsync(admin);
        var agentId = await fixture.CreateAgentAsync(admin, queueId);
        var seed = new ReportSeed(queueId, agentId);
        await seed.WriteAsync(Host);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 }, TimezoneId = "UTC", Locale = "en-GB", AcceptDownloads = true,
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(10_000);
        var from = ReportSeed.Morning.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var to = ReportSeed.Morning.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var next = Uri.EscapeDataString($"reports.html?from={from}&to={to}&interval=1h&groupBy=queue&queueId={queueId}");
        await Chromium.SignInAsync(page, Host, "admin", AcdHost.AdminPassword);
        await Chromium.WaitForPageAsync(page, "wallboard.html");
        await page.ClickAsync("#reports-link");
        await Chromium.WaitForPageAsync(page, "reports.html");
        // A bookmarked report: the URL alone brings back the range and filters.
        await page.GotoAsync(new Uri(Host.BaseAddress, Uri.UnescapeDataString(next)).ToString());
        await Assertions.Expect(page.Locator("body.loaded")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#f-queue")).ToHaveValueAsync(queueId);
        await Assertions.Expect(page.Locator("#f-group")).ToHaveValueAsync("queue");

        // Key figures: 4 offered, 2 answered (15 s and 60 s), 2 abandoned (40 s and 5 s); SLA 1 of 3 (20 s threshold).
        await Assertions.Expect(page.Locator("#kpi-offered")).ToHaveTextAsync("4");
        await Assertions.Expect(page.Locator("#kpi-answered")).ToHaveTextAsync("2");
        await Assertions.Expect(page.Locator("#kpi-abandoned")).ToHaveTextAsync("2");
        await Assertions.Expect(page.Locator("#kpi-sla")).ToHaveTextAsync("33.3%");
        await Assertions.Expect(page.Locator("#kpi-asa")).ToHaveTextAsync("0:38");
        await Assertions.Expect(page.Locator("#kpi-aht")).ToHaveTextAsync("2:45"); // (160 + 120 talk, 20 hold, 30 wrap-up) / 2

        // The charts draw those figures, one point per hour.
        var volume = await SeriesAsync(page, "chart-volume");
        Assert.Equal([3, 1], Numbers(volume, "Offered"));
        Assert.Equal([2, 0], Numbers(volume, "Answered"));
        Assert.Equal([1, 1], Numbers(volume, "Abandoned"));
        var abandon = await SeriesAsync(page, "chart-abandon");
        Assert.Equal(new[] { 1, 0, 1, 0, 0 }, Numbers(abandon, "Abandoned calls"));
        var sla = await SeriesAsync(page, "chart-sla");
        Assert.Equal(33.33, sla.GetProperty($"{queueId} SLA %")[0].GetDouble());
        Assert.Equal(JsonValueKind.Null, sla.GetProperty($"{queueId} SLA %")[1].ValueKind);
        Assert.Equal(37.5, sla.GetProperty("ASA (s)")[0].GetDouble());
        foreach (var chart in new[] { "chart-volume", "chart-sla", "chart-abandon", "chart-timeline" })
        {
            Assert.True(await page.EvaluateAsync<bool>(InkScript, chart), $"{chart} has nothing drawn");
        }

        var firstRow = page.Locator("#intervals-table tbody tr").First;
        await Assertions.Expect(page.Locator("#intervals-table tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(firstRow).ToContainTextAsync("0 / 0 / 1 / 0 / 0"); // the 09:10 caller gave up after 40 s
        await Assertions.Expect(firstRow).ToContainTextAsync("33.3%");

        // The agent's day as a Gantt strip: two calls talked, one wrap-up.
        var timeline = await SeriesAsync(page, "chart-timeline");
        Assert.Equal(2, timeline.GetProperty("onCall").EnumerateArray().Count(s => s.GetProperty("row").GetString() == agentId));
        Assert.Equal(1, timeline.GetProperty("wrapUp").EnumerateArray().Count(s => s.GetProperty("row").GetString() == agentId));
        await Chromium.ShotAsync(page, "reports.png");

        // Exports of the interval table: CSV and XLSX hold the same figures.
        var csv = await DownloadTextAsync(page, "#intervals-csv");
        var line = csv.Split("\r\n").Single(l => l.StartsWith("2025-03-03T09:00:00.000Z", StringComparison.Ordinal));
        Assert.Equal([queueId, "3", "2", "1", "1", "1", "33.33", "37.5", "165", "280", "20", "30", "", "0", "0", "1", "0", "0"], line.Split(',').Skip(2));
        var sheet = await DownloadXlsxAsync(page, "#intervals-xlsx");
        Assert.Equal("offered", sheet[0][3]);
        var row = sheet.Single(r => r[0] == "2025-03-03T09:00:00.000Z");
        Assert.Equal(["3", "2", "1"], row.Skip(3).Take(3));
        Assert.Equal("33.33", row[8]);

        // Call detail: the call's steps, and its own exports.
        await page.Locator($"#calls-table tr[data-id='{seed.AnsweredFast}']").ClickAsync();
        await Assertions.Expect(page.Locator("#call-events li[data-kind=wrap-up]")).ToContainTextAsync(agentId);
        await Assertions.Expect(page.Locator("#call-events li")).ToHaveCountAsync(8); // arrived, queued, ringing, talking, answered, held, wrap-up, ended
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"call={seed.AnsweredFast}"));
        var callCsv = await DownloadTextAsync(page, "#call-csv");
        Assert.Contains("wrap-up," + agentId, callCsv, StringComparison.Ordinal);
        var callsCsv = await DownloadTextAsync(page, "#calls-csv");
        Assert.Equal(4, callsCsv.Split("\r\n").Count(l => l.Contains(queueId, StringComparison.Ordinal)));
        await Chromium.ShotAsync(page, "reports-call-detail.png");

        // The API checks its parameters.
        var bad = await admin.GetAsync($"api/v1/reports/intervals?interval=2h&from={from}&to={to}");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("interval", (await HostFixture.JsonAsync(bad)).GetProperty("errors").EnumerateObject().Select(p => p.Name));
    }

    private const string InkScript = """
        id => {
          const c = document.getElementById(id);
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true;
          return false;
        }
        """;

    private static async Task<JsonElement> SeriesAsync(IPage page, string canvas)
    {
        var text = await page.Locator($"#{canvas}").GetAttributeAsync("data-series");
        Assert.NotNull(text);
        return JsonDocument.Parse(text).RootElement;
    }

    private static int[] Numbers(JsonElement series, string name) => [.. series.GetProperty(name).EnumerateArray().Select(v => v.GetInt32())];

    private static async Task<string> DownloadTextAsync(IPage page, string button)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync(button));
        return await File.ReadAllTextAsync((await download.PathAsync())!);
    }

    private static async Task<List<string[]>> DownloadXlsxAsync(IPage page, string button)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync(button));
        Assert.EndsWith(".xlsx", download.SuggestedFilename, StringComparison.Ordinal);
        using var document = SpreadsheetDocument.Open((await download.PathAsync())!, false);
        var sheet = document.WorkbookPart!.WorksheetParts.Single().Worksheet;
        return [.. sheet.Descendants<Row>().Select(r => r.Elements<Cell>().Select(c => c.InlineString?.InnerText ?? c.CellValue?.Text ?? string.Empty).ToArray())];
    }
}

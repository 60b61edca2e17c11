using System.Globalization;
using System.Net.Http.Json;
using Acd.Agents;
using Acd.Calls;
using Acd.Catalog;
using Acd.Frontend.Hosting;
using Acd.Frontend.Tests.Infrastructure;
using Acd.Queues;
using Acd.Reporting.Queries;
using Acd.ThreeCx.Tests.StandIn;
using Acd.ThreeCxEdge;
using Microsoft.Extensions.DependencyInjection;

namespace Acd.ThreeCx.Tests.Acd;

/// <summary>
/// A whole frontend (embedded silo, SIP edge for its media engine) with the 3CX connector pointed at a stand-in PBX
/// on the real clock. Route Point 800 maps to <see cref="QueueId"/>, whose hold music is one steady tone.
/// </summary>
public sealed class ThreeCxAcdHost : IAsyncLifetime
{
    public const string QueueId = "tcx-sales";
    public const double MusicHz = 600;

    private string _sounds = "";

    public StandInServer Pbx { get; private set; } = null!;

    public AcdHost Host { get; private set; } = null!;

    public IGrainFactory Grains => Host.Services.GetRequiredService<IGrainFactory>();

    public ThreeCxCalls Calls => Host.Services.GetRequiredService<ThreeCxCalls>();

    public async Task InitializeAsync()
    {
        Pbx = await StandInServer.StartAsync(TimeProvider.System);
        for (var ext = 103; ext <= 110; ext++)
        {
            Pbx.Pbx.AddDn(ext.ToString(CultureInfo.InvariantCulture), "Wextension");
        }

        _sounds = Path.Combine(Path.GetTempPath(), "acd-3cx-sounds-" + Guid.NewGuid().ToString("N")[..8]);
        CopyFolder(global::Acd.SipEdge.Announcements.SoundLibrary.ShippedRoot, _sounds);
        File.WriteAllBytes(Path.Combine(_sounds, "music", "tone.wav"), ToneWav(MusicHz, seconds: 4));
        Host = await AcdHost.StartAsync(new Dictionary<string, string?>
        {
            ["ThreeCx:Pbxs:0:Name"] = "pbx1",
            ["ThreeCx:Pbxs:0:BaseUrl"] = Pbx.BaseUrl,
            ["ThreeCx:Pbxs:0:ClientId"] = StandInServer.RoutePoint,
            ["ThreeCx:Pbxs:0:ClientSecret"] = StandInServer.ClientSecret,
            [$"ThreeCx:Pbxs:0:RoutePoints:{StandInServer.RoutePoint}"] = QueueId,
            ["Media:SoundsPath"] = _sounds,
            ["Media:FirstAnnouncementMs"] = "60000",
        }, sipEdge: true, configure: b => b.AddThreeCxConnector());
        var routed = await Grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).SetQueueAsync(QueueId, ["+4930800"]);
        Assert.True(routed.IsSuccess, routed.ToString());
        Assert.True((await Grains.GetGrain<IQueueGrain>(QueueId).ConfigureAsync(
            QueueConfig.Create("3CX sales", ["+4930800"], ringTimeoutSeconds: 3, holdMusic: "tone.wav"))).IsSuccess);
        await Eventually(() => Task.FromResult(Calls.Health.TryGetValue("pbx1", out var h) && h.Healthy), "the connector's socket to the PBX");
    }

    /// <summary>An agent with a 3CX extension (set through the API, as an admin would), logged in and Ready.</summary>
    public async Task<string> ReadyAgentAsync(string extension)
    {
        var id = "agent-" + Guid.NewGuid().ToString("N")[..8];
        using var admin = await Host.AdminAsync();
        using var created = await admin.PostAsJsonAsync("api/v1/agents", new
        {
            id,
            name = $"Agent {extension}",
            password = "agent-pass-1",
            queues = new[] { QueueId },
            threeCxExtension = extension,
        });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var agent = Grains.GetGrain<IAgentGrain>(id);
        Assert.Equal(extension, (await agent.GetAsync()).Profile!.ThreeCxExtension);
        Assert.True((await agent.LoginAsync()).IsSuccess);
        Assert.True((await agent.SetReadyAsync()).IsSuccess);
        return id;
    }

    public async Task<CallRecord> EndedCallAsync(string ani)
    {
        var queries = Host.Services.GetRequiredService<IReportingQueries>();
        CallRecord? record = null;
        await Eventually(async () =>
        {
            var page = await queries.GetCallsAsync(new CallHistoryQuery(QueueId: QueueId));
            record = page.Items.FirstOrDefault(c => c.Status == CallStatus.Ended && c.Ani == ani);
            return record is not null;
        }, $"the ended call record of {ani}");
        return record!;
    }

    public static async Task Eventually(Func<Task<bool>> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(50);
        }
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Pbx.DisposeAsync();
        try
        {
            Directory.Delete(_sounds, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>A mono 8 kHz 16-bit PCM WAV of one sine tone.</summary>
    private static byte[] ToneWav(double hz, int seconds)
    {
        var samples = global::Acd.Media.Tests.Infrastructure.Goertzel.Tone(hz, 8000 * seconds);
        using var wav = new MemoryStream();
        using var w = new BinaryWriter(wav);
        w.Write("RIFF"u8);
        w.Write(36 + samples.Length * 2);
        w.Write("WAVEfmt "u8);
        w.Write(16);
        w.Write((short)1);
        w.Write((short)1);
        w.Write(8000);
        w.Write(16000);
        w.Write((short)2);
        w.Write((short)16);
        w.Write("data"u8);
        w.Write(samples.Length * 2);
        foreach (var s in samples)
        {
            w.Write(s);
        }

        w.Flush();
        return wav.ToArray();
    }
}

[CollectionDefinition(Name)]
public sealed class ThreeCxAcdCollection : ICollectionFixture<ThreeCxAcdHost>
{
    public const string Name = "3cx-acd";
}

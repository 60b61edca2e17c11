using System.Net;
using System.Net.Http.Json;
using Acd.Frontend.Tests.Infrastructure;

namespace Acd.Frontend.Tests;

/// <summary>The queues API's audio settings, checked against the sounds folder the product ships.</summary>
[Collection(HostCollection.Name)]
public sealed class QueueAudioApiTests(HostFixture fixture)
{
    private AcdHost Host => fixture.Host;

    [Fact]
    public async Task A_queue_names_its_hold_music_announcement_interval_and_prompt_set()
    {
        using var admin = await Host.AdminAsync();
        var sounds = await HostFixture.JsonAsync(await admin.GetAsync("api/v1/sounds"));
        Assert.Equal(["default.wav"], sounds.GetProperty("music").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(["en"], sounds.GetProperty("languages").EnumerateArray().Select(m => m.GetString()));

        // Defaults: the default music, an announcement every 30 s, English.
        var id = HostFixture.NewId("q");
        var created = await HostFixture.JsonAsync(await admin.PostAsJsonAsync("api/v1/queues", new { id, name = "Audio" }));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, created.GetProperty("holdMusic").ValueKind);
        Assert.Equal(30, created.GetProperty("announceSeconds").GetInt32());
        Assert.Equal("en", created.GetProperty("language").GetString());
        Assert.True(created.GetProperty("stats").TryGetProperty("averageHandleSeconds", out _));

        var updated = await HostFixture.JsonAsync(await admin.PutAsJsonAsync($"api/v1/queues/{id}",
            new { holdMusic = "default.wav", announceSeconds = 45, language = "en" }));
        Assert.Equal("default.wav", updated.GetProperty("holdMusic").GetString());
        Assert.Equal(45, updated.GetProperty("announceSeconds").GetInt32());
        var quiet = await HostFixture.JsonAsync(await admin.PutAsJsonAsync($"api/v1/queues/{id}", new { holdMusic = "", announceSeconds = 0 }));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, quiet.GetProperty("holdMusic").ValueKind);
        Assert.Equal(0, quiet.GetProperty("announceSeconds").GetInt32());
        Assert.Equal("Audio", quiet.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("holdMusic", "\"jazz.wav\"", "No hold music 'jazz.wav'. Available: default.wav.")]
    [InlineData("holdMusic", "\"../../etc/passwd\"", ".wav file name")]
    [InlineData("announceSeconds", "5", "0 (no announcements) or 10-600")]
    [InlineData("announceSeconds", "601", "0 (no announcements) or 10-600")]
    [InlineData("language", "\"de\"", "No prompt set 'de'. Available: en.")]
    [InlineData("language", "\"english!\"", "language tag")]
    public async Task Bad_audio_settings_are_refused_naming_the_field(string field, string json, string message)
    {
        using var admin = await Host.AdminAsync();
        var id = HostFixture.NewId("q");
        var body = new StringContent($$"""{"id":"{{id}}","name":"Q","{{field}}":{{json}}}""", System.Text.Encoding.UTF8, "application/json");
        var problem = await Problems.AssertAsync(await admin.PostAsync("api/v1/queues", body), HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains(errors, e => e!.Contains(message, StringComparison.Ordinal));
        await Problems.AssertAsync(await admin.GetAsync($"api/v1/queues/{id}"), HttpStatusCode.NotFound);

        // The same on an update, which leaves the queue as it was.
        var (queueId, _) = await fixture.CreateQueueAsync(admin);
        var update = new StringContent($$"""{"{{field}}":{{json}}}""", System.Text.Encoding.UTF8, "application/json");
        await Problems.AssertAsync(await admin.PutAsync($"api/v1/queues/{queueId}", update), HttpStatusCode.BadRequest);
        var unchanged = await HostFixture.JsonAsync(await admin.GetAsync($"api/v1/queues/{queueId}"));
        Assert.Equal(30, unchanged.GetProperty("announceSeconds").GetInt32());
    }

    [Fact]
    public async Task Only_admins_list_the_sounds()
    {
        using var admin = await Host.AdminAsync();
        var (queueId, _) = await fixture.CreateQueueAsync(admin);
        using var agent = await fixture.AgentClientAsync(await fixture.CreateAgentAsync(admin, queueId));
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync("api/v1/sounds")).StatusCode);
    }
}

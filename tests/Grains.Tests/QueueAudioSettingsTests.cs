using System.Collections.Immutable;
using Acd.Common;
using Acd.Grains.Tests.Infrastructure;
using Acd.Queues;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Acd.Grains.Tests;

/// <summary>The shape QueueConfig had before the audio settings (fields 0-9), as a queue's stored state holds it.</summary>
[GenerateSerializer, Immutable, Alias("acd.tests.QueueConfigBeforeAudio")]
public sealed record QueueConfigBeforeAudio(
    [property: Id(0)] string Name,
    [property: Id(1)] ImmutableArray<string> Numbers,
    [property: Id(2)] RoutingStrategy Strategy,
    [property: Id(3)] ImmutableDictionary<string, int> RequiredSkills,
    [property: Id(4)] int SlaSeconds,
    [property: Id(5)] int MaxWaitSeconds,
    [property: Id(6)] string? OverflowQueueId,
    [property: Id(7)] int WrapUpSeconds,
    [property: Id(8)] int RingTimeoutSeconds,
    [property: Id(9)] int StatsWindowMinutes);

[Collection(AcdCollection.Name)]
public sealed class QueueAudioSettingsTests(AcdCluster fixture) : AcdTestBase(fixture)
{
    /// <summary>
    /// Orleans fills fields a stored value lacks with their type's default, not the constructor's: a queue stored before
    /// the audio settings keeps what it had (the default music, no announcements, English) until an admin sets them.
    /// </summary>
    [Fact]
    public void A_config_stored_before_the_audio_settings_reads_back_as_it_behaved()
    {
        var serializer = Fixture.Cluster.Client.ServiceProvider.GetRequiredService<Serializer>();
        var old = new QueueConfigBeforeAudio("Sales", ["100"], RoutingStrategy.RoundRobin, ImmutableDictionary<string, int>.Empty, 20, 0, null, 5, 20, 60);
        var bytes = serializer.GetSerializer<QueueConfigBeforeAudio>().SerializeToArray(old);
        var read = serializer.GetSerializer<QueueConfig>().Deserialize(bytes)!;
        Assert.Equal("Sales", read.Name);
        Assert.Equal(5, read.WrapUpSeconds);
        Assert.Null(read.HoldMusic);
        Assert.Equal(0, read.AnnounceSeconds);
        Assert.Null(read.AnnounceInterval);
        Assert.Null(read.Language);
        Assert.Equal("en", read.EffectiveLanguage);

        var created = QueueConfig.Create("New");
        Assert.Equal(QueueConfig.DefaultAnnounceSeconds, created.AnnounceSeconds);
        Assert.Equal(TimeSpan.FromSeconds(30), created.AnnounceInterval);
        Assert.Equal("en", created.Language);
    }

    [Fact]
    public async Task The_audio_settings_are_stored_and_validated()
    {
        var id = await NewQueueAsync(c => c with { HoldMusic = "jazz.wav", AnnounceSeconds = 45, Language = "de" });
        var config = (await Queue(id).GetAsync()).Config!;
        Assert.Equal(("jazz.wav", 45, "de"), (config.HoldMusic, config.AnnounceSeconds, config.Language));

        Fails(await Queue(id).ConfigureAsync(config with { AnnounceSeconds = 5 }), AcdError.InvalidArgument);
        Fails(await Queue(id).ConfigureAsync(config with { AnnounceSeconds = 601 }), AcdError.InvalidArgument);
        Fails(await Queue(id).ConfigureAsync(config with { HoldMusic = "../../etc/passwd.wav" }), AcdError.InvalidArgument);
        Fails(await Queue(id).ConfigureAsync(config with { HoldMusic = "music/jazz.wav" }), AcdError.InvalidArgument);
        Fails(await Queue(id).ConfigureAsync(config with { HoldMusic = "jazz.mp3" }), AcdError.InvalidArgument);
        Fails(await Queue(id).ConfigureAsync(config with { Language = "english!" }), AcdError.InvalidArgument);
        Ok(await Queue(id).ConfigureAsync(config with { AnnounceSeconds = 0, HoldMusic = null, Language = "en-GB" }));
        Assert.Equal(0, (await Queue(id).GetAsync()).Config!.AnnounceSeconds);
    }
}

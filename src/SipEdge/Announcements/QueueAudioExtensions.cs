using Acd.Media;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Acd.SipEdge.Announcements;

public static class QueueAudioExtensions
{
    /// <summary>
    /// Queue audio's services: <see cref="QueueAudioOptions"/> (section <c>Media</c>), the <see cref="SoundLibrary"/> (the
    /// REST API lists and checks sounds with it, so it is there with or without the SIP edge), the queue grain as
    /// <see cref="IQueuePositions"/>, and <see cref="QueueAudio"/>, made on first use from the <see cref="MediaEngine"/>
    /// registered by whoever runs the engine. Idempotent.
    /// </summary>
    public static IServiceCollection AddQueueAudio(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<QueueAudioOptions>(configuration.GetSection(QueueAudioOptions.SectionName));
        services.TryAddSingleton(sp => new SoundLibrary(
            SoundLibrary.ResolveRoot(sp.GetRequiredService<IOptions<QueueAudioOptions>>().Value, sp.GetService<IHostEnvironment>()?.ContentRootPath),
            sp.GetService<ILogger<SoundLibrary>>(), sp.GetService<TimeProvider>()));
        services.TryAddSingleton<IQueuePositions>(sp => new GrainQueuePositions(sp.GetRequiredService<IGrainFactory>()));
        services.TryAddSingleton(sp => new QueueAudio(sp.GetRequiredService<MediaEngine>(), sp.GetRequiredService<SoundLibrary>(),
            sp.GetRequiredService<IQueuePositions>(), sp.GetRequiredService<IOptions<QueueAudioOptions>>().Value,
            sp.GetService<ILoggerFactory>()));
        return services;
    }
}

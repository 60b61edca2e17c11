using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;

namespace Acd.Silo.Hosting;

/// <summary>
/// Log levels the product starts with, under every other configuration source: Orleans writes each options class it
/// uses at start-up (about 220 lines, category <see cref="SiloOptionsCategory"/> or <see cref="ClientOptionsCategory"/>)
/// and Polly a line per grain placement at Information, which buries the start-up banner. Any
/// <c>Logging:LogLevel:&lt;category&gt;</c> setting (appsettings, <c>Logging__LogLevel__...</c>) overrides these.
/// </summary>
public static class LoggingDefaults
{
    public const string SiloOptionsCategory = "Orleans.Runtime.SiloOptionsLogger";
    public const string ClientOptionsCategory = "Orleans.ClientOptionsLogger";
    public const string PollyCategory = "Polly";

    public static readonly IReadOnlyDictionary<string, string?> Settings = new Dictionary<string, string?>
    {
        [$"Logging:LogLevel:{SiloOptionsCategory}"] = "Warning",
        [$"Logging:LogLevel:{ClientOptionsCategory}"] = "Warning",
        [$"Logging:LogLevel:{PollyCategory}"] = "Warning",
    };

    /// <summary>Adds <see cref="Settings"/> as the lowest-priority configuration source (idempotent).</summary>
    public static IConfigurationBuilder AddAcdLoggingDefaults(this IConfigurationBuilder configuration)
    {
        if (!configuration.Sources.OfType<DefaultsSource>().Any())
        {
            configuration.Sources.Insert(0, new DefaultsSource { InitialData = Settings });
        }

        return configuration;
    }

    private sealed class DefaultsSource : MemoryConfigurationSource;
}

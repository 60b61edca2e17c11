using Acd.Grains.Hosting;
using Acd.Silo.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Hosting;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace Acd.Silo.Hosting;

public static class EmbeddedStorageExtensions
{
    public const string GrainStateFile = "grains.db";
    public const string RemindersFile = "reminders.db";
    public const string ReportingFile = "reporting.db";

    /// <summary>
    /// Grain state and reminders for the single-process product, kept in SQLite files under <paramref name="dataPath"/>
    /// (grains.db for the "acd" provider, reminders.db for reminders). Survives restarts; nothing to install.
    /// </summary>
    public static ISiloBuilder UseAcdEmbeddedStorage(this ISiloBuilder silo, string dataPath)
    {
        Directory.CreateDirectory(dataPath);
        silo.Services.AddSqliteGrainStorage(AcdStorage.GrainState, Path.Combine(dataPath, GrainStateFile));
        silo.Services.AddOptions<SqliteGrainStorageOptions>(AcdStorage.GrainState).Configure<Serializer>(
            (o, serializer) => o.GrainStorageSerializer = AcdGrainStateSerializer.Create(serializer));
        silo.UseSqliteReminderService(Path.Combine(dataPath, RemindersFile));
        return silo;
    }

    /// <summary>Registers a named <see cref="SqliteGrainStorage"/> provider on the file at <paramref name="databasePath"/>.</summary>
    public static IServiceCollection AddSqliteGrainStorage(this IServiceCollection services, string name, string databasePath)
    {
        services.AddOptions<SqliteGrainStorageOptions>(name).Configure(o => o.DatabasePath = databasePath);
        // Fills GrainStorageSerializer from the silo's IGrainStorageSerializer unless configured otherwise.
        services.AddTransient<IPostConfigureOptions<SqliteGrainStorageOptions>, DefaultStorageProviderSerializerOptionsConfigurator<SqliteGrainStorageOptions>>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddGrainStorage(name, (sp, providerName) => new SqliteGrainStorage(
            providerName,
            sp.GetRequiredService<IOptionsMonitor<SqliteGrainStorageOptions>>().Get(providerName),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<SqliteGrainStorage>>()));
        return services;
    }

    /// <summary>Orleans reminders backed by <see cref="SqliteReminderTable"/> on the file at <paramref name="databasePath"/>.</summary>
    public static ISiloBuilder UseSqliteReminderService(this ISiloBuilder silo, string databasePath)
    {
        silo.AddReminders();
        silo.Services.Configure<SqliteReminderTableOptions>(o => o.DatabasePath = databasePath);
        silo.Services.AddSingleton<SqliteReminderTable>();
        silo.Services.AddSingleton<IReminderTable>(sp => sp.GetRequiredService<SqliteReminderTable>());
        return silo;
    }
}

/// <summary>
/// How ACD grain state is serialized in every mode: Orleans' own binary serializer. The grain state classes are
/// [GenerateSerializer] types with [Id] members, so this format is version tolerant; Orleans' default JSON storage
/// serializer (Newtonsoft with reference tracking) cannot read back the immutable collections the state holds.
/// </summary>
public static class AcdGrainStateSerializer
{
    public static IGrainStorageSerializer Create(Serializer serializer) => new OrleansGrainStorageSerializer(serializer);
}

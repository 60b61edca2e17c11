using Acd.Grains.Hosting;
using Orleans.Hosting;

namespace Acd.Silo.Hosting;

public static class EmbeddedStorageExtensions
{
    /// <summary>Grain state and reminders for the single-process product, kept under <paramref name="dataPath"/>.</summary>
    public static ISiloBuilder UseAcdEmbeddedStorage(this ISiloBuilder silo, string dataPath)
    {
        Directory.CreateDirectory(dataPath);
        // Placeholder until the SQLite providers land: in-memory state.
        silo.AddMemoryGrainStorage(AcdStorage.GrainState);
        silo.UseInMemoryReminderService();
        return silo;
    }
}

namespace Acd.Grains.Hosting;

/// <summary>Names shared between grains and the silo's provider registrations.</summary>
public static class AcdStorage
{
    /// <summary>The grain storage provider holding agent, call, queue and catalog state.</summary>
    public const string GrainState = "acd";
}

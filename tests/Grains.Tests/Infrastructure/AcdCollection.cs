namespace Acd.Grains.Tests.Infrastructure;

/// <summary>All grain tests share one cluster (and its fake clock), one test at a time.</summary>
[CollectionDefinition(Name)]
public sealed class AcdCollection : ICollectionFixture<AcdCluster>
{
    public const string Name = "acd cluster";
}

using System.Collections;
using System.Reflection;
using Acd.SipEdge.Hosting;
using Microsoft.Extensions.Configuration;

namespace Acd.Frontend.Tests;

/// <summary>
/// Configuration binding appends to the items a collection property starts with, so a configured list would extend its
/// default instead of replacing it. Options bound from configuration therefore start with empty collections and resolve
/// their defaults when nothing is configured.
/// </summary>
public sealed class OptionsBindingTests
{
    [Fact]
    public void A_configured_digest_list_replaces_the_default()
    {
        var options = Bind(new() { ["Sip:DigestAlgorithms:0"] = "SHA-256", ["Sip:DigestAlgorithms:1"] = "MD5" });
        Assert.Equal(["SHA-256", "MD5"], options.ResolveDigestAlgorithms());

        var md5Twice = Bind(new() { ["Sip:DigestAlgorithms:0"] = "MD5" });
        Assert.Equal(["MD5"], md5Twice.ResolveDigestAlgorithms());
    }

    [Fact]
    public void Without_configuration_the_edge_challenges_with_md5_alone()
    {
        Assert.Equal(["MD5"], Bind([]).ResolveDigestAlgorithms());
    }

    [Fact]
    public void No_options_class_bound_from_configuration_starts_with_a_non_empty_collection()
    {
        var assemblies = new[] { typeof(SipEdgeOptions).Assembly, typeof(Acd.Frontend.Hosting.FrontendOptions).Assembly, typeof(Acd.Silo.Hosting.AcdClusterOptions).Assembly, typeof(Acd.Reporting.ReportingOptions).Assembly };
        var sectionTypes = assemblies.SelectMany(a => a.GetTypes())
            .Where(t => t.IsClass && t.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true })
            .ToList();
        Assert.True(sectionTypes.Count >= 8, $"found only {sectionTypes.Count} options classes");

        var offenders = new List<string>();
        var seen = new HashSet<Type>();
        foreach (var type in sectionTypes)
        {
            Inspect(type, type.Name, offenders, seen);
        }

        Assert.True(offenders.Count == 0, "collections with default items (binding would append to them): " + string.Join(", ", offenders));
    }

    private static void Inspect(Type type, string path, List<string> offenders, HashSet<Type> seen)
    {
        if (!seen.Add(type) || type.GetConstructor(Type.EmptyTypes) is null)
        {
            return;
        }

        var instance = Activator.CreateInstance(type)!;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.GetIndexParameters().Length == 0))
        {
            var value = property.GetValue(instance);
            if (value is IEnumerable items and not string && items.Cast<object>().Any())
            {
                offenders.Add($"{path}.{property.Name}");
            }
            else if (property.PropertyType is { IsClass: true, Namespace: { } ns } nested && ns.StartsWith("Acd", StringComparison.Ordinal))
            {
                Inspect(nested, $"{path}.{property.Name}", offenders, seen);
            }
        }
    }

    private static SipEdgeOptions Bind(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return configuration.GetSection(SipEdgeOptions.Section).Get<SipEdgeOptions>() ?? new SipEdgeOptions();
    }
}

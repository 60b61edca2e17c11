using Acd.ThreeCx.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Acd.ThreeCx.Tests;

public sealed class OptionsTests
{
    private static IConfiguration Config(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    [Fact]
    public void Pbxs_bind_from_the_ThreeCx_section_with_defaults_and_route_point_mapping()
    {
        var config = Config(new()
        {
            ["ThreeCx:Pbxs:0:Name"] = "berlin",
            ["ThreeCx:Pbxs:0:BaseUrl"] = "https://pbx.example.com",
            ["ThreeCx:Pbxs:0:ClientId"] = "800",
            ["ThreeCx:Pbxs:0:ClientSecret"] = "from-environment",
            ["ThreeCx:Pbxs:0:RoutePoints:800"] = "sales",
            ["ThreeCx:Pbxs:0:RoutePoints:+493012345"] = "support",
            ["ThreeCx:Pbxs:0:TokenLifetimeUnit"] = "Minutes",
        });
        var services = new ServiceCollection().AddLogging().AddThreeCx(config).BuildServiceProvider();
        var pbx = Assert.Single(services.GetRequiredService<IOptions<ThreeCxOptions>>().Value.Pbxs);
        Assert.Equal(45, pbx.SnapshotSeconds);
        Assert.Equal(15, pbx.PingSeconds);
        Assert.Equal(2000, pbx.RemovalGraceMilliseconds);
        Assert.Equal(ThreeCxTokenLifetimeUnit.Minutes, pbx.TokenLifetimeUnit);
        Assert.Equal("sales", pbx.ResolveQueue("800", ""));
        Assert.Equal("support", pbx.ResolveQueue("800", "+493012345"));
        Assert.Null(pbx.ResolveQueue("801", null));
        Assert.DoesNotContain("from-environment", pbx.ToString());

        var connector = services.GetRequiredService<ThreeCxConnector>();
        Assert.Equal("berlin", Assert.Single(connector.Pbxs).Name);
        Assert.Same(connector.Pbxs[0], connector.Find("BERLIN"));
    }

    [Fact]
    public void A_secret_can_come_from_a_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"threecx-secret-{Guid.NewGuid():N}");
        File.WriteAllText(path, "file-secret\n");
        try
        {
            var pbx = new ThreeCxPbxOptions { ClientSecretFile = path };
            Assert.Equal("file-secret", pbx.ResolveSecret());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Invalid_settings_are_refused_with_errors_naming_the_pbx_and_key_but_never_the_secret()
    {
        var options = new ThreeCxOptions
        {
            Pbxs =
            [
                new ThreeCxPbxOptions { Name = "a", BaseUrl = "pbx.example.com", ClientId = "800", ClientSecret = "top-secret-1", PingSeconds = 60 },
                new ThreeCxPbxOptions { Name = "a", BaseUrl = "https://pbx.example.com/callcontrol", ClientId = "", ClientSecret = "top-secret-2" },
                new ThreeCxPbxOptions
                {
                    Name = "", BaseUrl = "https://pbx2.example.com", ClientId = "900", SnapshotSeconds = 1,
                    RoutePoints = new Dictionary<string, string> { ["900"] = "" },
                },
            ],
        };
        var result = new ThreeCxOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        var errors = result.Failures!.ToArray();
        Assert.Contains("ThreeCx:Pbxs:0 (a): BaseUrl must be an absolute http(s) address such as https://pbx.example.com (got 'pbx.example.com').", errors);
        Assert.Contains("ThreeCx:Pbxs:0 (a): PingSeconds must be between 5 and 30 (got 60).", errors);
        Assert.Contains("ThreeCx:Pbxs:1 (a): Name 'a' is used by another PBX.", errors);
        Assert.Contains("ThreeCx:Pbxs:1 (a): BaseUrl is the PBX's address without /callcontrol (the connector adds it).", errors);
        Assert.Contains(errors, e => e.StartsWith("ThreeCx:Pbxs:1 (a): ClientId", StringComparison.Ordinal));
        Assert.Contains("ThreeCx:Pbxs:2: Name is required.", errors);
        Assert.Contains("ThreeCx:Pbxs:2: ClientSecret is required (set ThreeCx__Pbxs__2__ClientSecret, or ClientSecretFile).", errors);
        Assert.Contains("ThreeCx:Pbxs:2: RoutePoints:900 names no queue.", errors);
        Assert.Contains("ThreeCx:Pbxs:2: SnapshotSeconds must be between 5 and 3600 (got 1).", errors);
        Assert.DoesNotContain(errors, e => e.Contains("top-secret", StringComparison.Ordinal));

        var valid = new ThreeCxOptions { Pbxs = [new ThreeCxPbxOptions { Name = "b", BaseUrl = "https://pbx.example.com", ClientId = "800", ClientSecret = "x" }] };
        Assert.True(new ThreeCxOptionsValidator().Validate(null, valid).Succeeded);
        Assert.True(new ThreeCxOptionsValidator().Validate(null, new ThreeCxOptions()).Succeeded);
    }

    [Fact]
    public void The_registration_validates_the_section_when_read()
    {
        var config = Config(new() { ["ThreeCx:Pbxs:0:Name"] = "x", ["ThreeCx:Pbxs:0:BaseUrl"] = "https://pbx.example.com" });
        var services = new ServiceCollection().AddLogging().AddThreeCx(config).BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<ThreeCxOptions>>().Value);
        Assert.Contains("ClientId", error.Message);
    }
}

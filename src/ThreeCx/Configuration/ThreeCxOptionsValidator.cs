using Microsoft.Extensions.Options;

namespace Acd.ThreeCx.Configuration;

/// <summary>Refuses a configuration the connector could not run with, naming the PBX and the key; never quotes a secret.</summary>
public sealed class ThreeCxOptionsValidator : IValidateOptions<ThreeCxOptions>
{
    public ValidateOptionsResult Validate(string? name, ThreeCxOptions options)
    {
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Pbxs.Count; i++)
        {
            var pbx = options.Pbxs[i];
            var where = string.IsNullOrWhiteSpace(pbx.Name) ? $"ThreeCx:Pbxs:{i}" : $"ThreeCx:Pbxs:{i} ({pbx.Name})";
            if (string.IsNullOrWhiteSpace(pbx.Name))
            {
                errors.Add($"{where}: Name is required.");
            }
            else if (!names.Add(pbx.Name))
            {
                errors.Add($"{where}: Name '{pbx.Name}' is used by another PBX.");
            }

            if (!Uri.TryCreate(pbx.BaseUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"{where}: BaseUrl must be an absolute http(s) address such as https://pbx.example.com (got '{pbx.BaseUrl}').");
            }
            else if (url.AbsolutePath.TrimEnd('/').EndsWith("/callcontrol", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{where}: BaseUrl is the PBX's address without /callcontrol (the connector adds it).");
            }

            if (string.IsNullOrWhiteSpace(pbx.ClientId))
            {
                errors.Add($"{where}: ClientId (the API client's id, which is its Route Point DN) is required.");
            }

            if (string.IsNullOrWhiteSpace(pbx.ClientSecret))
            {
                if (string.IsNullOrWhiteSpace(pbx.ClientSecretFile))
                {
                    errors.Add($"{where}: ClientSecret is required (set ThreeCx__Pbxs__{i}__ClientSecret, or ClientSecretFile).");
                }
                else if (pbx.ResolveSecret() is null)
                {
                    errors.Add($"{where}: ClientSecretFile '{pbx.ClientSecretFile}' is missing or empty.");
                }
            }

            foreach (var (key, queue) in pbx.RoutePoints)
            {
                if (string.IsNullOrWhiteSpace(queue))
                {
                    errors.Add($"{where}: RoutePoints:{key} names no queue.");
                }
            }

            Range(errors, where, "SnapshotSeconds", pbx.SnapshotSeconds, 5, 3600);
            Range(errors, where, "PingSeconds", pbx.PingSeconds, 5, 30);
            Range(errors, where, "RemovalGraceMilliseconds", pbx.RemovalGraceMilliseconds, 0, 10_000);
            Range(errors, where, "ReconnectMaxSeconds", pbx.ReconnectMaxSeconds, 1, 600);
            Range(errors, where, "TokenBackoffMaxSeconds", pbx.TokenBackoffMaxSeconds, 1, 600);
            Range(errors, where, "RequestTimeoutSeconds", pbx.RequestTimeoutSeconds, 1, 300);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Range(List<string> errors, string where, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{where}: {key} must be between {min} and {max} (got {value}).");
        }
    }
}

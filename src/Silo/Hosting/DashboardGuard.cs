using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Serialization.Configuration;

namespace Acd.Silo.Hosting;

/// <summary>
/// Stands in front of the Orleans dashboard (Microsoft.Orleans.Dashboard, which the product cannot change) so bad input
/// never reaches it: the package answers 500 for a malformed silo address and 503 or 500 for an unknown one. Every
/// route is listed in <see cref="Routes"/>; its silo address, grain type, grain id or page is checked against the live
/// cluster first: malformed is 400, unknown (or a silo that is not active) is 404, anything else under the prefix is
/// 404, and what the dashboard still throws for such input becomes 400 (503 when the cluster does not answer).
/// </summary>
public static partial class DashboardGuard
{
    /// <summary>The dashboard's routes (Microsoft.Orleans.Dashboard 10.4.2), relative to its prefix.</summary>
    public static readonly IReadOnlyList<string> Routes =
    [
        "/", "/index.html", "/favicon.ico", "/index.min.js", "/index.css", "/fonts/{**path}", "/img/{**path}", "/version",
        "/DashboardCounters", "/ClusterStats", "/Reminders", "/Reminders/{page:int}", "/HistoricalStats/{*path}",
        "/SiloProperties/{*address}", "/SiloMetadata/{*address}", "/SiloStats/{*address}", "/SiloCounters/{*address}",
        "/GrainStats/{*grainName}", "/TopGrainMethods", "/GrainState", "/LifecycleStages", "/GrainTypes", "/Trace",
    ];

    private static readonly HashSet<string> Plain = new(StringComparer.OrdinalIgnoreCase)
    {
        "", "/", "/index.html", "/favicon.ico", "/index.min.js", "/index.css", "/version", "/DashboardCounters", "/ClusterStats",
        "/Reminders", "/TopGrainMethods", "/LifecycleStages", "/GrainTypes", "/Trace",
    };

    private static readonly HashSet<string> SiloRoutes = new(StringComparer.OrdinalIgnoreCase)
    {
        "HistoricalStats", "SiloProperties", "SiloMetadata", "SiloStats", "SiloCounters",
    };

    /// <param name="prefix">Where the dashboard is mapped, e.g. "/dashboard".</param>
    /// <param name="admit">
    /// Decides first whether the caller may see the dashboard at all, for every path under the prefix (known route or
    /// not); it writes the refusal (401/403) itself and returns false. Null: everyone may.
    /// </param>
    public static IApplicationBuilder UseOrleansDashboardGuard(this IApplicationBuilder app, PathString prefix,
        Func<HttpContext, Task<bool>>? admit = null) =>
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase, out var rest))
            {
                await next(context);
                return;
            }

            if (admit is not null && !await admit(context))
            {
                return;
            }

            var check = await CheckAsync(context, rest.Value ?? string.Empty);
            if (check.Refusal is { } refusal)
            {
                await refusal.ExecuteAsync(context);
                return;
            }

            if (!check.HasInput)
            {
                await next(context);
                return;
            }

            try
            {
                await next(context);
            }
            catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
            {
                var unavailable = ex is SiloUnavailableException or TimeoutException or OrleansMessageRejectionException;
                context.RequestServices.GetService<ILoggerFactory>()?.CreateLogger(typeof(DashboardGuard).FullName!)
                    .LogWarning(ex, "The Orleans dashboard failed on {Path}", context.Request.Path);
                context.Response.Clear();
                await (unavailable
                    ? Problem(StatusCodes.Status503ServiceUnavailable, "The cluster did not answer; try again.")
                    : Problem(StatusCodes.Status400BadRequest, "The dashboard cannot answer for this input.")).ExecuteAsync(context);
            }
        });

    private static async Task<(IResult? Refusal, bool HasInput)> CheckAsync(HttpContext context, string path)
    {
        if (Plain.Contains(path))
        {
            return (null, false);
        }

        var slash = path.IndexOf('/', 1);
        var route = slash < 0 ? path[1..] : path[1..slash];
        var value = slash < 0 ? string.Empty : path[(slash + 1)..];
        if (route.Equals("fonts", StringComparison.OrdinalIgnoreCase) || route.Equals("img", StringComparison.OrdinalIgnoreCase))
        {
            return (null, false); // embedded assets: the package answers 404 for unknown ones
        }

        if (route.Equals("Reminders", StringComparison.OrdinalIgnoreCase))
        {
            return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var page) && page is >= 1 and <= 1_000_000
                ? (null, true)
                : (Problem(StatusCodes.Status400BadRequest, "A reminders page is a whole number from 1."), false);
        }

        var grains = context.RequestServices.GetRequiredService<IGrainFactory>();
        if (SiloRoutes.Contains(route))
        {
            return (await CheckSiloAsync(grains, value), true);
        }

        if (route.Equals("GrainStats", StringComparison.OrdinalIgnoreCase))
        {
            return (await CheckGrainTypeAsync(context, grains, value), true);
        }

        if (route.Equals("GrainState", StringComparison.OrdinalIgnoreCase) && value.Length == 0)
        {
            var type = context.Request.Query["grainType"].ToString();
            var id = context.Request.Query["grainId"].ToString();
            return (await CheckGrainTypeAsync(context, grains, type) ?? CheckGrainId(context, type, id), true);
        }

        return (Problem(StatusCodes.Status404NotFound, "The dashboard has no such page."), false);
    }

    private static async Task<IResult?> CheckSiloAsync(IGrainFactory grains, string address)
    {
        if (address.Length == 0)
        {
            return Problem(StatusCodes.Status400BadRequest, "A silo address is required, e.g. 10.0.0.5:11111@123456789.");
        }

        SiloAddress silo;
        try
        {
            silo = SiloAddress.FromParsableString(address);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            return Problem(StatusCodes.Status400BadRequest, "Not a silo address; expected host:port@generation, e.g. 10.0.0.5:11111@123456789.");
        }

        var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: false);
        return hosts.TryGetValue(silo, out var status) switch
        {
            false => Problem(StatusCodes.Status404NotFound, $"No silo {address} in this cluster."),
            true when status != SiloStatus.Active => Problem(StatusCodes.Status404NotFound, $"Silo {address} is not active ({status})."),
            _ => null,
        };
    }

    private static async Task<IResult?> CheckGrainTypeAsync(HttpContext context, IGrainFactory grains, string type)
    {
        if (type.Length == 0)
        {
            return Problem(StatusCodes.Status400BadRequest, "A grain type is required (its full name, as listed by GrainTypes).");
        }

        if (type.Length > 512 || !TypeName().IsMatch(type))
        {
            return Problem(StatusCodes.Status400BadRequest, "Not a grain type name.");
        }

        if (Implementation(context, type) is not null)
        {
            return null;
        }

        // Types the cluster reports activations of count too (a silo may run grains this process does not know).
        var live = await grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return live.Any(s => string.Equals(s.GrainType, type, StringComparison.Ordinal))
            ? null
            : Problem(StatusCodes.Status404NotFound, $"No grain type '{type}' in this cluster.");
    }

    private static IResult? CheckGrainId(HttpContext context, string type, string id)
    {
        if (id.Length == 0)
        {
            return Problem(StatusCodes.Status400BadRequest, "A grain id is required (grainId=...; 'key,extension' for compound keys).");
        }

        if (Implementation(context, type) is not { } implementation)
        {
            return null; // only known from the live cluster: the dashboard reports what it can
        }

        var parts = id.Split(',');
        var valid = implementation switch
        {
            _ when typeof(IGrainWithGuidCompoundKey).IsAssignableFrom(implementation) => parts.Length == 2 && Guid.TryParse(parts[0], out _),
            _ when typeof(IGrainWithIntegerCompoundKey).IsAssignableFrom(implementation) =>
                parts.Length == 2 && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
            _ when typeof(IGrainWithGuidKey).IsAssignableFrom(implementation) => Guid.TryParse(id, out _),
            _ when typeof(IGrainWithIntegerKey).IsAssignableFrom(implementation) =>
                long.TryParse(id, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
            _ when typeof(IGrainWithStringKey).IsAssignableFrom(implementation) => id.Length <= 1024,
            _ => false,
        };
        return valid ? null : Problem(StatusCodes.Status400BadRequest, $"'{Shorten(id)}' is not a key of {type}, or the dashboard cannot read its state.");
    }

    private static Type? Implementation(HttpContext context, string type) =>
        context.RequestServices.GetService<IOptions<TypeManifestOptions>>()?.Value.InterfaceImplementations
            .FirstOrDefault(t => string.Equals(t.FullName, type, StringComparison.Ordinal));

    private static string Shorten(string value) => value.Length > 64 ? value[..64] + "..." : value;

    private static IResult Problem(int status, string detail) => TypedResults.Problem(detail: detail, statusCode: status,
        title: status switch { 400 => "Bad request", 404 => "Not found", _ => "Service unavailable" });

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.+`<>\[\], =]*$")]
    private static partial Regex TypeName();
}

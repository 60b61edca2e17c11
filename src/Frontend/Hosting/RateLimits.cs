using System.Globalization;
using System.Threading.RateLimiting;
using Acd.Frontend.Auth;
using Microsoft.AspNetCore.RateLimiting;

namespace Acd.Frontend.Hosting;

/// <summary>Configuration section "RateLimits": fixed windows per client address (auth) and per user (API).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    public WindowLimit Auth { get; set; } = new() { PermitLimit = 60, WindowSeconds = 60 };

    public WindowLimit Api { get; set; } = new() { PermitLimit = 1200, WindowSeconds = 60 };

    public sealed class WindowLimit
    {
        public int PermitLimit { get; set; }

        public int WindowSeconds { get; set; }
    }
}

public static class RateLimits
{
    public const string AuthPolicy = "auth";
    public const string ApiPolicy = "api";

    public static IServiceCollection AddAcdRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var http = context.HttpContext;
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                }

                var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests", Detail = "Slow down and retry later." },
                });
            };
            limiter.AddPolicy(AuthPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                $"ip:{http.Connection.RemoteIpAddress}", _ => Window(options.Auth)));
            limiter.AddPolicy(ApiPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                http.User.Username() is { } user ? $"user:{user}" : $"ip:{http.Connection.RemoteIpAddress}", _ => Window(options.Api)));
        });
        return services;
    }

    private static FixedWindowRateLimiterOptions Window(RateLimitOptions.WindowLimit limit) => new()
    {
        PermitLimit = Math.Max(1, limit.PermitLimit),
        Window = TimeSpan.FromSeconds(Math.Max(1, limit.WindowSeconds)),
        QueueLimit = 0,
    };
}

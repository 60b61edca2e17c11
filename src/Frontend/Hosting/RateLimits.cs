using System.Globalization;
using System.Threading.RateLimiting;
using Acd.Accounts;
using Acd.Frontend.Auth;
using Microsoft.AspNetCore.RateLimiting;

namespace Acd.Frontend.Hosting;

/// <summary>
/// Configuration section "RateLimits": fixed windows per client address (the anonymous auth endpoints) and per user
/// (API), and the per-account back-off after wrong passwords (<see cref="SignIn"/>).
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>
    /// Sign-in, refresh and logout per client address. A call centre's agents often share one public address, so this
    /// is only a ceiling against floods; guessing is limited per account.
    /// </summary>
    public WindowLimit Auth { get; set; } = new() { PermitLimit = 1000, WindowSeconds = 60 };

    public WindowLimit Api { get; set; } = new() { PermitLimit = 1200, WindowSeconds = 60 };

    public SignInLimit SignIn { get; set; } = new();

    public sealed class WindowLimit
    {
        public int PermitLimit { get; set; }

        public int WindowSeconds { get; set; }
    }

    /// <summary>Per account (username, also unknown ones): free failures, then a doubling lock up to a cap.</summary>
    public sealed class SignInLimit
    {
        public int FreeFailures { get; set; } = SignInBackoff.Default.FreeFailures;

        public double FirstDelaySeconds { get; set; } = SignInBackoff.Default.FirstDelay.TotalSeconds;

        public double MaxDelaySeconds { get; set; } = SignInBackoff.Default.MaxDelay.TotalSeconds;

        /// <summary>Failures are forgotten this long after the last lock ended (and at once on a success).</summary>
        public double ForgetAfterMinutes { get; set; } = SignInBackoff.Default.ForgetAfter.TotalMinutes;

        public SignInBackoff ToBackoff()
        {
            var first = TimeSpan.FromSeconds(Math.Clamp(FirstDelaySeconds, 0.001, 86_400));
            return new SignInBackoff(Math.Max(1, FreeFailures), first, TimeSpan.FromSeconds(Math.Clamp(MaxDelaySeconds, first.TotalSeconds, 86_400)),
                TimeSpan.FromMinutes(Math.Clamp(ForgetAfterMinutes, 0, 7 * 24 * 60)));
        }
    }
}

public static class RateLimits
{
    public const string AuthPolicy = "auth";
    public const string ApiPolicy = "api";

    public static IServiceCollection AddAcdRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        services.Configure<RateLimitOptions>(configuration.GetSection(RateLimitOptions.Section));
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

using Acd.Accounts;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Acd.Frontend.Auth;

public static class AuthServiceExtensions
{
    /// <summary>Cookie that carries a supervisor's access token to the Orleans dashboard (HttpOnly, path /dashboard).</summary>
    public const string DashboardCookie = "acd_dashboard";

    public static IServiceCollection AddAcdAuth(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<AuthOptions>(configuration.GetSection(AuthOptions.Section));
        services.Configure<BootstrapOptions>(configuration.GetSection(BootstrapOptions.Section));
        services.AddSingleton<SigningKeyProvider>();
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<TokenService>();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>, SigningKeyProvider, TimeProvider>((jwt, auth, keys, time) =>
            {
                jwt.MapInboundClaims = false;
                jwt.TimeProvider = time;
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = auth.Value.Issuer,
                    ValidAudience = auth.Value.Audience,
                    IssuerSigningKey = keys.Key,
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    NameClaimType = AcdClaims.Subject,
                    RoleClaimType = AcdClaims.Role,
                    ClockSkew = TimeSpan.FromSeconds(5),
                };
                jwt.Events = new JwtBearerEvents
                {
                    OnMessageReceived = context =>
                    {
                        var path = context.HttpContext.Request.Path;
                        if (path.StartsWithSegments("/hubs") && context.Request.Query["access_token"] is { Count: > 0 } query)
                        {
                            // WebSockets and server-sent events cannot carry an Authorization header.
                            context.Token = query.ToString();
                        }
                        else if (path.StartsWithSegments("/dashboard") && context.Request.Cookies[DashboardCookie] is { Length: > 0 } cookie)
                        {
                            context.Token = cookie;
                        }

                        return Task.CompletedTask;
                    },
                    OnTokenValidated = async context =>
                    {
                        // Access tokens die with their session: logout and refresh-token theft detection revoke them at once.
                        var principal = context.Principal!;
                        var username = principal.Username();
                        var sessionId = principal.SessionId();
                        var grains = context.HttpContext.RequestServices.GetRequiredService<IGrainFactory>();
                        if (username is null || sessionId is null
                            || !await TokenService.Account(grains, username).IsSessionActiveAsync(sessionId))
                        {
                            context.Fail("The session of this token was revoked.");
                        }
                    },
                };
            });

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Agent, p => p.RequireRole(Roles.Agent, Roles.Supervisor, Roles.Admin))
            .AddPolicy(Policies.Supervisor, p => p.RequireRole(Roles.Supervisor, Roles.Admin))
            .AddPolicy(Policies.Admin, p => p.RequireRole(Roles.Admin));
        return services;
    }
}

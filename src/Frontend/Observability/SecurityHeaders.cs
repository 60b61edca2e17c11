namespace Acd.Frontend.Observability;

/// <summary>Security headers on every response; a strict CSP (no inline script) everywhere but the Orleans dashboard.</summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
        "connect-src 'self' ws: wss:; media-src 'self' blob: data:; object-src 'none'; base-uri 'self'; form-action 'self'; " +
        "frame-ancestors 'none'";

    /// <summary>The dashboard ships its own inline bootstrap; it still may only talk to this origin.</summary>
    public const string DashboardContentSecurityPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseAcdSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), geolocation=(), microphone=(self)";
            headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments("/dashboard")
                ? DashboardContentSecurityPolicy
                : ContentSecurityPolicy;
            return next(context);
        });
}

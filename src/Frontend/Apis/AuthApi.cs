using System.Collections.Immutable;
using System.Security.Claims;
using Acd.Accounts;
using Acd.Frontend.Auth;
using Acd.Frontend.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Acd.Frontend.Apis;

public sealed record TokenRequest(string? Username, string? Password);

public sealed record RefreshRequest(string? RefreshToken);

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

public sealed record SignInPasswordChangeRequest(string? Username, string? CurrentPassword, string? NewPassword);

public sealed record MeView(string Username, string? AgentId, IReadOnlyList<string> Roles);

public sealed record UserRequest(string? Username, string? Password, List<string>? Roles, string? AgentId,
    List<string>? ScopeTeams = null, List<string>? ScopeQueues = null, bool? Disabled = null);

public sealed record UserView(string Username, string? AgentId, IReadOnlyList<string> Roles, bool Disabled, DateTimeOffset CreatedAt,
    IReadOnlyList<string>? ScopeTeams = null, IReadOnlyList<string>? ScopeQueues = null);

public static class AuthApi
{
    public const int MinPasswordLength = 8;

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder api)
    {
        // The anonymous endpoints count per client address (a ceiling: many agents share one address); guessing is limited
        // per account. The signed-in ones count per user like the rest of the API.
        var auth = api.MapGroup("/auth").WithTags("Auth");
        auth.MapPost("/token", TokenAsync).AllowAnonymous().RequireRateLimiting(RateLimits.AuthPolicy)
            .WithSummary("Sign in: exchange username and password for tokens. 429 with Retry-After while the account backs off after wrong passwords.");
        auth.MapPost("/refresh", RefreshAsync).AllowAnonymous().RequireRateLimiting(RateLimits.AuthPolicy)
            .WithSummary("Rotate a refresh token: the old one stops working.");
        auth.MapPost("/logout", LogoutAsync).AllowAnonymous().RequireRateLimiting(RateLimits.AuthPolicy)
            .WithSummary("Revoke the session of a refresh token (and of the bearer token, if any).");
        auth.MapPost("/change-password", ChangePasswordAndSignInAsync).AllowAnonymous().RequireRateLimiting(RateLimits.AuthPolicy)
            .WithSummary("Sign in with a new password: for accounts whose sign-in answers 403 passwordChangeRequired (the generated first admin password), or any account.");
        auth.MapGet("/me", Me).RequireAuthorization(Policies.Agent);
        auth.MapPost("/password", ChangePasswordAsync).RequireAuthorization(Policies.Agent);
        auth.MapPost("/dashboard-session", DashboardSession).RequireAuthorization(Policies.Supervisor)
            .WithSummary("Sets an HttpOnly cookie that lets the caller's browser open the Orleans dashboard at /dashboard.");

        var users = api.MapGroup("/users").WithTags("Users").RequireAuthorization(Policies.Admin);
        users.MapPost("/", CreateUserAsync).WithSummary("Create a login without an agent (supervisor, admin, CRM/PBX integration).");
        users.MapGet("/{username}", GetUserAsync);
        users.MapDelete("/{username}", DeleteUserAsync);
        return api;
    }

    private static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> TokenAsync(TokenRequest request, TokenService tokens,
        HttpContext context)
    {
        var v = new Validator().Text(request.Username, "username", 64).Text(request.Password, "password", 256);
        if (!v.IsValid)
        {
            return v.Problem();
        }

        var signIn = await tokens.LoginAsync(request.Username!, request.Password!);
        if (signIn.RetryAfter is { } wait)
        {
            return ApiResults.TooManyAttempts(context, wait);
        }

        if (signIn.PasswordChangeRequired)
        {
            return PasswordChangeRequired();
        }

        return signIn.Tokens is { } response ? TypedResults.Ok(response) : Unauthorized("Unknown user or wrong password.");
    }

    private static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> ChangePasswordAndSignInAsync(
        SignInPasswordChangeRequest request, TokenService tokens, IGrainFactory grains, PasswordHasher hasher, TimeProvider time, HttpContext context)
    {
        var v = new Validator().Text(request.Username, "username", 64).Text(request.CurrentPassword, "currentPassword", 256);
        ValidateNewPassword(v, request.CurrentPassword, request.NewPassword);
        if (!v.IsValid)
        {
            return v.Problem();
        }

        var check = await tokens.CheckPasswordAsync(request.Username!, request.CurrentPassword!);
        if (check.RetryAfter is { } wait)
        {
            return ApiResults.TooManyAttempts(context, wait);
        }

        if (check.Account is not { } account)
        {
            return Unauthorized("Unknown user or wrong password.");
        }

        var changed = account with { PasswordHash = hasher.Hash(request.NewPassword!), MustChangePassword = false, UpdatedAt = time.GetUtcNow() };
        var updated = await TokenService.Account(grains, account.Username).UpdateAsync(changed);
        if (!updated.IsSuccess)
        {
            return ApiResults.Problem(updated);
        }

        return await tokens.StartSessionAsync(changed) is { } response ? TypedResults.Ok(response) : Unauthorized("The account is disabled.");
    }

    private static void ValidateNewPassword(Validator v, string? current, string? next)
    {
        v.Require(next is { Length: >= MinPasswordLength and <= 256 }, "newPassword", $"At least {MinPasswordLength} characters.");
        if (next is not null && string.Equals(next, current, StringComparison.Ordinal))
        {
            v.Add("newPassword", "Must differ from the current password.");
        }
    }

    /// <summary>The password was right but was generated: the client asks its user for a new one and posts /auth/change-password.</summary>
    private static ProblemHttpResult PasswordChangeRequired() =>
        TypedResults.Problem(detail: "The password is right but must be changed first: POST /api/v1/auth/change-password with username, currentPassword and newPassword.",
            statusCode: StatusCodes.Status403Forbidden, title: "Password change required",
            extensions: new Dictionary<string, object?> { ["error"] = "PasswordChangeRequired", ["passwordChangeRequired"] = true });

    private static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> RefreshAsync(RefreshRequest request, TokenService tokens)
    {
        if (string.IsNullOrWhiteSpace(request.RefreshToken))
        {
            return ApiResults.Invalid("refreshToken", "Required.");
        }

        return await tokens.RefreshAsync(request.RefreshToken) is { } response
            ? TypedResults.Ok(response)
            : Unauthorized("The refresh token is invalid, expired or revoked.");
    }

    private static async Task<NoContent> LogoutAsync(RefreshRequest? request, ClaimsPrincipal user, IGrainFactory grains, TokenService tokens)
    {
        if (!string.IsNullOrWhiteSpace(request?.RefreshToken))
        {
            await tokens.RevokeAsync(request.RefreshToken);
        }

        if (user.Username() is { } username && user.SessionId() is { } sessionId)
        {
            await TokenService.Account(grains, username).RevokeSessionAsync(sessionId);
        }

        return TypedResults.NoContent();
    }

    private static Ok<MeView> Me(ClaimsPrincipal user) =>
        TypedResults.Ok(new MeView(user.Username() ?? string.Empty, user.AgentId(),
            user.FindAll(AcdClaims.Role).Select(c => c.Value).ToList()));

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ChangePasswordAsync(
        ChangePasswordRequest request, ClaimsPrincipal user, IGrainFactory grains, PasswordHasher hasher, TokenService tokens, TimeProvider time,
        HttpContext context)
    {
        var v = new Validator().Text(request.CurrentPassword, "currentPassword", 256);
        ValidateNewPassword(v, request.CurrentPassword, request.NewPassword);
        if (!v.IsValid)
        {
            return v.Problem();
        }

        // A stolen access token must not become a way to guess the password: the same back-off as sign-in.
        var check = await tokens.CheckPasswordAsync(user.Username()!, request.CurrentPassword!);
        if (check.RetryAfter is { } wait)
        {
            return ApiResults.TooManyAttempts(context, wait);
        }

        if (check.Account is not { } account)
        {
            return ApiResults.Forbidden("The current password is wrong.");
        }

        var grain = TokenService.Account(grains, account.Username);
        var updated = await grain.UpdateAsync(account with { PasswordHash = hasher.Hash(request.NewPassword!), MustChangePassword = false, UpdatedAt = time.GetUtcNow() });
        return updated.IsSuccess ? TypedResults.NoContent() : ApiResults.Problem(updated);
    }

    private static NoContent DashboardSession(HttpContext context, TimeProvider time)
    {
        var header = context.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : string.Empty;
        context.Response.Cookies.Append(AuthServiceExtensions.DashboardCookie, token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/dashboard",
            Expires = time.GetUtcNow().AddMinutes(15),
        });
        return TypedResults.NoContent();
    }

    private static async Task<Results<Created<UserView>, ValidationProblem, ProblemHttpResult>> CreateUserAsync(
        UserRequest request, IGrainFactory grains, PasswordHasher hasher, TimeProvider time)
    {
        var v = new Validator().Id(request.Username, "username")
            .Require(request.Password is { Length: >= MinPasswordLength and <= 256 }, "password", $"At least {MinPasswordLength} characters.")
            .Require(request.Roles is { Count: > 0 } && request.Roles.All(r => Roles.All.Contains(r)), "roles",
                "One or more of: agent, supervisor, admin.");
        await UsersApi.ValidateScopeAsync(v, request, grains);
        if (!v.IsValid)
        {
            return v.Problem();
        }

        var now = time.GetUtcNow();
        var account = new UserAccount(request.Username!.ToLowerInvariant(), hasher.Hash(request.Password!),
            [.. request.Roles!.Distinct()], request.AgentId, null, request.Disabled ?? false, now, now,
            ScopeTeams: request.ScopeTeams is null ? null : [.. request.ScopeTeams.Distinct()],
            ScopeQueues: request.ScopeQueues is null ? null : [.. request.ScopeQueues.Distinct()]);
        var created = await TokenService.Account(grains, account.Username).CreateAsync(account);
        if (!created.IsSuccess)
        {
            return ApiResults.Problem(created);
        }

        await grains.GetGrain<IUserDirectoryGrain>(UserDirectoryKeys.Default).AddAsync(account.Username);
        return TypedResults.Created($"/api/v1/users/{account.Username}", ToView(account));
    }

    private static async Task<Results<Ok<UserView>, ProblemHttpResult>> GetUserAsync(string username, IGrainFactory grains) =>
        await TokenService.Account(grains, username).GetAsync() is { } account
            ? TypedResults.Ok(ToView(account))
            : ApiResults.NotFound($"User '{username}' does not exist.");

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteUserAsync(string username, IGrainFactory grains, ClaimsPrincipal user)
    {
        if (string.Equals(username, user.Username(), StringComparison.OrdinalIgnoreCase))
        {
            return ApiResults.Conflict("You cannot delete your own account.");
        }

        var deleted = await TokenService.Account(grains, username).DeleteAsync();
        if (deleted.IsSuccess)
        {
            await grains.GetGrain<IUserDirectoryGrain>(UserDirectoryKeys.Default).RemoveAsync(username);
        }

        return deleted.IsSuccess ? TypedResults.NoContent() : ApiResults.Problem(deleted);
    }

    internal static UserView ToView(UserAccount a) =>
        new(a.Username, a.AgentId, a.Roles.IsDefault ? ImmutableArray<string>.Empty : a.Roles, a.Disabled, a.CreatedAt,
            a.ScopeTeams is { IsDefault: false } t ? t : ImmutableArray<string>.Empty,
            a.ScopeQueues is { IsDefault: false } q ? q : ImmutableArray<string>.Empty);

    private static ProblemHttpResult Unauthorized(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");
}

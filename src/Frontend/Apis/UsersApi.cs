using System.Security.Claims;
using Acd.Accounts;
using Acd.Agents;
using Acd.Catalog;
using Acd.Frontend.Auth;
using Acd.Frontend.FirstRun;
using Acd.Teams;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Acd.Frontend.Apis;

/// <summary>Listing and editing logins (create and delete are in <see cref="AuthApi"/>): roles, supervisor scope, disabling.</summary>
public static class UsersApi
{
    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder api)
    {
        var users = api.MapGroup("/users").WithTags("Users").RequireAuthorization(Policies.Admin);
        users.MapGet("/", ListAsync).WithSummary("Every login: agents' own, supervisors, admins and integrations.");
        users.MapPut("/{username}", UpdateAsync)
            .WithSummary("Changes roles, password, disabled, and a supervisor's scope (scopeTeams, scopeQueues; empty lists: everything).");
        return api;
    }

    private static async Task<Ok<List<UserView>>> ListAsync(IGrainFactory grains)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal) { BootstrapAdminService.AdminUsername };
        names.UnionWith(await grains.GetGrain<IUserDirectoryGrain>(UserDirectoryKeys.Default).ListAsync());
        names.UnionWith((await grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).ListAgentsAsync()).Select(a => a.ToLowerInvariant()));
        var accounts = await Task.WhenAll(names.Select(n => TokenService.Account(grains, n).GetAsync()));
        return TypedResults.Ok(accounts.OfType<UserAccount>().Select(AuthApi.ToView).ToList());
    }

    private static async Task<Results<Ok<UserView>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string username, UserRequest request, ClaimsPrincipal user, IGrainFactory grains, PasswordHasher hasher, TimeProvider time)
    {
        var v = new Validator()
            .Require(request.Password is null or { Length: >= AuthApi.MinPasswordLength and <= 256 }, "password",
                $"At least {AuthApi.MinPasswordLength} characters.")
            .Require(request.Roles is null || (request.Roles.Count > 0 && request.Roles.All(r => Roles.All.Contains(r))), "roles",
                "One or more of: agent, supervisor, admin.");
        var self = string.Equals(username, user.Username(), StringComparison.OrdinalIgnoreCase);
        v.Require(!(self && request.Disabled == true), "disabled", "You cannot disable your own account.")
            .Require(!(self && request.Roles is not null && !request.Roles.Contains(Roles.Admin)), "roles", "You cannot take away your own admin role.");
        await ValidateScopeAsync(v, request, grains);
        if (!v.IsValid)
        {
            return v.Problem();
        }

        var grain = TokenService.Account(grains, username);
        if (await grain.GetAsync() is not { } account)
        {
            return ApiResults.NotFound($"User '{username}' does not exist.");
        }

        var updated = account with
        {
            Roles = request.Roles is null ? account.Roles : [.. request.Roles.Distinct()],
            PasswordHash = request.Password is null ? account.PasswordHash : hasher.Hash(request.Password),
            Disabled = request.Disabled ?? account.Disabled,
            ScopeTeams = request.ScopeTeams is null ? account.ScopeTeams : [.. request.ScopeTeams.Distinct()],
            ScopeQueues = request.ScopeQueues is null ? account.ScopeQueues : [.. request.ScopeQueues.Distinct()],
            UpdatedAt = time.GetUtcNow(),
        };
        var result = await grain.UpdateAsync(updated);
        if (!result.IsSuccess)
        {
            return ApiResults.Problem(result);
        }

        // An agent's roles live on its profile too (the desktop and the wallboard read them there).
        if (request.Roles is not null && account.AgentId is { } agentId)
        {
            var agent = grains.GetGrain<IAgentGrain>(agentId);
            if ((await agent.GetAsync()).Profile is { } profile)
            {
                await agent.ConfigureAsync(profile with { Roles = updated.Roles });
            }
        }

        return TypedResults.Ok(AuthApi.ToView(updated));
    }

    internal static async Task ValidateScopeAsync(Validator v, UserRequest request, IGrainFactory grains)
    {
        if (request.ScopeTeams is { Count: > 0 } teams)
        {
            var known = (await grains.GetGrain<ITeamDirectoryGrain>(TeamDirectoryKeys.Default).ListAsync())
                .Select(t => t.TeamId).ToHashSet(StringComparer.OrdinalIgnoreCase);
            if (teams.FirstOrDefault(t => t is null || !known.Contains(t)) is { } missing)
            {
                v.Add("scopeTeams", $"Team '{missing}' does not exist.");
            }
        }

        if (request.ScopeQueues is { Count: > 0 } queues)
        {
            var known = await grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).ListQueuesAsync();
            if (queues.FirstOrDefault(q => q is null || !known.Contains(q)) is { } missing)
            {
                v.Add("scopeQueues", $"Queue '{missing}' does not exist.");
            }
        }
    }
}

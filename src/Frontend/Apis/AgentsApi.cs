using System.Collections.Immutable;
using System.Security.Claims;
using Acd.Accounts;
using Acd.Agents;
using Acd.Catalog;
using Acd.Common;
using Acd.Frontend.Auth;
using Acd.Frontend.Hubs;
using Acd.Frontend.Scoping;
using Acd.SipEdge.Hosting;
using Acd.SipEdge.Registration;
using Acd.Teams;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Acd.Frontend.Apis;

public sealed record AgentRequest(
    string? Id,
    string? Name,
    string? Password,
    string? Extension,
    string? SipPassword,
    Dictionary<string, int>? Skills,
    List<string>? Queues,
    List<string>? Roles,
    string? ThreeCxExtension = null,
    string? TeamId = null);

public sealed record NotReadyRequest(string? Reason);

public sealed record AgentStateChangeView(AgentStatus From, AgentStatus To, string? ReasonCode, string? CallId, DateTimeOffset At,
    double SecondsInPrevious);

public static class AgentsApi
{
    public static IEndpointRouteBuilder MapAgentsApi(this IEndpointRouteBuilder api)
    {
        var agents = api.MapGroup("/agents").WithTags("Agents").RequireAuthorization(Policies.Agent);
        agents.MapGet("/", ListAsync).RequireAuthorization(Policies.Supervisor);
        agents.MapPost("/", CreateAsync).RequireAuthorization(Policies.Admin);
        agents.MapGet("/{id}", GetAsync).WithName("GetAgent");
        agents.MapPut("/{id}", UpdateAsync).RequireAuthorization(Policies.Admin);
        agents.MapDelete("/{id}", DeleteAsync).RequireAuthorization(Policies.Admin);
        agents.MapGet("/{id}/history", HistoryAsync);
        agents.MapPost("/{id}/login", (string id, ClaimsPrincipal user, AgentCommands cmd, ScopeResolver scopes) =>
            Command(id, user, cmd, scopes, a => a.LoginAsync()));
        agents.MapPost("/{id}/logout", (string id, ClaimsPrincipal user, AgentCommands cmd, ScopeResolver scopes) =>
            Command(id, user, cmd, scopes, a => a.LogoutAsync()));
        agents.MapPost("/{id}/ready", (string id, ClaimsPrincipal user, AgentCommands cmd, ScopeResolver scopes) =>
            Command(id, user, cmd, scopes, a => a.SetReadyAsync()));
        agents.MapPost("/{id}/wrap-up/end", (string id, ClaimsPrincipal user, AgentCommands cmd, ScopeResolver scopes) =>
            Command(id, user, cmd, scopes, a => a.EndWrapUpAsync()));
        agents.MapPost("/{id}/not-ready", NotReadyAsync);
        return api;
    }

    /// <summary>The agents the user's scope holds; <paramref name="teamId"/> narrows to one team.</summary>
    private static async Task<Ok<List<AgentView>>> ListAsync(IGrainFactory grains, TimeProvider time, ClaimsPrincipal user, ScopeResolver scopes,
        string? teamId)
    {
        var scope = await scopes.ForAsync(user);
        var ids = await grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).ListAgentsAsync();
        var snapshots = await Task.WhenAll(ids.Select(id => grains.GetGrain<IAgentGrain>(id).GetAsync()));
        var now = time.GetUtcNow();
        return TypedResults.Ok(snapshots
            .Where(s => s.IsConfigured && scope.SeesAgent(s.Profile)
                && (string.IsNullOrEmpty(teamId) || string.Equals(s.Profile!.TeamId, teamId, StringComparison.OrdinalIgnoreCase)))
            .Select(s => AgentView.From(s, now)).OrderBy(a => a.Id, StringComparer.Ordinal).ToList());
    }

    private static async Task<Results<Ok<AgentView>, ProblemHttpResult>> GetAsync(string id, ClaimsPrincipal user, IGrainFactory grains, TimeProvider time,
        ScopeResolver scopes)
    {
        if (!await scopes.MayActForAgentAsync(user, id))
        {
            return ApiResults.Forbidden();
        }

        var snapshot = await grains.GetGrain<IAgentGrain>(id).GetAsync();
        return snapshot.IsConfigured ? TypedResults.Ok(AgentView.From(snapshot, time.GetUtcNow())) : ApiResults.NotFound($"Agent '{id}' does not exist.");
    }

    private static async Task<Results<Ok<List<AgentStateChangeView>>, ProblemHttpResult>> HistoryAsync(string id, ClaimsPrincipal user, IGrainFactory grains,
        ScopeResolver scopes)
    {
        if (!await scopes.MayActForAgentAsync(user, id))
        {
            return ApiResults.Forbidden();
        }

        var grain = grains.GetGrain<IAgentGrain>(id);
        if (!(await grain.GetAsync()).IsConfigured)
        {
            return ApiResults.NotFound($"Agent '{id}' does not exist.");
        }

        var history = await grain.GetHistoryAsync();
        return TypedResults.Ok(history.Reverse()
            .Select(h => new AgentStateChangeView(h.From, h.To, h.ReasonCode, h.CallId, h.At, h.TimeInPrevious.TotalSeconds)).ToList());
    }

    private static async Task<Results<Created<AgentView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        AgentRequest request, IGrainFactory grains, PasswordHasher hasher, TimeProvider time, EventRelay relay, IOptions<SipEdgeOptions> sip)
    {
        var v = Validate(request, creating: true);
        if (!v.IsValid)
        {
            return v.Problem();
        }

        var id = request.Id!;
        var agent = grains.GetGrain<IAgentGrain>(id);
        var account = TokenService.Account(grains, id);
        if ((await agent.GetAsync()).IsConfigured || await account.GetAsync() is not null)
        {
            return ApiResults.Conflict($"Agent or user '{id}' already exists.");
        }

        if (await MissingQueueAsync(grains, request.Queues) is { } missing)
        {
            return ApiResults.Invalid("queues", $"Queue '{missing}' does not exist.");
        }

        if (await MissingTeamAsync(grains, request.TeamId) is { } invalidTeam)
        {
            return invalidTeam;
        }

        var roles = Roles(request);
        var profile = AgentProfile.Create(request.Name!.Trim(), request.Extension ?? string.Empty, request.Skills, request.Queues?.Distinct(), roles)
            with
            {
                ThreeCxExtension = NullIfEmpty(request.ThreeCxExtension),
                TeamId = string.IsNullOrWhiteSpace(request.TeamId) ? null : request.TeamId.Trim(),
            };
        var now = time.GetUtcNow();
        var created = await account.CreateAsync(new UserAccount(id.ToLowerInvariant(), hasher.Hash(request.Password!), [.. roles], id,
            null, false, now, now, SipSecrets(id, request.SipPassword, sip.Value)));
        if (!created.IsSuccess)
        {
            return ApiResults.Problem(created);
        }

        var configured = await agent.ConfigureAsync(profile);
        if (!configured.IsSuccess)
        {
            await account.DeleteAsync();
            return ApiResults.Problem(configured);
        }

        await grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).AddAgentAsync(id);
        await relay.CatalogChangedAsync();
        return TypedResults.Created($"/api/v1/agents/{id}", AgentView.From(await agent.GetAsync(), time.GetUtcNow()));
    }

    private static async Task<Results<Ok<AgentView>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string id, AgentRequest request, IGrainFactory grains, PasswordHasher hasher, TimeProvider time, IOptions<SipEdgeOptions> sip)
    {
        var v = Validate(request with { Id = id }, creating: false);
        if (!v.IsValid)
        {
            return v.Problem();
        }

        var agent = grains.GetGrain<IAgentGrain>(id);
        var current = await agent.GetAsync();
        if (!current.IsConfigured)
        {
            return ApiResults.NotFound($"Agent '{id}' does not exist.");
        }

        if (await MissingQueueAsync(grains, request.Queues) is { } missing)
        {
            return ApiResults.Invalid("queues", $"Queue '{missing}' does not exist.");
        }

        if (await MissingTeamAsync(grains, request.TeamId) is { } invalidTeam)
        {
            return invalidTeam;
        }

        var old = current.Profile!;
        var roles = request.Roles is null ? old.Roles : [.. Roles(request)];
        var profile = new AgentProfile(
            request.Name?.Trim() ?? old.Name,
            request.Extension ?? old.Extension,
            request.Skills?.ToImmutableDictionary(StringComparer.OrdinalIgnoreCase) ?? old.Skills,
            request.Queues is null ? old.Queues : [.. request.Queues.Distinct()],
            roles)
        {
            // Empty strings clear the extension and take the agent out of its team; none given keeps them.
            ThreeCxExtension = request.ThreeCxExtension is null ? old.ThreeCxExtension : NullIfEmpty(request.ThreeCxExtension),
            TeamId = request.TeamId is null ? old.TeamId : request.TeamId.Trim() is { Length: > 0 } team ? team : null,
        };
        var configured = await agent.ConfigureAsync(profile);
        if (!configured.IsSuccess)
        {
            return ApiResults.Problem(configured);
        }

        var account = TokenService.Account(grains, id);
        var now = time.GetUtcNow();
        if (await account.GetAsync() is { } existing)
        {
            await account.UpdateAsync(existing with
            {
                Roles = roles,
                PasswordHash = request.Password is null ? existing.PasswordHash : hasher.Hash(request.Password),
                SipPassword = request.SipPassword is null ? existing.SipPassword : null,
                SipHa1 = SipSecrets(id, request.SipPassword, sip.Value) ?? existing.SipHa1,
                UpdatedAt = now,
            });
        }
        else if (request.Password is not null)
        {
            await account.CreateAsync(new UserAccount(id.ToLowerInvariant(), hasher.Hash(request.Password), roles, id, null, false, now, now,
                SipSecrets(id, request.SipPassword, sip.Value)));
        }

        return TypedResults.Ok(AgentView.From(await agent.GetAsync(), time.GetUtcNow()));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, IGrainFactory grains, EventRelay relay)
    {
        var agent = grains.GetGrain<IAgentGrain>(id);
        if (!(await agent.GetAsync()).IsConfigured)
        {
            return ApiResults.NotFound($"Agent '{id}' does not exist.");
        }

        var deleted = await agent.DeleteAsync();
        if (!deleted.IsSuccess)
        {
            return ApiResults.Problem(deleted);
        }

        await grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).RemoveAgentAsync(id);
        var account = TokenService.Account(grains, id);
        if (await account.GetAsync() is { AgentId: not null })
        {
            await account.DeleteAsync();
        }

        await relay.CatalogChangedAsync();
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<AgentView>, ValidationProblem, ProblemHttpResult>> NotReadyAsync(
        string id, NotReadyRequest? request, ClaimsPrincipal user, AgentCommands cmd, ScopeResolver scopes)
    {
        var reason = string.IsNullOrWhiteSpace(request?.Reason) ? ReasonCodes.Break : request.Reason.Trim();
        if (reason.Length > 64)
        {
            return ApiResults.Invalid("reason", "At most 64 characters.");
        }

        if (!await cmd.IsKnownReasonAsync(reason, user))
        {
            return ApiResults.Invalid("reason", $"Unknown reason code '{reason}'.");
        }

        return await Command(id, user, cmd, scopes, a => a.SetNotReadyAsync(reason)) switch
        {
            { Result: Ok<AgentView> ok } => ok,
            { Result: ProblemHttpResult problem } => problem,
            _ => throw new InvalidOperationException(),
        };
    }

    private static async Task<Results<Ok<AgentView>, ProblemHttpResult>> Command(string id, ClaimsPrincipal user, AgentCommands cmd,
        ScopeResolver scopes, Func<IAgentGrain, Task<Result>> action)
    {
        if (!await scopes.MayActForAgentAsync(user, id))
        {
            return ApiResults.Forbidden();
        }

        var result = await cmd.RunAsync(id, action);
        return result.IsSuccess ? TypedResults.Ok(result.Value!) : ApiResults.Problem(result);
    }

    private static Validator Validate(AgentRequest r, bool creating)
    {
        var v = new Validator().Id(r.Id, "id").Text(r.Name, "name", 100, required: creating)
            .Text(r.Extension, "extension", 32, required: false)
            .Text(r.ThreeCxExtension, "threeCxExtension", 32, required: false)
            .Require(r.ThreeCxExtension is null or "" || r.ThreeCxExtension.All(char.IsAsciiDigit), "threeCxExtension", "A 3CX extension number (digits only).")
            .Text(r.SipPassword, "sipPassword", 128, required: false)
            .Require(string.IsNullOrEmpty(r.TeamId) || ApiResults.IdPattern().IsMatch(r.TeamId), "teamId", "A team id.")
            .Require(creating ? r.Password is { Length: >= AuthApi.MinPasswordLength and <= 256 } : r.Password is null or { Length: >= AuthApi.MinPasswordLength and <= 256 },
                "password", $"At least {AuthApi.MinPasswordLength} characters.")
            .Require(r.Skills is null || r.Skills.All(s => !string.IsNullOrWhiteSpace(s.Key) && s.Value is >= AgentProfile.MinProficiency and <= AgentProfile.MaxProficiency),
                "skills", $"Skill levels are {AgentProfile.MinProficiency}..{AgentProfile.MaxProficiency}.")
            .Require(r.Queues is null || r.Queues.All(q => q is not null && ApiResults.IdPattern().IsMatch(q)), "queues", "Queue ids only.")
            .Require(r.Roles is null || r.Roles.All(x => Accounts.Roles.All.Contains(x)), "roles", "One or more of: agent, supervisor, admin.");
        return v;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static List<string> Roles(AgentRequest r) =>
        r.Roles is { Count: > 0 } roles ? [.. roles.Distinct()] : [Accounts.Roles.Agent];

    /// <summary>Only digest hashes of the SIP password are kept, bound to the edge's realm (Sip:Domain).</summary>
    private static ImmutableDictionary<string, string>? SipSecrets(string id, string? sipPassword, SipEdgeOptions sip) =>
        string.IsNullOrEmpty(sipPassword) ? null : AgentCredentialStore.HashSipPassword(id, sip.ResolveDomain(), sipPassword);

    private static async Task<ValidationProblem?> MissingTeamAsync(IGrainFactory grains, string? teamId) =>
        string.IsNullOrWhiteSpace(teamId) || await grains.GetGrain<ITeamDirectoryGrain>(TeamDirectoryKeys.Default).GetAsync(teamId.Trim()) is not null
            ? null
            : ApiResults.Invalid("teamId", $"Team '{teamId}' does not exist.");

    private static async Task<string?> MissingQueueAsync(IGrainFactory grains, List<string>? queues)
    {
        if (queues is null or { Count: 0 })
        {
            return null;
        }

        var known = await grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).ListQueuesAsync();
        return queues.FirstOrDefault(q => !known.Contains(q));
    }
}

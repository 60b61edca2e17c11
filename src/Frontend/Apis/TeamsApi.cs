using System.Collections.Immutable;
using System.Security.Claims;
using Acd.Agents;
using Acd.Catalog;
using Acd.Frontend.Auth;
using Acd.Frontend.Scoping;
using Acd.Teams;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Acd.Frontend.Apis;

public sealed record TeamRequest(string? Id, string? Name, List<string>? Queues);

public sealed record TeamView(string Id, string Name, IReadOnlyList<string> Queues, int Agents);

/// <summary>One agent on the availability board: its state, Not Ready reason and time in state.</summary>
public sealed record AvailabilityAgent(string Id, string? Name, AgentStatus Status, string? ReasonCode, DateTimeOffset StateSince,
    double TimeInStateSeconds, string? CallId);

/// <summary>A team's agents by state; <see cref="Id"/> null is the agents of no team.</summary>
public sealed record TeamAvailability(string? Id, string Name, int Ready, int OnCall, int WrapUp, int NotReady, int LoggedOut,
    IReadOnlyList<AvailabilityAgent> Agents);

public static class TeamsApi
{
    public static IEndpointRouteBuilder MapTeamsApi(this IEndpointRouteBuilder api)
    {
        var teams = api.MapGroup("/teams").WithTags("Teams").RequireAuthorization(Policies.Supervisor);
        teams.MapGet("/", ListAsync).WithSummary("The teams in the user's scope with their queues and number of agents.");
        teams.MapGet("/availability", AvailabilityAsync)
            .WithSummary("Per team in the user's scope: who is Ready, on a call, in wrap-up, Not Ready (with reason) and for how long.");
        teams.MapGet("/{id}", GetAsync);
        teams.MapPost("/", CreateAsync).RequireAuthorization(Policies.Admin);
        teams.MapPut("/{id}", UpdateAsync).RequireAuthorization(Policies.Admin);
        teams.MapDelete("/{id}", DeleteAsync).RequireAuthorization(Policies.Admin);
        return api;
    }

    private static ITeamDirectoryGrain Directory(IGrainFactory grains) => grains.GetGrain<ITeamDirectoryGrain>(TeamDirectoryKeys.Default);

    private static async Task<AgentSnapshot[]> AgentsAsync(IGrainFactory grains)
    {
        var ids = await grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).ListAgentsAsync();
        var all = await Task.WhenAll(ids.Select(id => grains.GetGrain<IAgentGrain>(id).GetAsync()));
        return [.. all.Where(a => a.IsConfigured)];
    }

    private static bool SeesTeam(AccessScope scope, string teamId) => scope.All || scope.Teams.Contains(teamId);

    private static async Task<Ok<List<TeamView>>> ListAsync(IGrainFactory grains, ClaimsPrincipal user, ScopeResolver scopes)
    {
        var scope = await scopes.ForAsync(user);
        var agents = await AgentsAsync(grains);
        var teams = await Directory(grains).ListAsync();
        return TypedResults.Ok(teams.Where(t => SeesTeam(scope, t.TeamId)).Select(t => View(t, agents)).ToList());
    }

    private static async Task<Results<Ok<TeamView>, ProblemHttpResult>> GetAsync(string id, IGrainFactory grains, ClaimsPrincipal user, ScopeResolver scopes)
    {
        var scope = await scopes.ForAsync(user);
        if (await Directory(grains).GetAsync(id) is not { } team || !SeesTeam(scope, team.TeamId))
        {
            return ApiResults.NotFound($"Team '{id}' does not exist.");
        }

        return TypedResults.Ok(View(team, await AgentsAsync(grains)));
    }

    private static async Task<Ok<List<TeamAvailability>>> AvailabilityAsync(IGrainFactory grains, TimeProvider time, ClaimsPrincipal user,
        ScopeResolver scopes)
    {
        var scope = await scopes.ForAsync(user);
        var agents = (await AgentsAsync(grains)).Where(a => scope.SeesAgent(a.Profile)).ToList();
        var teams = await Directory(grains).ListAsync();
        var now = time.GetUtcNow();
        var result = new List<TeamAvailability>();
        foreach (var team in teams.Where(t => SeesTeam(scope, t.TeamId)))
        {
            result.Add(Board(team.TeamId, team.Name,
                agents.Where(a => string.Equals(a.Profile!.TeamId, team.TeamId, StringComparison.OrdinalIgnoreCase)), now));
        }

        var known = teams.Select(t => t.TeamId).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var loose = agents.Where(a => a.Profile!.TeamId is not { } t || !known.Contains(t)).ToList();
        if (loose.Count > 0)
        {
            result.Add(Board(null, "No team", loose, now));
        }

        return TypedResults.Ok(result);
    }

    private static TeamAvailability Board(string? id, string name, IEnumerable<AgentSnapshot> members, DateTimeOffset now)
    {
        var list = members.Select(a => new AvailabilityAgent(a.AgentId, a.Profile?.Name, a.Status, a.ReasonCode, a.StateSince,
                Math.Max(0, a.TimeInState(now).TotalSeconds), a.CallId))
            .OrderBy(a => a.Status).ThenByDescending(a => a.TimeInStateSeconds).ToList();
        int Count(params AgentStatus[] states) => list.Count(a => states.Contains(a.Status));
        return new TeamAvailability(id, name, Count(AgentStatus.Ready), Count(AgentStatus.OnCall, AgentStatus.Reserved),
            Count(AgentStatus.WrapUp), Count(AgentStatus.NotReady), Count(AgentStatus.LoggedOut), list);
    }

    private static async Task<Results<Created<TeamView>, ValidationProblem, ProblemHttpResult>> CreateAsync(TeamRequest request, IGrainFactory grains)
    {
        if (await ValidateAsync(request, grains, creating: true) is { } invalid)
        {
            return invalid;
        }

        var team = new Team(request.Id!.Trim(), request.Name!.Trim(), [.. (request.Queues ?? []).Distinct()]);
        var created = await Directory(grains).CreateAsync(team);
        return created.IsSuccess
            ? TypedResults.Created($"/api/v1/teams/{team.TeamId}", View(team, []))
            : ApiResults.Problem(created);
    }

    private static async Task<Results<Ok<TeamView>, ValidationProblem, ProblemHttpResult>> UpdateAsync(string id, TeamRequest request, IGrainFactory grains)
    {
        if (await ValidateAsync(request with { Id = id }, grains, creating: false) is { } invalid)
        {
            return invalid;
        }

        if (await Directory(grains).GetAsync(id) is not { } old)
        {
            return ApiResults.NotFound($"Team '{id}' does not exist.");
        }

        var team = old with
        {
            Name = request.Name?.Trim() ?? old.Name,
            Queues = request.Queues is null ? old.Queues : [.. request.Queues.Distinct()],
        };
        var updated = await Directory(grains).UpdateAsync(team);
        return updated.IsSuccess ? TypedResults.Ok(View(team, await AgentsAsync(grains))) : ApiResults.Problem(updated);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, IGrainFactory grains)
    {
        // Agents keep the id of a deleted team and show under "No team" until they are moved.
        var deleted = await Directory(grains).DeleteAsync(id);
        return deleted.IsSuccess ? TypedResults.NoContent() : ApiResults.Problem(deleted);
    }

    private static async Task<ValidationProblem?> ValidateAsync(TeamRequest r, IGrainFactory grains, bool creating)
    {
        var v = new Validator().Id(r.Id, "id").Text(r.Name, "name", 100, required: creating)
            .Require(r.Queues is null || r.Queues.All(q => q is not null && ApiResults.IdPattern().IsMatch(q)), "queues", "Queue ids only.");
        if (v.IsValid && r.Queues is { Count: > 0 })
        {
            var known = await grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).ListQueuesAsync();
            if (r.Queues.FirstOrDefault(q => !known.Contains(q)) is { } missing)
            {
                v.Add("queues", $"Queue '{missing}' does not exist.");
            }
        }

        return v.IsValid ? null : v.Problem();
    }

    private static TeamView View(Team t, IEnumerable<AgentSnapshot> agents) => new(t.TeamId, t.Name, t.Queues.IsDefault ? ImmutableArray<string>.Empty : t.Queues,
        agents.Count(a => string.Equals(a.Profile?.TeamId, t.TeamId, StringComparison.OrdinalIgnoreCase)));
}

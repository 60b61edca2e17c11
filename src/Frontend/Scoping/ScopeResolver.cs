using System.Security.Claims;
using Acd.Agents;
using Acd.Frontend.Auth;
using Acd.Teams;

namespace Acd.Frontend.Scoping;

/// <summary>
/// Reads a signed-in supervisor's scope from its account on each request, so an admin's change applies at once (no
/// token carries it). Agents are scoped to themselves elsewhere (<see cref="AcdClaims.MayActForAgent"/>).
/// </summary>
public sealed class ScopeResolver(IGrainFactory grains)
{
    public async Task<AccessScope> ForAsync(ClaimsPrincipal user)
    {
        if (user.IsAdmin() || user.Username() is not { } username
            || await TokenService.Account(grains, username).GetAsync() is not { } account)
        {
            return AccessScope.Everything;
        }

        var teams = account.ScopeTeams is { IsDefaultOrEmpty: false } t ? t : [];
        var queues = account.ScopeQueues is { IsDefaultOrEmpty: false } q ? q : [];
        if (teams.IsEmpty && queues.IsEmpty)
        {
            return AccessScope.Everything;
        }

        var directory = await grains.GetGrain<ITeamDirectoryGrain>(TeamDirectoryKeys.Default).ListAsync();
        var teamQueues = directory.Where(d => teams.Contains(d.TeamId, StringComparer.OrdinalIgnoreCase))
            .SelectMany(d => d.Queues.IsDefault ? [] : d.Queues);
        return AccessScope.Limited(teams, queues, teamQueues);
    }

    /// <summary>
    /// Whether the user may act for the agent: itself, or a supervisor whose scope holds the agent. Unknown agents pass
    /// (the command answers 404 for them).
    /// </summary>
    public async Task<bool> MayActForAgentAsync(ClaimsPrincipal user, string agentId)
    {
        if (!user.MayActForAgent(agentId))
        {
            return false;
        }

        if (!user.IsSupervisor() || string.Equals(user.AgentId(), agentId, StringComparison.Ordinal))
        {
            return true;
        }

        var scope = await ForAsync(user);
        if (scope.All)
        {
            return true;
        }

        var agent = await grains.GetGrain<IAgentGrain>(agentId).GetAsync();
        return !agent.IsConfigured || scope.SeesAgent(agent.Profile);
    }
}

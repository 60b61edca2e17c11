using System.Security.Claims;
using Acd.Accounts;

namespace Acd.Frontend.Auth;

public static class AcdClaims
{
    public const string Subject = "sub";
    public const string Role = "role";
    public const string AgentIdType = "agent_id";
    public const string SessionIdType = "sid";
    public const string Name = "name";

    public static string? Username(this ClaimsPrincipal user) => user.FindFirst(Subject)?.Value;

    public static string? AgentId(this ClaimsPrincipal user) => user.FindFirst(AgentIdType)?.Value;

    public static string? SessionId(this ClaimsPrincipal user) => user.FindFirst(SessionIdType)?.Value;

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(Roles.Admin);

    /// <summary>Supervisors and admins may act on every agent and call.</summary>
    public static bool IsSupervisor(this ClaimsPrincipal user) => user.IsInRole(Roles.Supervisor) || user.IsInRole(Roles.Admin);

    public static bool MayActForAgent(this ClaimsPrincipal user, string agentId) =>
        user.IsSupervisor() || string.Equals(user.AgentId(), agentId, StringComparison.Ordinal);
}

public static class Policies
{
    /// <summary>Any signed-in role.</summary>
    public const string Agent = "agent";

    public const string Supervisor = "supervisor";

    public const string Admin = "admin";
}

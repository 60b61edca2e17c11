using System.Security.Claims;
using Acd.Agents;
using Acd.Frontend.Auth;
using Acd.Frontend.Hosting;
using Acd.Frontend.WebRtc;
using Acd.SipEdge.Hosting;
using Acd.SipEdge.Registration;
using Acd.Sip.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Acd.Frontend.Apis;

/// <summary>
/// How the agent desktop's phone works: "sip" (a browser SIP phone registering over the edge's WebSocket) or "cti"
/// (no media in the browser). For "sip" the digest secret is the MD5 HA1 for the edge's realm, never the SIP password
/// itself: it works only against this realm and is what JsSIP accepts in place of the password. The ICE servers carry
/// TURN credentials minted for this agent (coturn's shared-secret scheme), valid for a shift.
/// </summary>
public sealed record SoftPhoneView(
    string Mode,
    string? Reason,
    string? WebSocketPath,
    string? Uri,
    string? AuthorizationUser,
    string? Realm,
    string? Ha1,
    string? DisplayName,
    IReadOnlyList<IceServerView> IceServers);

public static class SoftPhoneApi
{
    public const string Sip = "sip";
    public const string Cti = "cti";

    public static IEndpointRouteBuilder MapSoftPhoneApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/me/softphone", GetAsync).WithTags("Agents").RequireAuthorization(Policies.Agent)
            .WithSummary("The signed-in agent's own browser phone settings (SIP over WebSocket, or CTI mode).");
        return api;
    }

    private static async Task<Results<Ok<SoftPhoneView>, ProblemHttpResult>> GetAsync(
        ClaimsPrincipal user, HttpContext context, IGrainFactory grains, IOptions<FrontendOptions> frontend, IceServers ice)
    {
        // A secret for this user only: never kept by a shared cache or the browser's disk cache.
        context.Response.Headers.CacheControl = "no-store";
        if (user.AgentId() is not { } agentId || user.Username() is not { } username)
        {
            return ApiResults.NotFound("This login is not an agent: it has no phone.");
        }

        var wanted = frontend.Value.SoftPhone?.Trim().ToLowerInvariant() ?? "auto";
        var edge = context.RequestServices.GetService<SipEdgeService>();
        if (wanted == Cti)
        {
            return TypedResults.Ok(CtiMode("configured (Frontend:SoftPhone = cti)"));
        }

        if (edge is null)
        {
            return TypedResults.Ok(CtiMode("the SIP edge is not enabled on this frontend"));
        }

        // The digest username is the login name (the registrar lets it register only its own address, sip:<username>@domain).
        var credentials = context.RequestServices.GetRequiredService<AgentCredentialStore>();
        var ha1 = await credentials.GetHa1Async(username, edge.Domain, DigestAlgorithm.Md5, context.RequestAborted);
        if (ha1 is null)
        {
            return TypedResults.Ok(CtiMode("the agent has no SIP password"));
        }

        var profile = (await grains.GetGrain<IAgentGrain>(agentId).GetAsync()).Profile;
        var path = context.RequestServices.GetRequiredService<IOptions<SipEdgeOptions>>().Value.WebSocketPath;
        return TypedResults.Ok(new SoftPhoneView(Sip, null, path, $"sip:{username}@{edge.Domain}", username, edge.Domain, ha1,
            profile?.Name ?? agentId, ice.For(username)));
    }

    private static SoftPhoneView CtiMode(string reason) => new(Cti, reason, null, null, null, null, null, null, []);
}

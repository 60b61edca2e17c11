using System.Security.Claims;
using Acd.Catalog;
using Acd.Frontend.Auth;
using Acd.Frontend.Scoping;
using Acd.Wallboard;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Acd.Frontend.Apis;

public sealed record QueueThresholdsView(string QueueId, int? LongestWaitAmberSeconds, int? LongestWaitRedSeconds, int? SlaAmberPercent,
    int? SlaRedPercent, int? WaitingAmber, int? WaitingRed);

public sealed record QueueThresholdsRequest(int? LongestWaitAmberSeconds, int? LongestWaitRedSeconds, int? SlaAmberPercent, int? SlaRedPercent,
    int? WaitingAmber, int? WaitingRed);

/// <summary>/api/v1/wallboard: the queues' alert thresholds. Supervisors read and set them for the queues of their scope.</summary>
public static class WallboardApi
{
    public static IEndpointRouteBuilder MapWallboardApi(this IEndpointRouteBuilder api)
    {
        var wallboard = api.MapGroup("/wallboard").WithTags("Wallboard").RequireAuthorization(Policies.Supervisor);
        wallboard.MapGet("/thresholds", ListAsync).WithSummary("The thresholds of the queues in the user's scope.");
        wallboard.MapPut("/thresholds/{queueId}", SetAsync)
            .WithSummary("Sets a queue's thresholds (amber/red for longest wait in seconds, SLA % and waiting calls; null: not watched).");
        wallboard.MapDelete("/thresholds/{queueId}", DeleteAsync);
        return api;
    }

    private static IWallboardSettingsGrain Settings(IGrainFactory grains) => grains.GetGrain<IWallboardSettingsGrain>(WallboardKeys.Default);

    private static async Task<Ok<List<QueueThresholdsView>>> ListAsync(IGrainFactory grains, ClaimsPrincipal user, ScopeResolver scopes)
    {
        var scope = await scopes.ForAsync(user);
        var all = await Settings(grains).GetThresholdsAsync();
        return TypedResults.Ok(all.Where(t => scope.SeesQueue(t.Key)).OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => View(t.Key, t.Value)).ToList());
    }

    private static async Task<Results<Ok<QueueThresholdsView>, ValidationProblem, ProblemHttpResult>> SetAsync(string queueId, QueueThresholdsRequest request,
        IGrainFactory grains, ClaimsPrincipal user, ScopeResolver scopes)
    {
        var v = new Validator()
            .Range(request.LongestWaitAmberSeconds, "longestWaitAmberSeconds", 1, 86_400).Range(request.LongestWaitRedSeconds, "longestWaitRedSeconds", 1, 86_400)
            .Range(request.SlaAmberPercent, "slaAmberPercent", 0, 100).Range(request.SlaRedPercent, "slaRedPercent", 0, 100)
            .Range(request.WaitingAmber, "waitingAmber", 1, 10_000).Range(request.WaitingRed, "waitingRed", 1, 10_000)
            .Require(!(request.LongestWaitAmberSeconds > request.LongestWaitRedSeconds), "longestWaitRedSeconds", "Must not be below the amber threshold.")
            .Require(!(request.SlaAmberPercent < request.SlaRedPercent), "slaRedPercent", "Must not be above the amber threshold.")
            .Require(!(request.WaitingAmber > request.WaitingRed), "waitingRed", "Must not be below the amber threshold.");
        if (!v.IsValid)
        {
            return v.Problem();
        }

        if (await QueueProblemAsync(queueId, grains, user, scopes) is { } problem)
        {
            return problem;
        }

        var thresholds = new QueueThresholds(request.LongestWaitAmberSeconds, request.LongestWaitRedSeconds, request.SlaAmberPercent,
            request.SlaRedPercent, request.WaitingAmber, request.WaitingRed);
        await Settings(grains).SetThresholdsAsync(queueId, thresholds);
        return TypedResults.Ok(View(queueId, thresholds));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string queueId, IGrainFactory grains, ClaimsPrincipal user, ScopeResolver scopes)
    {
        if (await QueueProblemAsync(queueId, grains, user, scopes) is { } problem)
        {
            return problem;
        }

        await Settings(grains).SetThresholdsAsync(queueId, null);
        return TypedResults.NoContent();
    }

    private static async Task<ProblemHttpResult?> QueueProblemAsync(string queueId, IGrainFactory grains, ClaimsPrincipal user, ScopeResolver scopes)
    {
        if (!(await grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).ListQueuesAsync()).Contains(queueId))
        {
            return ApiResults.NotFound($"Queue '{queueId}' does not exist.");
        }

        return (await scopes.ForAsync(user)).SeesQueue(queueId) ? null : ApiResults.Forbidden("This queue is outside your scope.");
    }

    private static QueueThresholdsView View(string queueId, QueueThresholds t) =>
        new(queueId, t.LongestWaitAmberSeconds, t.LongestWaitRedSeconds, t.SlaAmberPercent, t.SlaRedPercent, t.WaitingAmber, t.WaitingRed);
}

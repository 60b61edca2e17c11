using System.Collections.Immutable;
using Acd.Agents;
using Acd.Catalog;
using Acd.Frontend.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Acd.Frontend.Apis;

public sealed record ReasonCodesView(IReadOnlyList<string> Codes, IReadOnlyList<string> System);

public sealed record ReasonCodesRequest(List<string>? Codes);

public sealed record ReasonCodeRequest(string? Code);

public static class ReasonCodesApi
{
    public static IEndpointRouteBuilder MapReasonCodesApi(this IEndpointRouteBuilder api)
    {
        var codes = api.MapGroup("/reason-codes").WithTags("Reason codes").RequireAuthorization(Policies.Agent);
        codes.MapGet("/", GetAsync).WithSummary("Not Ready reason codes agents may choose, and the system's own codes.");
        codes.MapPut("/", ReplaceAsync).RequireAuthorization(Policies.Admin);
        codes.MapPost("/", AddAsync).RequireAuthorization(Policies.Admin);
        codes.MapDelete("/{code}", DeleteAsync).RequireAuthorization(Policies.Admin);
        return api;
    }

    private static async Task<Ok<ReasonCodesView>> GetAsync(IGrainFactory grains) =>
        TypedResults.Ok(new ReasonCodesView(await Catalog(grains).GetReasonCodesAsync(), ReasonCodes.System));

    private static async Task<Results<Ok<ReasonCodesView>, ValidationProblem, ProblemHttpResult>> ReplaceAsync(ReasonCodesRequest request,
        IGrainFactory grains)
    {
        if (request.Codes is null || request.Codes.Any(c => string.IsNullOrWhiteSpace(c) || c.Length > 64) || request.Codes.Count > 100)
        {
            return ApiResults.Invalid("codes", "1-100 codes of 1-64 characters.");
        }

        return await SetAsync(grains, [.. request.Codes.Select(c => c.Trim()).Distinct(StringComparer.OrdinalIgnoreCase)]);
    }

    private static async Task<Results<Ok<ReasonCodesView>, ValidationProblem, ProblemHttpResult>> AddAsync(ReasonCodeRequest request,
        IGrainFactory grains)
    {
        if (string.IsNullOrWhiteSpace(request.Code) || request.Code.Length > 64)
        {
            return ApiResults.Invalid("code", "Required, 1-64 characters.");
        }

        var current = await Catalog(grains).GetReasonCodesAsync();
        if (current.Contains(request.Code.Trim(), StringComparer.OrdinalIgnoreCase))
        {
            return ApiResults.Conflict($"Reason code '{request.Code}' already exists.");
        }

        return await SetAsync(grains, current.Add(request.Code.Trim()));
    }

    private static async Task<Results<Ok<ReasonCodesView>, ValidationProblem, ProblemHttpResult>> DeleteAsync(string code, IGrainFactory grains)
    {
        var current = await Catalog(grains).GetReasonCodesAsync();
        var match = current.FirstOrDefault(c => string.Equals(c, code, StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            return ApiResults.NotFound($"Reason code '{code}' does not exist.");
        }

        return await SetAsync(grains, current.Remove(match));
    }

    private static async Task<Results<Ok<ReasonCodesView>, ValidationProblem, ProblemHttpResult>> SetAsync(IGrainFactory grains,
        ImmutableArray<string> codes)
    {
        var result = await Catalog(grains).SetReasonCodesAsync(codes);
        return result.IsSuccess
            ? TypedResults.Ok(new ReasonCodesView(await Catalog(grains).GetReasonCodesAsync(), ReasonCodes.System))
            : ApiResults.Problem(result);
    }

    private static ICatalogGrain Catalog(IGrainFactory grains) => grains.GetGrain<ICatalogGrain>(CatalogKeys.Default);
}

using System.Collections.Immutable;
using Acd.CallControl.Calls;
using Acd.Catalog;
using Acd.Frontend.Auth;
using Acd.Frontend.Hubs;
using Acd.Queues;
using Acd.SipEdge.Announcements;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Acd.Frontend.Apis;

public sealed record QueueRequest(
    string? Id,
    string? Name,
    List<string>? Numbers,
    RoutingStrategy? Strategy,
    Dictionary<string, int>? RequiredSkills,
    int? SlaSeconds,
    int? MaxWaitSeconds,
    string? OverflowQueueId,
    int? WrapUpSeconds,
    int? RingTimeoutSeconds,
    int? StatsWindowMinutes,
    string? HoldMusic = null,
    int? AnnounceSeconds = null,
    string? Language = null);

/// <summary>What the sounds folder holds: <c>music/*.wav</c> file names and the <c>prompts/</c> languages.</summary>
public sealed record SoundsView(IReadOnlyList<string> Music, IReadOnlyList<string> Languages);

public static class QueuesApi
{
    public static IEndpointRouteBuilder MapQueuesApi(this IEndpointRouteBuilder api)
    {
        var queues = api.MapGroup("/queues").WithTags("Queues").RequireAuthorization(Policies.Agent);
        queues.MapGet("/", ListAsync);
        queues.MapPost("/", CreateAsync).RequireAuthorization(Policies.Admin);
        queues.MapGet("/{id}", GetAsync);
        queues.MapGet("/{id}/stats", StatsAsync).WithSummary("Live statistics of the queue.");
        queues.MapPut("/{id}", UpdateAsync).RequireAuthorization(Policies.Admin);
        queues.MapDelete("/{id}", DeleteAsync).RequireAuthorization(Policies.Admin);
        api.MapGet("/sounds", Sounds).WithTags("Queues").RequireAuthorization(Policies.Admin)
            .WithSummary("Hold music files and prompt sets a queue may name (holdMusic, language), from this frontend's sounds folder.");
        return api;
    }

    private static Ok<SoundsView> Sounds(SoundLibrary sounds) => TypedResults.Ok(new SoundsView(sounds.MusicFiles(), sounds.Languages()));

    private static async Task<Ok<List<QueueView>>> ListAsync(IGrainFactory grains)
    {
        var ids = await grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).ListQueuesAsync();
        var snapshots = await Task.WhenAll(ids.Select(id => grains.GetGrain<IQueueGrain>(id).GetAsync()));
        return TypedResults.Ok(snapshots.Where(s => s.Config is not null).Select(QueueView.From).OrderBy(q => q.Id, StringComparer.Ordinal).ToList());
    }

    private static async Task<Results<Ok<QueueView>, ProblemHttpResult>> GetAsync(string id, IGrainFactory grains)
    {
        var snapshot = await grains.GetGrain<IQueueGrain>(id).GetAsync();
        return snapshot.Config is null ? ApiResults.NotFound($"Queue '{id}' does not exist.") : TypedResults.Ok(QueueView.From(snapshot));
    }

    private static async Task<Results<Ok<QueueStatsView>, ProblemHttpResult>> StatsAsync(string id, IGrainFactory grains)
    {
        var queue = grains.GetGrain<IQueueGrain>(id);
        if ((await queue.GetAsync()).Config is null)
        {
            return ApiResults.NotFound($"Queue '{id}' does not exist.");
        }

        return TypedResults.Ok(QueueStatsView.From(id, await queue.GetStatsAsync()));
    }

    private static async Task<Results<Created<QueueView>, ValidationProblem, ProblemHttpResult>> CreateAsync(QueueRequest request,
        IGrainFactory grains, EventRelay relay, IServiceProvider services)
    {
        var v = Validate(request, creating: true, services.GetService<SoundLibrary>());
        if (!v.IsValid)
        {
            return v.Problem();
        }

        var id = request.Id!;
        var queue = grains.GetGrain<IQueueGrain>(id);
        var catalog = grains.GetGrain<ICatalogGrain>(CatalogKeys.Default);
        if ((await queue.GetAsync()).Config is not null || (await catalog.ListQueuesAsync()).Contains(id))
        {
            return ApiResults.Conflict($"Queue '{id}' already exists.");
        }

        if (await CheckOverflowAsync(catalog, id, request.OverflowQueueId) is { } invalid)
        {
            return invalid;
        }

        var config = ToConfig(request, null);
        var routed = await catalog.SetQueueAsync(id, config.Numbers);
        if (!routed.IsSuccess)
        {
            return ApiResults.Problem(routed);
        }

        var configured = await queue.ConfigureAsync(config);
        if (!configured.IsSuccess)
        {
            await catalog.RemoveQueueAsync(id);
            return ApiResults.Problem(configured);
        }

        await relay.CatalogChangedAsync();
        return TypedResults.Created($"/api/v1/queues/{id}", QueueView.From(await queue.GetAsync()));
    }

    private static async Task<Results<Ok<QueueView>, ValidationProblem, ProblemHttpResult>> UpdateAsync(string id, QueueRequest request,
        IGrainFactory grains, IServiceProvider services)
    {
        var v = Validate(request with { Id = id }, creating: false, services.GetService<SoundLibrary>());
        if (!v.IsValid)
        {
            return v.Problem();
        }

        var queue = grains.GetGrain<IQueueGrain>(id);
        var current = (await queue.GetAsync()).Config;
        if (current is null)
        {
            return ApiResults.NotFound($"Queue '{id}' does not exist.");
        }

        var catalog = grains.GetGrain<ICatalogGrain>(CatalogKeys.Default);
        if (await CheckOverflowAsync(catalog, id, request.OverflowQueueId) is { } invalid)
        {
            return invalid;
        }

        var config = ToConfig(request, current);
        var routed = await catalog.SetQueueAsync(id, config.Numbers);
        if (!routed.IsSuccess)
        {
            return ApiResults.Problem(routed);
        }

        var configured = await queue.ConfigureAsync(config);
        if (!configured.IsSuccess)
        {
            await catalog.SetQueueAsync(id, current.Numbers);
            return ApiResults.Problem(configured);
        }

        return TypedResults.Ok(QueueView.From(await queue.GetAsync()));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, IGrainFactory grains, EventRelay relay)
    {
        var queue = grains.GetGrain<IQueueGrain>(id);
        if ((await queue.GetAsync()).Config is null)
        {
            return ApiResults.NotFound($"Queue '{id}' does not exist.");
        }

        var deleted = await queue.DeleteAsync();
        if (!deleted.IsSuccess)
        {
            return ApiResults.Problem(deleted);
        }

        await grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).RemoveQueueAsync(id);
        await relay.CatalogChangedAsync();
        return TypedResults.NoContent();
    }

    private static async Task<ValidationProblem?> CheckOverflowAsync(ICatalogGrain catalog, string id, string? overflow)
    {
        if (string.IsNullOrEmpty(overflow))
        {
            return null;
        }

        if (overflow == id)
        {
            return ApiResults.Invalid("overflowQueueId", "A queue cannot overflow into itself.");
        }

        return (await catalog.ListQueuesAsync()).Contains(overflow)
            ? null
            : ApiResults.Invalid("overflowQueueId", $"Queue '{overflow}' does not exist.");
    }

    private static QueueConfig ToConfig(QueueRequest r, QueueConfig? old)
    {
        var d = old ?? QueueConfig.Create(r.Name ?? string.Empty);
        return new QueueConfig(
            r.Name?.Trim() ?? d.Name,
            r.Numbers is null ? d.Numbers : [.. r.Numbers.Select(n => n.Trim()).Distinct()],
            r.Strategy ?? d.Strategy,
            r.RequiredSkills?.ToImmutableDictionary(StringComparer.OrdinalIgnoreCase) ?? d.RequiredSkills,
            r.SlaSeconds ?? d.SlaSeconds,
            r.MaxWaitSeconds ?? d.MaxWaitSeconds,
            // "" takes the overflow off; null leaves it as it is.
            r.OverflowQueueId is null ? old?.OverflowQueueId : r.OverflowQueueId.Length == 0 ? null : r.OverflowQueueId,
            r.WrapUpSeconds ?? d.WrapUpSeconds,
            r.RingTimeoutSeconds ?? d.RingTimeoutSeconds,
            r.StatsWindowMinutes ?? d.StatsWindowMinutes,
            // "" puts the queue back on the default music; null leaves it as it is.
            r.HoldMusic is null ? d.HoldMusic : r.HoldMusic.Length == 0 ? null : r.HoldMusic,
            r.AnnounceSeconds ?? d.AnnounceSeconds,
            r.Language ?? d.Language);
    }

    private static Validator Validate(QueueRequest r, bool creating, SoundLibrary? sounds)
    {
        var v = new Validator().Id(r.Id, "id").Text(r.Name, "name", 100, required: creating)
            .Require(r.Numbers is null || r.Numbers.All(n => n is not null && DialTargets.IsPhoneNumber(n.Trim())), "numbers",
                "Dialled numbers: digits, optional leading +.")
            .Require(r.RequiredSkills is null || r.RequiredSkills.All(s => !string.IsNullOrWhiteSpace(s.Key) && s.Value is >= 1 and <= 10),
                "requiredSkills", "Minimum levels are 1..10.")
            .Require(r.Strategy is null || Enum.IsDefined(r.Strategy.Value), "strategy", "longestIdle, roundRobin or fewestCalls.")
            .Range(r.SlaSeconds, "slaSeconds", 1, 3600)
            .Range(r.MaxWaitSeconds, "maxWaitSeconds", 0, 86400)
            .Range(r.WrapUpSeconds, "wrapUpSeconds", 0, 3600)
            .Range(r.RingTimeoutSeconds, "ringTimeoutSeconds", 1, 600)
            .Range(r.StatsWindowMinutes, "statsWindowMinutes", 1, 1440)
            .Require(r.OverflowQueueId is null or "" || ApiResults.IdPattern().IsMatch(r.OverflowQueueId), "overflowQueueId", "A queue id, or \"\" for none.")
            .Require(r.AnnounceSeconds is null or 0 or (>= QueueConfig.MinAnnounceSeconds and <= QueueConfig.MaxAnnounceSeconds), "announceSeconds",
                $"0 (no announcements) or {QueueConfig.MinAnnounceSeconds}-{QueueConfig.MaxAnnounceSeconds} seconds between announcements.");
        if (r.HoldMusic is { Length: > 0 } music)
        {
            if (!QueueConfig.IsSoundFileName(music))
            {
                v.Add("holdMusic", "A .wav file name in the sounds folder's music/ (letters, digits, '.', '_', '-'), or \"\" for the default.");
            }
            else if (sounds is not null && !sounds.HasMusic(music))
            {
                v.Add("holdMusic", $"No hold music '{music}'. Available: {Available(sounds.MusicFiles())}.");
            }
        }

        if (r.Language is { } language)
        {
            if (!QueueConfig.IsLanguageTag(language))
            {
                v.Add("language", "A prompt set's language tag, e.g. en, de or en-GB.");
            }
            else if (sounds is not null && !sounds.HasLanguage(language))
            {
                v.Add("language", $"No prompt set '{language}'. Available: {Available(sounds.Languages())}.");
            }
        }

        return v;

        static string Available(IReadOnlyList<string> names) => names.Count == 0 ? "none" : string.Join(", ", names);
    }
}

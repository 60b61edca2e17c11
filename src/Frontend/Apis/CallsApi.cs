using System.Security.Claims;
using Acd.CallControl.Calls;
using Acd.Calls;
using Acd.Common;
using Acd.Frontend.Auth;
using Acd.Parking;
using Acd.Reporting.Queries;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Acd.Frontend.Apis;

public sealed record InboundCallRequest(string? From, string? To, string? CallerName, int? Priority);

public sealed record DialRequest(string? AgentId, string? Destination);

public sealed record HangupRequest(HangupSide? Side, string? Reason);

public sealed record DtmfRequest(string? Digits);

/// <summary>Which agent takes the call (pickup, park retrieval); default: the signed-in agent.</summary>
public sealed record TakeRequest(string? AgentId);

public sealed record ParkedCallView(int Slot, string CallId, DateTimeOffset ParkedAt);

public sealed record TransferRequest(string? Target, TransferMode? Mode, TransferTargetKind? Kind);

public sealed record CallRecordView(
    string Id,
    CallDirection Direction,
    CallStatus Status,
    CallDisposition Disposition,
    string? From,
    string? To,
    string? CallerName,
    string? QueueId,
    string? AgentId,
    DateTimeOffset? ArrivedAt,
    DateTimeOffset? ConnectedAt,
    DateTimeOffset? EndedAt,
    double? WaitSeconds,
    double? TalkSeconds,
    double HoldSeconds,
    string? CustomerId,
    string? CustomerName,
    string? EndReason)
{
    public static CallRecordView Of(CallRecord r) => new(r.CallId, r.Direction, r.Status, r.Disposition, r.Ani, r.Dnis, r.CallerName,
        r.QueueId, r.AgentId, r.ArrivedAt, r.ConnectedAt, r.EndedAt, r.WaitSeconds, r.TalkSeconds, r.HoldSeconds, r.CustomerId,
        r.CustomerName, r.EndReason);
}

public static class CallsApi
{
    public const int MaxPageSize = 500;

    public static IEndpointRouteBuilder MapCallsApi(this IEndpointRouteBuilder api)
    {
        var calls = api.MapGroup("/calls").WithTags("Calls").RequireAuthorization(Policies.Agent);
        calls.MapPost("/inbound", InboundAsync).RequireAuthorization(Policies.Supervisor)
            .WithSummary("A PBX or CTI integration reports a new inbound call; the ACD queues and routes it.");
        calls.MapPost("/", DialAsync)
            .WithSummary("Click-to-dial: an internal call to a colleague's extension or agent id, otherwise an outbound call for an agent.");
        calls.MapGet("/", HistoryAsync).WithSummary("Call history (paged); agents see their own calls.");
        calls.MapGet("/{id}", GetAsync);
        calls.MapPost("/{id}/answer", (string id, ClaimsPrincipal user, CallCommands cmd) => Run(cmd.RunAsync(id, user, CallAction.Answer)));
        calls.MapPost("/{id}/reject", (string id, ClaimsPrincipal user, CallCommands cmd) => Run(cmd.RunAsync(id, user, CallAction.Reject)));
        calls.MapPost("/{id}/hold", (string id, ClaimsPrincipal user, CallCommands cmd) => Run(cmd.RunAsync(id, user, CallAction.Hold)));
        calls.MapPost("/{id}/unhold", (string id, ClaimsPrincipal user, CallCommands cmd) => Run(cmd.RunAsync(id, user, CallAction.Unhold)));
        calls.MapPost("/{id}/hangup", HangupAsync);
        calls.MapPost("/{id}/dtmf", DtmfAsync);
        calls.MapPost("/{id}/transfer", TransferAsync);
        calls.MapPost("/{id}/transfer/complete", (string id, ClaimsPrincipal user, CallCommands cmd) => Run(cmd.RunAsync(id, user, CallAction.CompleteTransfer)));
        calls.MapPost("/{id}/transfer/cancel", (string id, ClaimsPrincipal user, CallCommands cmd) => Run(cmd.RunAsync(id, user, CallAction.CancelTransfer)));
        calls.MapPost("/{id}/park", (string id, ClaimsPrincipal user, CallCommands cmd) => Run(cmd.RunAsync(id, user, CallAction.Park)))
            .WithSummary("Parks a connected call in the lowest free numbered slot (parkedSlot in the answer); the agent goes to wrap-up.");
        calls.MapPost("/{id}/pickup", (string id, TakeRequest? request, ClaimsPrincipal user, CallCommands cmd) =>
                TakeAsync(id, request, user, cmd, parked: false))
            .WithSummary("Directed pickup: the agent (default: yourself) takes a call ringing at another agent; its phone rings.");

        var parking = api.MapGroup("/parking").WithTags("Calls").RequireAuthorization(Policies.Agent);
        parking.MapGet("/", async (IGrainFactory grains) => TypedResults.Ok(
                (await grains.GetGrain<IParkingLotGrain>(ParkingLotKeys.Default).ListAsync()).Select(p => new ParkedCallView(p.Slot, p.CallId, p.ParkedAt))))
            .WithSummary("Parked calls by slot.");
        parking.MapPost("/{slot}/retrieve", RetrieveAsync).WithSummary("Retrieves the call parked in a slot: the agent's phone rings.");
        return api;
    }

    private static async Task<Results<Created<CallView>, ValidationProblem, ProblemHttpResult>> InboundAsync(
        InboundCallRequest request, CallCommands cmd, CancellationToken cancellationToken)
    {
        var v = new Validator().Number(request.From, "from").Number(request.To, "to").Text(request.CallerName, "callerName", 100, required: false)
            .Range(request.Priority, "priority", 0, 100);
        if (!v.IsValid)
        {
            return v.Problem();
        }

        var result = await cmd.StartInboundAsync(request.From!, request.To!, request.CallerName, request.Priority ?? 0, cancellationToken);
        return result.IsSuccess
            ? TypedResults.Created($"/api/v1/calls/{result.Value!.CallId}", CallView.Of(result.Value))
            : ApiResults.Problem(result);
    }

    private static async Task<Results<Created<CallView>, ValidationProblem, ProblemHttpResult>> DialAsync(
        DialRequest request, ClaimsPrincipal user, CallCommands cmd, CancellationToken cancellationToken)
    {
        var agentId = request.AgentId ?? user.AgentId();
        var v = new Validator().Id(agentId, "agentId").Require(
            request.Destination is { } d && (DialTargets.IsPhoneNumber(d) || ApiResults.IdPattern().IsMatch(d)),
            "destination", "Required: a phone number (digits, optional leading +), or a colleague's extension or agent id.");
        if (!v.IsValid)
        {
            return v.Problem();
        }

        if (!user.MayActForAgent(agentId!))
        {
            return ApiResults.Forbidden();
        }

        var result = await cmd.DialAsync(agentId!, request.Destination!, cancellationToken);
        return result.IsSuccess
            ? TypedResults.Created($"/api/v1/calls/{result.Value!.CallId}", CallView.Of(result.Value))
            : ApiResults.Problem(result);
    }

    private static async Task<Results<Ok<CallView>, ValidationProblem, ProblemHttpResult>> TakeAsync(string id, TakeRequest? request,
        ClaimsPrincipal user, CallCommands cmd, bool parked)
    {
        var agentId = request?.AgentId ?? user.AgentId();
        var v = new Validator().Id(agentId, "agentId");
        if (!v.IsValid)
        {
            return v.Problem();
        }

        if (!user.MayActForAgent(agentId!))
        {
            return ApiResults.Forbidden();
        }

        var result = await cmd.TakeAsync(id, agentId!, user, parked);
        return result.IsSuccess ? TypedResults.Ok(CallView.Of(result.Value!)) : ApiResults.Problem(result);
    }

    private static async Task<Results<Ok<CallView>, ValidationProblem, ProblemHttpResult>> RetrieveAsync(int slot, TakeRequest? request,
        ClaimsPrincipal user, CallCommands cmd, IGrainFactory grains)
    {
        if (await grains.GetGrain<IParkingLotGrain>(ParkingLotKeys.Default).GetAsync(slot) is not { } parked)
        {
            return ApiResults.NotFound($"No call is parked in slot {slot}.");
        }

        return await TakeAsync(parked.CallId, request, user, cmd, parked: true);
    }

    private static async Task<Results<Ok<CallView>, ProblemHttpResult>> GetAsync(string id, ClaimsPrincipal user, CallCommands cmd) =>
        await Run(cmd.GetForAsync(id, user));

    private static async Task<Results<Ok<CallView>, ProblemHttpResult>> HangupAsync(string id, HangupRequest? request, ClaimsPrincipal user,
        CallCommands cmd)
    {
        var side = request?.Side ?? HangupSide.Agent;
        if (side != HangupSide.Agent && !user.IsSupervisor())
        {
            return ApiResults.Forbidden("Only integrations (supervisor role) may report a caller or system hang-up.");
        }

        return await Run(cmd.RunAsync(id, user, CallAction.Hangup, side, request?.Reason));
    }

    private static async Task<Results<Ok<CallView>, ValidationProblem, ProblemHttpResult>> DtmfAsync(string id, DtmfRequest request,
        ClaimsPrincipal user, CallCommands cmd)
    {
        if (!DtmfDigits.IsValid(request.Digits))
        {
            return ApiResults.Invalid("digits", DtmfDigits.Rule + ".");
        }

        var result = await cmd.SendDtmfAsync(id, user, request.Digits!);
        return result.IsSuccess ? TypedResults.Ok(CallView.Of(result.Value!)) : ApiResults.Problem(result);
    }

    private static async Task<Results<Ok<CallView>, ValidationProblem, ProblemHttpResult>> TransferAsync(string id, TransferRequest request,
        ClaimsPrincipal user, CallCommands cmd)
    {
        if (string.IsNullOrWhiteSpace(request.Target) || request.Target.Length > 64)
        {
            return ApiResults.Invalid("target", "Required: an agent id, a queue id or a phone number.");
        }

        var result = await cmd.TransferAsync(id, user, request.Target.Trim(), request.Mode ?? TransferMode.Blind, request.Kind);
        return result.IsSuccess ? TypedResults.Ok(CallView.Of(result.Value!)) : ApiResults.Problem(result);
    }

    private static async Task<Results<Ok<PagedResult<CallRecordView>>, ValidationProblem, ProblemHttpResult>> HistoryAsync(
        ClaimsPrincipal user, IServiceProvider services, DateTimeOffset? from, DateTimeOffset? to, string? agentId, string? queueId,
        int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var v = new Validator().Range(page, "page", 1, int.MaxValue).Range(pageSize, "pageSize", 1, MaxPageSize)
            .Require(from is null || to is null || from <= to, "from", "Must not be after 'to'.");
        if (!v.IsValid)
        {
            return v.Problem();
        }

        if (!user.IsSupervisor())
        {
            if (agentId is not null && agentId != user.AgentId())
            {
                return ApiResults.Forbidden("Agents see only their own calls.");
            }

            agentId = user.AgentId() ?? "\0";
        }

        if (services.GetService<IReportingQueries>() is not { } reporting)
        {
            return ApiResults.Unavailable("No reporting store is configured.");
        }

        var result = await reporting.GetCallsAsync(new CallHistoryQuery(from, to, agentId, queueId, page ?? 1, pageSize ?? 50), cancellationToken);
        return TypedResults.Ok(new PagedResult<CallRecordView>(result.Items.Select(CallRecordView.Of).ToList(), result.Page, result.PageSize,
            result.Total));
    }

    private static async Task<Results<Ok<CallView>, ProblemHttpResult>> Run(Task<Result<CallSnapshot>> command)
    {
        var result = await command;
        return result.IsSuccess ? TypedResults.Ok(CallView.Of(result.Value!)) : ApiResults.Problem(result);
    }
}

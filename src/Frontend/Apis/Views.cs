using Acd.Agents;
using Acd.Calls;
using Acd.Customers;
using Acd.Queues;

namespace Acd.Frontend.Apis;

public sealed record AgentView(
    string Id,
    bool Configured,
    string? Name,
    string? Extension,
    AgentStatus Status,
    string? ReasonCode,
    DateTimeOffset StateSince,
    double TimeInStateSeconds,
    string? CallId,
    bool OnHold,
    string? PendingReasonCode,
    bool PendingLogout,
    DateTimeOffset? WrapUpEndsAt,
    DateTimeOffset? LeaseExpiresAt,
    int CallsHandled,
    IReadOnlyDictionary<string, int> Skills,
    IReadOnlyList<string> Queues,
    IReadOnlyList<string> Roles,
    bool PhoneRegistered,
    string? ThreeCxExtension = null,
    string? TeamId = null)
{
    public static AgentView From(AgentSnapshot a, DateTimeOffset now) => new(
        a.AgentId, a.IsConfigured, a.Profile?.Name, a.Profile?.Extension, a.Status, a.ReasonCode, a.StateSince,
        Math.Max(0, a.TimeInState(now).TotalSeconds), a.CallId, a.OnHold, a.PendingReasonCode, a.PendingLogout, a.WrapUpEndsAt,
        a.LeaseExpiresAt, a.CallsHandled,
        a.Profile?.Skills ?? (IReadOnlyDictionary<string, int>)new Dictionary<string, int>(),
        a.Profile is { } p && !p.Queues.IsDefault ? p.Queues : [],
        a.Profile is { } q && !q.Roles.IsDefault ? q.Roles : [],
        a.HasRegisteredDevice,
        a.Profile?.ThreeCxExtension,
        a.Profile?.TeamId);
}

public sealed record CustomerView(
    string? Id,
    string? Name,
    string? PhoneNumber,
    string? Email,
    string? Company,
    string? Notes,
    string Source,
    IReadOnlyDictionary<string, string> Attributes)
{
    public static CustomerView From(CustomerSnapshot c) =>
        new(c.CustomerId, c.Name, c.PhoneNumber, c.Email, c.Company, c.Notes, c.Source,
            c.Attributes ?? (IReadOnlyDictionary<string, string>)new Dictionary<string, string>());
}

public sealed record TransferView(TransferTargetKind Kind, string Target);

public sealed record CallView(
    string Id,
    CallStatus Status,
    CallDirection? Direction,
    string? From,
    string? To,
    string? CallerName,
    string? QueueId,
    string? AgentId,
    CallDisposition Disposition,
    DateTimeOffset? ArrivedAt,
    DateTimeOffset? QueuedAt,
    DateTimeOffset? OfferedAt,
    DateTimeOffset? OfferExpiresAt,
    DateTimeOffset? ConnectedAt,
    DateTimeOffset? EndedAt,
    DateTimeOffset? HeldSince,
    double TotalHoldSeconds,
    int OfferCount,
    string? EndReason,
    CustomerView? Customer,
    TransferView? PendingTransfer,
    bool SipLegs,
    int? ParkedSlot = null,
    string? CallerAgentId = null,
    string? Carrier = null)
{
    public static CallView Of(CallSnapshot c) => new(
        c.CallId, c.Status, c.Info?.Direction, c.Info?.Ani, c.Info?.Dnis, c.Info?.CallerName, c.QueueId, c.AgentId, c.Disposition,
        c.ArrivedAt, c.QueuedAt, c.OfferedAt, c.OfferExpiresAt, c.ConnectedAt, c.EndedAt, c.HeldSince, c.TotalHold.TotalSeconds,
        c.OfferCount, c.EndReason, c.Customer is { } customer ? CustomerView.From(customer) : null,
        c.PendingTransfer is { } t ? new TransferView(t.Kind, t.Value) : null,
        // A SIP edge carries the call's legs: a browser phone gets an INVITE for it (X-Call-Id) and answers that.
        CallCarriers.RingsRegisteredPhones(c.Info?.EdgeId),
        c.ParkedSlot,
        // An internal call: the colleague who placed it (From is the same id, CallerName its name).
        c.CallerAgentId,
        // What carries the call: "sip" (the edge), "3cx" (a 3CX PBX: no hold, park, DTMF or consultation), null (CTI).
        c.Info?.EdgeId is not { } edge ? null : CallCarriers.IsThreeCx(edge) ? "3cx" : "sip");
}

public sealed record QueueStatsView(
    string QueueId,
    int Waiting,
    double LongestWaitSeconds,
    int Offered,
    int Answered,
    int Abandoned,
    int Overflowed,
    double? ServiceLevelPercent,
    double AverageSpeedOfAnswerSeconds,
    int ReadyAgents,
    int LoggedInAgents,
    double WindowMinutes,
    DateTimeOffset At,
    double AverageHandleSeconds,
    int HandledCalls)
{
    public static QueueStatsView From(string queueId, QueueStats s) => new(
        queueId, s.Waiting, s.LongestWait.TotalSeconds, s.Offered, s.Answered, s.Abandoned, s.Overflowed, s.ServiceLevelPercent,
        s.AverageSpeedOfAnswer.TotalSeconds, s.ReadyAgents, s.LoggedInAgents, s.Window.TotalMinutes, s.At,
        s.AverageHandleTime.TotalSeconds, s.HandledCalls);
}

public sealed record WaitingCallView(string CallId, int Priority, DateTimeOffset JoinedAt, string? From);

public sealed record QueueView(
    string Id,
    string? Name,
    IReadOnlyList<string> Numbers,
    RoutingStrategy Strategy,
    IReadOnlyDictionary<string, int> RequiredSkills,
    int SlaSeconds,
    int MaxWaitSeconds,
    string? OverflowQueueId,
    int WrapUpSeconds,
    int RingTimeoutSeconds,
    int StatsWindowMinutes,
    QueueStatsView Stats,
    IReadOnlyList<WaitingCallView> WaitingCalls,
    string? HoldMusic,
    int AnnounceSeconds,
    string Language)
{
    public static QueueView From(QueueSnapshot q)
    {
        var c = q.Config;
        return new QueueView(q.QueueId, c?.Name, c is { Numbers.IsDefault: false } ? c.Numbers : [], c?.Strategy ?? default,
            c?.RequiredSkills ?? (IReadOnlyDictionary<string, int>)new Dictionary<string, int>(),
            c?.SlaSeconds ?? 0, c?.MaxWaitSeconds ?? 0, c?.OverflowQueueId, c?.WrapUpSeconds ?? 0, c?.RingTimeoutSeconds ?? 0,
            c?.StatsWindowMinutes ?? 0, QueueStatsView.From(q.QueueId, q.Stats),
            q.Waiting.IsDefault ? [] : q.Waiting.Select(w => new WaitingCallView(w.CallId, w.Priority, w.JoinedAt, w.Ani)).ToList(),
            c?.HoldMusic, c?.AnnounceSeconds ?? 0, c?.EffectiveLanguage ?? QueueConfig.DefaultLanguage);
    }
}

public sealed record CustomerRecordView(
    string Id,
    string Name,
    IReadOnlyList<string> PhoneNumbers,
    string? Email,
    string? Company,
    string? Notes,
    IReadOnlyDictionary<string, string> Attributes,
    DateTimeOffset UpdatedAt)
{
    public static CustomerRecordView From(Customer c) =>
        new(c.CustomerId, c.Name, c.PhoneNumbers.IsDefault ? [] : c.PhoneNumbers, c.Email, c.Company, c.Notes, c.Attributes, c.UpdatedAt);
}

public sealed record PagedResult<T>(IReadOnlyList<T> Items, int Page, int PageSize, long Total);

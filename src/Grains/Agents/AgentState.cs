using Acd.Agents;

namespace Acd.Grains.Agents;

[GenerateSerializer, Alias("acd.AgentState")]
public sealed class AgentState
{
    public const int HistoryLimit = 100;

    [Id(0)] public AgentProfile? Profile { get; set; }

    [Id(1)] public AgentStatus Status { get; set; } = AgentStatus.LoggedOut;

    [Id(2)] public string? ReasonCode { get; set; }

    [Id(3)] public DateTimeOffset StateSince { get; set; }

    [Id(4)] public string? CallId { get; set; }

    [Id(5)] public DateTimeOffset? LeaseExpiresAt { get; set; }

    [Id(6)] public bool OnHold { get; set; }

    /// <summary>A Not Ready requested during a call, applied when the call and wrap-up are over.</summary>
    [Id(7)] public string? PendingReasonCode { get; set; }

    [Id(8)] public bool PendingLogout { get; set; }

    [Id(9)] public DateTimeOffset? WrapUpEndsAt { get; set; }

    [Id(10)] public DateTimeOffset IdleSince { get; set; }

    [Id(11)] public int CallsHandled { get; set; }

    [Id(12)] public List<DeviceBinding> Devices { get; set; } = [];

    [Id(13)] public List<AgentStateChange> History { get; set; } = [];

    /// <summary>Whether the current reservation is an outbound call the agent placed.</summary>
    [Id(14)] public bool OutboundReservation { get; set; }

    /// <summary>Whether the reserved call was answered (OnCall reached) before it ended.</summary>
    [Id(15)] public bool CallConnected { get; set; }
}

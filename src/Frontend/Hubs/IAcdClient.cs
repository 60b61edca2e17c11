using Acd.Frontend.Apis;

namespace Acd.Frontend.Hubs;

/// <summary>What the hubs push to browsers.</summary>
public interface IAcdClient
{
    /// <summary>An agent's state (the own agent on /hubs/agent, every agent on /hubs/supervisor).</summary>
    Task AgentState(AgentView agent);

    /// <summary>A call was offered to this agent: ring, show the customer popup.</summary>
    Task CallOffered(CallView call);

    Task CallState(CallView call);

    /// <summary>A DTMF digit heard on the agent's call (the customer's keypad, or the agent's own phone).</summary>
    Task CallDigit(CallDigitView digit);

    /// <summary>Live configuration, waiting calls and statistics of a queue.</summary>
    Task QueueState(QueueView queue);
}

public sealed record CallDigitView(string CallId, string Digit, bool FromCustomer);

public sealed record CommandResult(bool Ok, string? Error, string? Message)
{
    public static CommandResult From(Acd.Common.AcdError error, string? message) =>
        new(error == Acd.Common.AcdError.None, error == Acd.Common.AcdError.None ? null : error.ToString(), message);
}

public sealed record AgentDesktopSnapshot(AgentView Agent, CallView? Call, IReadOnlyList<QueueView> Queues, IReadOnlyList<string> ReasonCodes);

public sealed record WallboardSnapshot(IReadOnlyList<AgentView> Agents, IReadOnlyList<QueueView> Queues, IReadOnlyList<CallView> Calls);

/// <summary>Configuration section "Relay".</summary>
public sealed class RelayOptions
{
    public const string Section = "Relay";

    /// <summary>How often grain subscriptions are renewed (grain-side subscriptions expire).</summary>
    public int RefreshSeconds { get; set; } = 60;
}

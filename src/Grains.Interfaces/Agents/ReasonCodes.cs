namespace Acd.Agents;

/// <summary>Reason codes the system itself uses; operators add their own through configuration.</summary>
public static class ReasonCodes
{
    public const string Login = "login";
    public const string NoAnswer = "no answer";
    public const string Rejected = "rejected";
    public const string Supervisor = "supervisor";

    /// <summary>On a call the ACD does not carry (a private call on the agent's 3CX extension): Ready again when it ends.</summary>
    public const string BusyElsewhere = "busy elsewhere";
    public const string Break = "break";
    public const string Lunch = "lunch";
    public const string Meeting = "meeting";
    public const string Training = "training";

    public static readonly IReadOnlyList<string> System = [Login, NoAnswer, Rejected, Supervisor, BusyElsewhere];

    public static readonly IReadOnlyList<string> Defaults = [Break, Lunch, Meeting, Training];
}

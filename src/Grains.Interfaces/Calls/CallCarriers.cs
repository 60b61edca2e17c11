namespace Acd.Calls;

/// <summary>
/// What carries a call, read from <see cref="CallInfo.EdgeId"/>: a SIP edge (rings the agents' registered phones), a 3CX
/// PBX (edge ids "3cx:&lt;pbx&gt;": rings the agents' 3CX extensions), or nothing (a CTI integration reports progress).
/// </summary>
public static class CallCarriers
{
    public const string ThreeCxPrefix = "3cx:";

    public static bool IsThreeCx(string? edgeId) => edgeId?.StartsWith(ThreeCxPrefix, StringComparison.Ordinal) == true;

    /// <summary>Only agents with a phone registered at a SIP edge can take the call.</summary>
    public static bool RingsRegisteredPhones(string? edgeId) => edgeId is not null && !IsThreeCx(edgeId);
}

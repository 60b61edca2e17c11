namespace Acd.Calls;

/// <summary>Call ids, made the same way by every path that starts a call (REST, SIP edge): time-ordered, so ids sort by start.</summary>
public static class CallIds
{
    public static string New() => Guid.CreateVersion7().ToString("N");
}

namespace Acd.SipEdge.Calls;

/// <summary>Headers the edge adds to the INVITEs it sends.</summary>
internal static class EdgeHeaders
{
    /// <summary>The ACD call id on an agent's INVITE, so the desktop's Answer finds the right one.</summary>
    public const string CallId = "X-Call-Id";

    /// <summary>An edge-to-edge hop: the signed token that lets another edge ring one of its phones for this call (see Relay).</summary>
    public const string Relay = "X-Acd-Relay";
}

namespace Acd.SipEdge.Calls;

/// <summary>How an edge call came about.</summary>
internal enum CallOrigin
{
    /// <summary>A caller dialled a queue number.</summary>
    Inbound,
    /// <summary>Click-to-dial from the API or desktop: the agent's phone is rung first, then the destination.</summary>
    ClickToDial,
    /// <summary>The agent dialled an outside number on its own phone.</summary>
    AgentPhone,
    /// <summary>An agent called a colleague, from its phone or from the desktop (its own phone rung first).</summary>
    Internal,
}

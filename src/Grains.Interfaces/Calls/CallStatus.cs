namespace Acd.Calls;

public enum CallStatus
{
    Arrived = 0,
    Queued,
    Offered,
    Connected,
    Held,
    Transferring,
    Ended,
    /// <summary>Waiting on hold in a numbered parking slot until an agent retrieves it.</summary>
    Parked,
}

public enum CallDirection
{
    Inbound = 0,
    Outbound,
    Internal,
}

/// <summary>How a call ended; exactly one per call record.</summary>
public enum CallDisposition
{
    None = 0,
    /// <summary>An agent answered and the call later ended normally.</summary>
    Answered,
    /// <summary>The caller hung up before any agent answered.</summary>
    Abandoned,
    /// <summary>Max wait reached with no overflow queue to take it.</summary>
    Overflowed,
    /// <summary>Handed to a destination outside the ACD (blind transfer to a number).</summary>
    Transferred,
    /// <summary>A technical failure ended the call (no route, leg failure, lost edge).</summary>
    Failed,
    /// <summary>An outbound call the far end did not answer (busy, no answer, declined).</summary>
    NotAnswered,
}

public enum HangupSide
{
    Caller = 0,
    Agent,
    System,
}

public enum TransferMode
{
    Blind = 0,
    Attended,
}

public enum TransferTargetKind
{
    Agent = 0,
    Queue,
    External,
}

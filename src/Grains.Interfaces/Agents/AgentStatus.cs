namespace Acd.Agents;

public enum AgentStatus
{
    LoggedOut = 0,
    NotReady,
    Ready,
    Reserved,
    OnCall,
    WrapUp,
}

using System.Collections.Immutable;
using Acd.Agents;
using Acd.Calls;
using Acd.Events;
using Acd.Reporting.Writing;
using Microsoft.Extensions.DependencyInjection;

namespace Acd.Frontend.Tests.Infrastructure;

/// <summary>
/// A known morning of calls written into the host's reporting store through its own writer (so the one-writer rule
/// holds), on a day long past so live calls of other tests never mix in.
/// </summary>
public sealed class ReportSeed
{
    public static readonly DateTimeOffset Morning = new(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);

    public ReportSeed(string queueId, string agentId)
    {
        QueueId = queueId;
        AgentId = agentId;
        var tag = Guid.NewGuid().ToString("N")[..6];
        AnsweredFast = $"rc1-{tag}";
        Abandoned = $"rc2-{tag}";
        AnsweredLate = $"rc3-{tag}";
        AbandonedQuickly = $"rc4-{tag}";
    }

    public string QueueId { get; }

    public string AgentId { get; }

    /// <summary>09:00:10, answered after 15 s, 180 s connected of which 20 s on hold, 30 s wrap-up.</summary>
    public string AnsweredFast { get; }

    /// <summary>09:10, abandoned after 40 s.</summary>
    public string Abandoned { get; }

    /// <summary>09:20, answered after 60 s, 120 s of talk, no wrap-up.</summary>
    public string AnsweredLate { get; }

    /// <summary>10:05, abandoned after 5 s.</summary>
    public string AbandonedQuickly { get; }

    private static DateTimeOffset At(int minutes, int seconds = 0) => Morning.AddMinutes(minutes).AddSeconds(seconds);

    public async Task WriteAsync(AcdHost host)
    {
        var sink = host.Services.GetRequiredService<BatchingReportingSink>();
        foreach (var e in Events())
        {
            sink.Append(e);
        }

        await sink.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    private IEnumerable<AcdEvent> Events()
    {
        yield return Agent(AgentStatus.Ready, AgentStatus.Reserved, AnsweredFast, At(0, 20), 20);
        yield return Agent(AgentStatus.Reserved, AgentStatus.OnCall, AnsweredFast, At(0, 25), 5);
        yield return Agent(AgentStatus.OnCall, AgentStatus.WrapUp, AnsweredFast, At(3, 25), 180);
        yield return Call(AnsweredFast, At(3, 25), At(0, 10), At(0, 25), At(3, 25), CallDisposition.Answered, agent: true, hold: 20);
        yield return Agent(AgentStatus.WrapUp, AgentStatus.Ready, null, At(3, 55), 30);
        yield return Call(Abandoned, At(10, 40), At(10), null, At(10, 40), CallDisposition.Abandoned, agent: false);
        yield return Agent(AgentStatus.Ready, AgentStatus.Reserved, AnsweredLate, At(20, 55), 1020);
        yield return Agent(AgentStatus.Reserved, AgentStatus.OnCall, AnsweredLate, At(21), 5);
        yield return Agent(AgentStatus.OnCall, AgentStatus.Ready, null, At(23), 120);
        yield return Call(AnsweredLate, At(23), At(20), At(21), At(23), CallDisposition.Answered, agent: true);
        yield return Call(AbandonedQuickly, At(65, 5), At(65), null, At(65, 5), CallDisposition.Abandoned, agent: false);
    }

    private AgentChanged Agent(AgentStatus from, AgentStatus to, string? callId, DateTimeOffset at, int secondsInPrevious) =>
        new(at, new AgentSnapshot(AgentId, AgentProfile.Create("Seeded", "1999"), to, null, at, callId, null, false, null, false, null, at, 0,
                ImmutableArray<DeviceBinding>.Empty),
            new AgentStateChange(from, to, null, callId, at, TimeSpan.FromSeconds(secondsInPrevious)));

    private CallChanged Call(string id, DateTimeOffset at, DateTimeOffset arrived, DateTimeOffset? connected, DateTimeOffset ended,
        CallDisposition disposition, bool agent, int hold = 0)
    {
        var info = new CallInfo("+4930111222", "+4930999000", "Seeded caller", CallDirection.Inbound, 0, QueueId, null, "edge-1");
        var agentId = agent ? AgentId : null;
        return new CallChanged(at, new CallSnapshot(id, info, CallStatus.Ended, disposition, QueueId, agentId, arrived, arrived, arrived,
            agent ? arrived : null, connected, ended, null, TimeSpan.FromSeconds(hold), agent ? 1 : 0, null, null, null, null, agentId), CallStatus.Arrived);
    }
}

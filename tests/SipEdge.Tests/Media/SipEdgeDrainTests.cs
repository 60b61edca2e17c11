using System.Globalization;
using Acd.Calls;
using Acd.Media.Tests.Infrastructure;

namespace Acd.SipEdge.Tests.Media;

/// <summary>An edge of its own, stopped by the test, that drains for <paramref name="drainSeconds"/>.</summary>
public sealed class DrainingEdgeHost(int drainSeconds) : EdgeHost
{
    protected override void Configure(IDictionary<string, string?> settings)
    {
        settings["Sip:DrainSeconds"] = drainSeconds.ToString(CultureInfo.InvariantCulture);
        settings["Sip:EdgeId"] = "edge-test-draining";
    }
}

/// <summary>
/// A stopping edge (SIGTERM in a rolling upgrade) drains: it refuses new calls with 503 and Retry-After and keeps the
/// calls it carries, audio included, until they end or Sip:DrainSeconds passes; only then does it end the rest.
/// </summary>
public sealed class SipEdgeDrainTests
{
    private const double CallerHz = 1000;
    private const double AgentHz = 440;

    [Fact]
    public async Task A_stopping_edge_refuses_new_calls_and_keeps_the_call_up_until_it_ends()
    {
        var host = new DrainingEdgeHost(drainSeconds: 120);
        await host.InitializeAsync();
        try
        {
            var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
            var agentId = await host.ReadyAgentAsync(queueId);
            await using var phone = await AudioPhone.RegisterAsync(host, agentId, AgentHz);
            await using var caller = await AudioCaller.DialAsync(host, number);
            await caller.ConnectedAsync(CallerHz);
            var call = await host.ConnectedCallAsync(agentId);
            var callId = (await call.GetAsync()).CallId;

            var stopping = host.App.StopAsync();
            await Eventually.TrueAsync(() => host.Edge.IsDraining, "the edge to drain");

            await using (var late = await AudioCaller.DialAsync(host, number))
            {
                var refused = await late.Answer.WaitAsync(TimeSpan.FromSeconds(10));
                Assert.Equal(503, refused.FinalResponse.StatusCode);
                Assert.NotNull(refused.FinalResponse.Headers.Get("Retry-After"));
            }

            // The call up is untouched: both parties still hear each other, and the host waits for it.
            caller.Rtp.ClearAudio();
            phone.Rtp.ClearAudio();
            Assert.True(await phone.Rtp.HearsAsync(CallerHz, AgentHz), "the agent still hears the caller while the edge drains");
            Assert.True(await caller.Rtp.HearsAsync(AgentHz, CallerHz), "the caller still hears the agent while the edge drains");
            Assert.False(stopping.IsCompleted, "the host waits for the call");
            Assert.True(caller.Ua.Dialogs.Contains(caller.Dialog!), "the caller's dialog is up");

            // The caller hangs up: the edge's last call is gone and the host stops, long before the drain limit.
            await caller.HangUpAsync();
            await stopping.WaitAsync(TimeSpan.FromSeconds(30));
            var record = await host.EndedCallAsync(queueId);
            Assert.Equal(callId, record.CallId);
            Assert.Equal(CallDisposition.Answered, record.Disposition);
            Assert.NotEqual("SIP edge stopped", record.EndReason);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Calls_still_up_at_the_drain_limit_are_ended_with_a_record()
    {
        var host = new DrainingEdgeHost(drainSeconds: 2);
        await host.InitializeAsync();
        try
        {
            var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
            var agentId = await host.ReadyAgentAsync(queueId);
            await using var phone = await AudioPhone.RegisterAsync(host, agentId, AgentHz);
            await using var caller = await AudioCaller.DialAsync(host, number);
            await caller.ConnectedAsync(CallerHz);
            await host.ConnectedCallAsync(agentId);

            await host.App.StopAsync().WaitAsync(TimeSpan.FromSeconds(40));
            await Eventually.TrueAsync(() => !caller.Ua.Dialogs.Contains(caller.Dialog!), "the edge's BYE at the caller");
            var record = await host.EndedCallAsync(queueId);
            Assert.Equal(CallDisposition.Answered, record.Disposition);
            Assert.Equal("SIP edge stopped", record.EndReason);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }
}

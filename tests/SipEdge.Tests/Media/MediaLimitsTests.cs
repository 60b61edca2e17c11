using System.Globalization;
using Acd.Calls;
using Acd.Media.Tests.Infrastructure;

namespace Acd.SipEdge.Tests.Media;

/// <summary>
/// An edge whose media engine has room for one call (two port pairs: the caller's leg and the agent's) and declares a
/// leg dead after two seconds without RTP.
/// </summary>
public sealed class ConstrainedMediaEdgeHost : EdgeHost
{
    protected override void Configure(IDictionary<string, string?> settings)
    {
        var min = int.Parse(settings["Media:PortMin"]!, CultureInfo.InvariantCulture);
        settings["Media:PortMax"] = (min + 3).ToString(CultureInfo.InvariantCulture);
        settings["Media:TimeoutSeconds"] = "2";
        settings["Sip:EdgeId"] = "edge-test-constrained";
    }
}

[CollectionDefinition(Name)]
public sealed class ConstrainedMediaEdgeCollection : ICollectionFixture<ConstrainedMediaEdgeHost>
{
    public const string Name = "sip-edge-constrained-media";
}

/// <summary>What the media engine's limits do to calls: a leg gone silent ends its call, a dry port pool refuses the next.</summary>
[Collection(ConstrainedMediaEdgeCollection.Name)]
public sealed class MediaLimitsTests(ConstrainedMediaEdgeHost host)
{
    private const double CallerHz = 1000;
    private const double AgentHz = 440;

    [Fact]
    public async Task A_phone_that_stops_sending_rtp_ends_the_call_with_a_record_and_frees_the_agent()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var agentId = await host.ReadyAgentAsync(queueId);
        await using var phone = await AudioPhone.RegisterAsync(host, agentId, AgentHz);
        await using var caller = await AudioCaller.DialAsync(host, number);
        await caller.ConnectedAsync(CallerHz);
        var call = await host.ConnectedCallAsync(agentId);
        Assert.True(await caller.Rtp.HearsAsync(AgentHz, CallerHz), "two-way audio first");

        // The phone stops sending RTP (its audio path is gone, its SIP still answers): the engine notices the silence.
        await phone.Rtp.StopSendingAsync();

        var record = await host.EndedCallAsync(queueId);
        Assert.Equal(CallDisposition.Answered, record.Disposition);
        Assert.Equal("agent media timeout", record.EndReason);
        await Eventually.TrueAsync(() => !caller.Ua.Dialogs.Contains(caller.Dialog!), "the edge's BYE at the caller");
        await host.WaitReleasedAsync(record.CallId);
        await EdgeHost.Eventually(async () => (await host.AgentAsync(agentId)).CallId is null, "the agent to be off the call");
    }

    [Fact]
    public async Task A_call_beyond_the_port_pool_is_refused_503_and_the_call_up_keeps_its_audio()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var agentId = await host.ReadyAgentAsync(queueId);
        await using var phone = await AudioPhone.RegisterAsync(host, agentId, AgentHz);
        await using var caller = await AudioCaller.DialAsync(host, number);
        await caller.ConnectedAsync(CallerHz);
        var call = await host.ConnectedCallAsync(agentId);

        await using var refused = await AudioCaller.DialAsync(host, number);
        var answer = await refused.Answer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(503, answer.FinalResponse.StatusCode);
        Assert.NotNull(answer.FinalResponse.Headers.Get("Retry-After"));

        caller.Rtp.ClearAudio();
        phone.Rtp.ClearAudio();
        Assert.True(await phone.Rtp.HearsAsync(CallerHz, AgentHz), "the agent still hears the caller");
        Assert.True(await caller.Rtp.HearsAsync(AgentHz, CallerHz), "the caller still hears the agent");
        Assert.Equal(CallStatus.Connected, (await call.GetAsync()).Status);

        Assert.True((await call.HangupAsync(HangupSide.Agent)).IsSuccess);
        await host.WaitReleasedAsync((await call.GetAsync()).CallId);
    }
}

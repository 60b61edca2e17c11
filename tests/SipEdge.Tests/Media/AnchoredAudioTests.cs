using Acd.Agents;
using Acd.Calls;
using Acd.Media.Codecs;
using Acd.Media.Tests.Infrastructure;

namespace Acd.SipEdge.Tests.Media;

/// <summary>
/// The audio of calls anchored in the edge's media engine, checked by its content: each party sends a tone of its own
/// frequency and the test detects, in what the other party decodes, which tone arrived. The caller sends 1000 Hz, the
/// agent's phone 440 Hz (on an internal call: the calling agent's phone 1000 Hz, the colleague's 440 Hz).
/// </summary>
[Collection(EdgeCollection.Name)]
public sealed class AnchoredAudioTests(EdgeHost host)
{
    private const double CallerHz = 1000;
    private const double AgentHz = 440;

    [Theory]
    [InlineData(AudioCodec.Pcmu, AudioCodec.Pcmu)]
    [InlineData(AudioCodec.Pcma, AudioCodec.Pcma)]
    [InlineData(AudioCodec.Pcmu, AudioCodec.Pcma)]
    public async Task Caller_and_agent_hear_each_other_through_the_engine(AudioCodec callerCodec, AudioCodec phoneCodec)
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var agentId = await host.ReadyAgentAsync(queueId);
        await using var phone = await AudioPhone.RegisterAsync(host, agentId, AgentHz, phoneCodec);
        await using var caller = await AudioCaller.DialAsync(host, number, callerCodec);
        await caller.ConnectedAsync(CallerHz);
        var call = await host.ConnectedCallAsync(agentId);

        // The phone was offered the engine's description, not the caller's: the engine bridges (and transcodes).
        Assert.Contains("o=- ", await phone.Offer.Task, StringComparison.Ordinal);
        Assert.True(await phone.Rtp.HearsAsync(CallerHz, AgentHz), "the agent's phone hears the caller's tone");
        Assert.True(await caller.Rtp.HearsAsync(AgentHz, CallerHz), "the caller hears the agent's tone");
        Assert.All(caller.Rtp.Received.Where(p => p.Header.PayloadType is 0 or 8),
            p => Assert.Equal(callerCodec == AudioCodec.Pcma ? 8 : 0, p.Header.PayloadType)); // each leg in its own codec

        Assert.True((await call.HangupAsync(HangupSide.Agent)).IsSuccess);
        await Eventually.TrueAsync(() => !caller.Ua.Dialogs.Contains(caller.Dialog!), "the edge's BYE at the caller");
        await host.WaitReleasedAsync((await call.GetAsync()).CallId);
    }

    [Fact]
    public async Task Colleagues_hear_each_other_on_an_internal_call_dialled_on_the_phone()
    {
        var (queueId, _) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var caller = await host.CreateAgentAsync(queueId);
        var callee = await host.CreateAgentAsync(queueId);
        var extension = await UniqueExtensionAsync(callee);
        await using var calleePhone = await AudioPhone.RegisterAsync(host, callee, AgentHz, AudioCodec.Pcma);
        await host.RegisterPhoneAsync(caller, Sipp.FreeUdpPort()); // the caller is an agent with a phone, on an allowed PBX
        await using var callerPhone = await AudioCaller.DialAsync(host, extension, AudioCodec.Pcmu, fromUser: caller);
        await callerPhone.ConnectedAsync(CallerHz);
        var call = await host.ConnectedCallAsync(callee);
        Assert.Equal(CallDirection.Internal, (await call.GetAsync()).Info!.Direction);

        // The colleague's phone got the engine's own description, not the caller's; the engine bridges and transcodes.
        Assert.Contains("o=- ", await calleePhone.Offer.Task, StringComparison.Ordinal);
        Assert.True(await calleePhone.Rtp.HearsAsync(CallerHz, AgentHz), "the colleague hears the caller");
        Assert.True(await callerPhone.Rtp.HearsAsync(AgentHz, CallerHz), "the caller hears the colleague");

        await callerPhone.HangUpAsync();
        await EdgeHost.Eventually(async () => (await call.GetAsync()).IsEnded, "the internal call to end");
        await Eventually.TrueAsync(() => !calleePhone.Ua.Dialogs.Contains(calleePhone.Dialog!), "the edge's BYE at the colleague");
        await host.WaitReleasedAsync((await call.GetAsync()).CallId);
    }

    [Fact]
    public async Task Colleagues_hear_each_other_on_an_internal_call_placed_from_the_desktop()
    {
        var (queueId, _) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var caller = await host.CreateAgentAsync(queueId);
        var callee = await host.CreateAgentAsync(queueId);
        await using var callerPhone = await AudioPhone.RegisterAsync(host, caller, CallerHz);
        await using var calleePhone = await AudioPhone.RegisterAsync(host, callee, AgentHz, AudioCodec.Pcma);

        var placed = await host.Edge.DialInternalAsync(caller, callee,
            new CallInfo(caller, callee, $"Agent {caller}", CallDirection.Internal, 0, null, null, null));
        Assert.NotNull(placed);
        Assert.True(placed.Value.IsSuccess, placed.Value.ToString());
        var call = host.Grains.GetGrain<ICallGrain>(placed.Value.Value!.CallId);
        await EdgeHost.Eventually(async () => (await call.GetAsync()).Status == CallStatus.Connected, "the colleagues to be connected");

        // Both phones were rung with the engine's description (no placeholder), and hear each other through it.
        Assert.DoesNotContain("a=inactive", await callerPhone.Offer.Task, StringComparison.Ordinal);
        Assert.Contains("o=- ", await calleePhone.Offer.Task, StringComparison.Ordinal);
        Assert.True(await calleePhone.Rtp.HearsAsync(CallerHz, AgentHz), "the colleague hears the caller");
        Assert.True(await callerPhone.Rtp.HearsAsync(AgentHz, CallerHz), "the caller hears the colleague");

        Assert.True((await call.HangupAsync(HangupSide.Agent)).IsSuccess);
        await Eventually.TrueAsync(() => !callerPhone.Ua.Dialogs.Contains(callerPhone.Dialog!), "the edge's BYE at the caller's phone");
        await host.WaitReleasedAsync(placed.Value.Value.CallId);
    }

    /// <summary>Gives the agent an extension no other agent of the shared host has.</summary>
    private async Task<string> UniqueExtensionAsync(string agentId)
    {
        var extension = "8" + Random.Shared.Next(1_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var agent = host.Grains.GetGrain<IAgentGrain>(agentId);
        Assert.True((await agent.ConfigureAsync((await agent.GetAsync()).Profile! with { Extension = extension })).IsSuccess);
        return extension;
    }

    [Fact]
    public async Task A_queued_caller_hears_music_before_the_agent_answers()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var agentId = await host.CreateAgentAsync(queueId);
        await using var phone = await AudioPhone.RegisterAsync(host, agentId, AgentHz);
        await using var caller = await AudioCaller.DialAsync(host, number);

        // Early media (183): waiting in line, the caller already receives audio that is neither silence nor a tone of ours.
        await Eventually.TrueAsync(() => caller.Rtp.AudioSamples >= 8000, "a second of early media at the queued caller");
        var waiting = caller.Rtp.Audio();
        Assert.True(Goertzel.Rms(waiting.AsSpan(waiting.Length - 8000)) > 500, "the queued caller hears something, not silence");
        Assert.False(caller.Answer.IsCompleted, "the call is not answered while it waits");

        Assert.True((await host.Grains.GetGrain<IAgentGrain>(agentId).SetReadyAsync()).IsSuccess);
        await caller.ConnectedAsync(CallerHz);
        Assert.True(await caller.Rtp.HearsAsync(AgentHz, CallerHz), "once answered, the caller hears the agent instead");
        var call = await host.ConnectedCallAsync(agentId);
        Assert.True((await call.HangupAsync(HangupSide.Agent)).IsSuccess);
        await host.WaitReleasedAsync((await call.GetAsync()).CallId);
    }

    [Fact]
    public async Task On_hold_the_caller_hears_music_and_the_agent_nothing_then_resume_restores_both_ways()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var agentId = await host.ReadyAgentAsync(queueId);
        await using var phone = await AudioPhone.RegisterAsync(host, agentId, AgentHz);
        await using var caller = await AudioCaller.DialAsync(host, number);
        await caller.ConnectedAsync(CallerHz);
        var call = await host.ConnectedCallAsync(agentId);
        Assert.True(await phone.Rtp.HearsAsync(CallerHz, AgentHz));

        Assert.True((await call.HoldAsync()).IsSuccess);
        Assert.False(await caller.Rtp.HearsAsync(AgentHz, CallerHz), "the held caller no longer hears the agent");
        var music = caller.Rtp.Audio();
        Assert.True(Goertzel.Rms(music.AsSpan(music.Length - 1600)) > 500, "the held caller hears music, not silence");
        phone.Rtp.ClearAudio();
        await Task.Delay(500); // what the agent's phone receives in half a second of hold
        var atAgent = phone.Rtp.Audio();
        Assert.False(Goertzel.Detects(atAgent, CallerHz, AgentHz), "the agent does not hear the held caller");
        Assert.True(atAgent.Length == 0 || Goertzel.Rms(atAgent) < 100, $"the agent hears silence on hold (RMS {Goertzel.Rms(atAgent):F0})");

        Assert.True((await call.UnholdAsync()).IsSuccess);
        Assert.True(await caller.Rtp.HearsAsync(AgentHz, CallerHz), "after resume the caller hears the agent");
        Assert.True(await phone.Rtp.HearsAsync(CallerHz, AgentHz), "after resume the agent hears the caller");
        Assert.True((await call.HangupAsync(HangupSide.Agent)).IsSuccess);
        await host.WaitReleasedAsync((await call.GetAsync()).CallId);
    }

    [Fact]
    public async Task Rfc4733_digits_from_the_caller_reach_the_call_grain_and_the_agents_phone()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var agentId = await host.ReadyAgentAsync(queueId);
        await using var phone = await AudioPhone.RegisterAsync(host, agentId, AgentHz);
        await using var caller = await AudioCaller.DialAsync(host, number);
        await caller.ConnectedAsync(CallerHz);
        var call = await host.ConnectedCallAsync(agentId);

        caller.Rtp.SendDigit('4');
        caller.Rtp.SendDigit('2');
        await EdgeHost.Eventually(async () => await call.GetDigitsAsync() == "42", "the digits at the call grain");
        await Eventually.TrueAsync(() => phone.DigitsReceived() == "42", "the digits in-band at the agent's phone");
        Assert.Empty(phone.Infos); // it negotiated telephone-event: no INFO besides

        Assert.True((await call.HangupAsync(HangupSide.Agent)).IsSuccess);
        await host.WaitReleasedAsync((await call.GetAsync()).CallId);
    }

    [Fact]
    public async Task Info_from_a_phone_without_rfc4733_reaches_the_caller_in_band_and_back_as_info()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var agentId = await host.ReadyAgentAsync(queueId);
        await using var phone = await AudioPhone.RegisterAsync(host, agentId, AgentHz, telephoneEvent: false);
        await using var caller = await AudioCaller.DialAsync(host, number);
        await caller.ConnectedAsync(CallerHz);
        var call = await host.ConnectedCallAsync(agentId);

        // The phone presses 9 as SIP INFO: the caller (telephone-event) gets it as RFC 4733.
        Assert.Equal(200, (await phone.InfoAsync('9')).StatusCode);
        await Eventually.TrueAsync(() => caller.DigitsReceived() == "9", "the phone's INFO in-band at the caller");
        Assert.Empty(caller.Infos);

        // The caller presses 3 in-band: the phone, which has no telephone-event, gets an INFO.
        caller.Rtp.SendDigit('3');
        await Eventually.TrueAsync(() => phone.Infos.Any(i => i.Contains("Signal=3", StringComparison.Ordinal)), "the caller's digit as INFO at the phone");
        await EdgeHost.Eventually(async () => await call.GetDigitsAsync() == "3", "only the customer's digit kept by the call grain");

        // The API's digits go in-band to the caller too.
        Assert.True((await call.SendDtmfAsync("7")).IsSuccess);
        await Eventually.TrueAsync(() => caller.DigitsReceived() == "97", "the API's digit in-band at the caller");

        Assert.True((await call.HangupAsync(HangupSide.Agent)).IsSuccess);
        await host.WaitReleasedAsync((await call.GetAsync()).CallId);
    }
}

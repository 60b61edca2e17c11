using Acd.Calls;
using Acd.Media.Tests.Infrastructure;

namespace Acd.SipEdge.Tests.Media;

/// <summary>
/// SDES-SRTP (RFC 4568) on TLS legs, with Sip:SrtpOverTls=true (the shared host sets it): a phone registered over TLS is
/// offered RTP/SAVP with a key, a caller arriving over TLS with an RTP/SAVP offer is answered in kind, and the audio each
/// party decrypts carries the other's tone. Keys never travel on clear-text signalling and never reach the log.
/// </summary>
[Collection(EdgeCollection.Name)]
public sealed class SrtpOverTlsTests(EdgeHost host)
{
    private const double CallerHz = 1000;
    private const double AgentHz = 440;

    [Fact]
    public async Task A_tls_phone_takes_a_queued_tls_callers_call_and_both_hear_each_other_over_srtp()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var agentId = await host.ReadyAgentAsync(queueId);
        await using var phone = await AudioPhone.RegisterOverTlsAsync(host, agentId, AgentHz, srtp: true);
        await using var caller = await AudioCaller.DialOverTlsAsync(host, number, srtp: true);
        await caller.ConnectedAsync(CallerHz);
        var call = await host.ConnectedCallAsync(agentId);

        var offer = await phone.Offer.Task;
        Assert.Contains("RTP/SAVP", offer, StringComparison.Ordinal);
        Assert.Contains("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:", offer, StringComparison.Ordinal);
        var answer = (await caller.Answer).FinalResponse.BodyText!;
        Assert.Contains("RTP/SAVP", answer, StringComparison.Ordinal);
        Assert.Equal(1, answer.Split('\n').Count(l => l.StartsWith("a=crypto:", StringComparison.Ordinal))); // one key, for the suite chosen

        Assert.True(await phone.Rtp.HearsAsync(CallerHz, AgentHz), "the agent's phone decrypts the caller's tone");
        Assert.True(await caller.Rtp.HearsAsync(AgentHz, CallerHz), "the caller decrypts the agent's tone");
        Assert.Equal(0, phone.Rtp.AuthenticationFailures);
        Assert.Equal(0, caller.Rtp.AuthenticationFailures);

        Assert.True((await call.HangupAsync(HangupSide.Agent)).IsSuccess);
        await Eventually.TrueAsync(() => !caller.Ua.Dialogs.Contains(caller.Dialog!), "the edge's BYE at the caller");
        await host.WaitReleasedAsync((await call.GetAsync()).CallId);

        // Four keys were in play (each party's and the engine's two): none of them was written to the edge's log.
        var log = await ReadLogAsync();
        Assert.Contains(call.GetPrimaryKeyString(), log, StringComparison.Ordinal); // the call was logged...
        foreach (var key in new[] { phone.Rtp.LocalKey!, phone.Rtp.RemoteKey!, caller.Rtp.LocalKey!, caller.Rtp.RemoteKey! })
        {
            Assert.DoesNotContain(key, log, StringComparison.Ordinal); // ...its keys were not
        }
    }

    [Fact]
    public async Task Sdes_keys_never_go_over_clear_text_signalling()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);

        // A caller on UDP offering RTP/SAVP: answering would send the engine's key in clear text, so it is refused.
        await using (var clear = await AudioCaller.DialSrtpOverUdpAsync(host, number))
        {
            var refused = await clear.Answer.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(488, refused.FinalResponse.StatusCode);
            Assert.DoesNotContain("a=crypto", refused.FinalResponse.BodyText ?? "", StringComparison.Ordinal);
        }

        // A phone on UDP is offered plain RTP although the edge offers TLS phones SRTP; the caller on TLS gets SRTP.
        var agentId = await host.ReadyAgentAsync(queueId);
        await using var phone = await AudioPhone.RegisterAsync(host, agentId, AgentHz);
        await using var caller = await AudioCaller.DialOverTlsAsync(host, number, srtp: true);
        await caller.ConnectedAsync(CallerHz);
        var call = await host.ConnectedCallAsync(agentId);
        var offer = await phone.Offer.Task;
        Assert.Contains("RTP/AVP", offer, StringComparison.Ordinal);
        Assert.DoesNotContain("a=crypto", offer, StringComparison.Ordinal);
        Assert.Contains("RTP/SAVP", (await caller.Answer).FinalResponse.BodyText!, StringComparison.Ordinal);
        Assert.True(await phone.Rtp.HearsAsync(CallerHz, AgentHz), "the plain phone hears the SRTP caller: the engine decrypts");
        Assert.True(await caller.Rtp.HearsAsync(AgentHz, CallerHz), "the SRTP caller hears the plain phone: the engine encrypts");

        Assert.True((await call.HangupAsync(HangupSide.Agent)).IsSuccess);
        await host.WaitReleasedAsync((await call.GetAsync()).CallId);
    }

    /// <summary>The host's log so far; it is being written, so it is read shared.</summary>
    private async Task<string> ReadLogAsync()
    {
        await using var file = new FileStream(host.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(file);
        return await reader.ReadToEndAsync();
    }
}

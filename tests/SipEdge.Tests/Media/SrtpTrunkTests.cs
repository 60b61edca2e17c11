using Acd.Calls;
using Acd.Media.Tests.Infrastructure;

namespace Acd.SipEdge.Tests.Media;

/// <summary>
/// A trunk on TLS with Sip:OutboundTrunk:Srtp=true: click-to-dial rings the agent's plain-RTP desk phone, then INVITEs
/// the carrier over TLS (its certificate checked against Sip:Tls:CaPath) with RTP/SAVP and a key; the engine bridges
/// SRTP to RTP, and each side hears the other's tone.
/// </summary>
[Collection(TlsTrunkEdgeCollection.Name)]
public sealed class SrtpTrunkTests(TlsTrunkEdgeHost host)
{
    private const double CarrierHz = 1000;
    private const double AgentHz = 440;

    [Fact]
    public async Task Click_to_dial_reaches_a_tls_trunk_over_sdes_srtp_and_both_ends_hear_each_other()
    {
        var (queueId, _) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var agentId = await host.ReadyAgentAsync(queueId);
        await using var phone = await AudioPhone.RegisterAsync(host, agentId, AgentHz);
        await using var carrier = await AudioTrunk.ListenOverTlsAsync(host, host.TlsTrunkPort, CarrierHz, srtp: true);

        var placed = await host.Edge.DialAsync(agentId, new CallInfo("2001", "+15551234", null, CallDirection.Outbound, 0, null, null, null));
        Assert.NotNull(placed);
        Assert.True(placed.Value.IsSuccess, placed.Value.ToString());
        var invite = await carrier.Invite.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("TLS", invite.TopVia!.Transport);
        Assert.Contains("transport=tls", invite.Headers["Contact"], StringComparison.Ordinal);
        Assert.Contains("RTP/SAVP", invite.BodyText, StringComparison.Ordinal);
        Assert.Contains("a=crypto:", invite.BodyText, StringComparison.Ordinal);
        Assert.DoesNotContain("a=crypto", await phone.Offer.Task, StringComparison.Ordinal); // the desk phone is on UDP

        Assert.True(await carrier.Rtp.HearsAsync(AgentHz, CarrierHz), "the carrier decrypts the agent's tone");
        Assert.True(await phone.Rtp.HearsAsync(CarrierHz, AgentHz), "the agent hears the carrier, decrypted by the engine");
        Assert.Equal(0, carrier.Rtp.AuthenticationFailures);

        var call = host.Grains.GetGrain<ICallGrain>(placed.Value.Value!.CallId);
        Assert.True((await call.HangupAsync(HangupSide.Agent)).IsSuccess);
        await Eventually.TrueAsync(() => carrier.Dialog is { } d && !carrier.Ua.Dialogs.Contains(d), "the edge's BYE at the carrier");
        await host.WaitReleasedAsync(placed.Value.Value!.CallId);
    }
}

using System.Net.WebSockets;
using System.Text;
using Acd.Accounts;
using Acd.Agents;
using Acd.Calls;
using Acd.Sip.Auth;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Acd.SipEdge.Tests;

[Collection(EdgeCollection.Name)]
public sealed class SipEdgeRegistrarTests(EdgeHost host)
{
    [Fact]
    public async Task Sip_over_websocket_at_sip_path_challenges_a_register_with_md5_alone_by_default()
    {
        var address = host.App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("sip");
        await socket.ConnectAsync(new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal) + "/sip"), CancellationToken.None);
        Assert.Equal("sip", socket.SubProtocol);

        var register = string.Join("\r\n",
            "REGISTER sip:127.0.0.1 SIP/2.0",
            "Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bK-ws-1;rport",
            "From: <sip:agent-ws@127.0.0.1>;tag=ws1",
            "To: <sip:agent-ws@127.0.0.1>",
            "Call-ID: ws-register-1",
            "CSeq: 1 REGISTER",
            "Contact: <sip:agent-ws@df7jal23ls0d.invalid;transport=ws>",
            "Max-Forwards: 70",
            "Expires: 600",
            "Content-Length: 0",
            "",
            "");
        await socket.SendAsync(Encoding.UTF8.GetBytes(register), WebSocketMessageType.Text, true, CancellationToken.None);

        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = await socket.ReceiveAsync(buffer, timeout.Token);
        var response = Encoding.UTF8.GetString(buffer, 0, received.Count);
        Assert.StartsWith("SIP/2.0 401", response, StringComparison.Ordinal);
        var challenges = response.Split("\r\n").Where(l => l.StartsWith("WWW-Authenticate:", StringComparison.OrdinalIgnoreCase)).ToList();
        // One MD5 challenge: stock JsSIP, SIP.js and baresip give up on a 401 that also carries SHA-256.
        Assert.Single(challenges);
        Assert.Contains("algorithm=MD5", challenges[0], StringComparison.Ordinal);
        Assert.Contains("realm=\"127.0.0.1\"", challenges[0], StringComparison.Ordinal);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    [Fact]
    public async Task A_legacy_plain_sip_password_still_registers_and_is_replaced_by_its_digest_hashes()
    {
        var id = EdgeHost.NewId("legacy");
        var now = DateTimeOffset.UtcNow;
        var accounts = host.Grains.GetGrain<IUserAccountGrain>(id);
        Assert.True((await accounts.CreateAsync(new UserAccount(id, "not-used", [Roles.Agent], id, EdgeHost.SipPassword, false, now, now))).IsSuccess);
        Assert.True((await host.Grains.GetGrain<IAgentGrain>(id).ConfigureAsync(AgentProfile.Create("Legacy", "1999"))).IsSuccess);

        await host.RegisterPhoneAsync(id, Sipp.FreeUdpPort());

        var migrated = await accounts.GetAsync();
        Assert.Null(migrated!.SipPassword);
        Assert.Equal(DigestHash.ComputeHa1(DigestAlgorithm.Md5, id, "127.0.0.1", EdgeHost.SipPassword), migrated.SipHa1!["MD5:127.0.0.1"]);
        Assert.True(migrated.SipHa1.ContainsKey("SHA-256:127.0.0.1"));
    }
}

/// <summary>
/// Which address the edge rings for a registered phone: the Contact (RFC 3261 10), unless the phone asked for outbound
/// (RFC 5626) or NAT is detected (a private Contact that differs from the source), when it is the REGISTER's source.
/// </summary>
[Collection(EdgeCollection.Name)]
public sealed class SipEdgeContactRouteTests(EdgeHost host)
{
    [Fact]
    public async Task A_third_party_registration_rings_the_contact_not_the_registering_address()
    {
        // SIPp registers from one port on behalf of a SIPp phone listening on another.
        var registrarPort = Sipp.FreeUdpPort();
        var phonePort = Sipp.FreeUdpPort();
        await AnsweredOnAsync(registrarPort, phonePort, $"127.0.0.1:{phonePort}");
    }

    [Fact]
    public async Task A_phone_behind_nat_is_rung_at_the_address_its_register_came_from()
    {
        // The phone writes its private LAN address into the Contact; the REGISTER arrives from the NAT's address (here
        // the phone's loopback socket), which is the only one that reaches it.
        var phonePort = Sipp.FreeUdpPort();
        await AnsweredOnAsync(phonePort, phonePort, "192.168.77.10:5060");
    }

    [Fact]
    public async Task A_phone_asking_for_outbound_is_rung_on_its_flow()
    {
        var phonePort = Sipp.FreeUdpPort();
        await AnsweredOnAsync(phonePort, phonePort, $"127.0.0.1:{Sipp.FreeUdpPort()};ob");
    }

    private async Task AnsweredOnAsync(int registerFrom, int answerOn, string contact)
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 10);
        var agentId = await host.CreateAgentAsync(queueId);
        await host.RegisterPhoneAsync(agentId, registerFrom, contact: contact);
        Assert.Contains(contact.Split(';')[0], Assert.Single((await host.AgentAsync(agentId)).Devices).Contact, StringComparison.Ordinal);
        Assert.True((await host.Grains.GetGrain<IAgentGrain>(agentId).SetReadyAsync()).IsSuccess);

        await using var phone = Sipp.Start("agent-answer.xml", host.SipPort, answerOn, agentId);
        await phone.WaitListeningAsync();
        await using var caller = Sipp.Start("caller-hangup.xml", host.SipPort, Sipp.FreeUdpPort(), number);
        await caller.AssertSucceededAsync();
        await phone.AssertSucceededAsync();
        var record = await host.EndedCallAsync(queueId);
        Assert.Equal(CallDisposition.Answered, record.Disposition);
        Assert.Equal(agentId, record.AgentId);
    }
}

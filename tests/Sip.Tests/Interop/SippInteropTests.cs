using System.Net;
using System.Net.Sockets;
using Acd.Sip.Auth;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Registrar;
using Acd.Sip.Transports;
using Acd.Sip.Uris;

namespace Acd.Sip.Tests.Interop;

/// <summary>
/// Interop with real SIPp. Fails (does not skip) when sipp is missing: CI installs sip-tester.
/// Everything binds to 127.0.0.1 on ephemeral ports.
/// </summary>
[Collection("sipp")]
public sealed class SippInteropTests
{
    private const string Sdp = "v=0\r\no=acd 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
    private static readonly TimeSpan SippTimeout = TimeSpan.FromSeconds(40);

    private static async Task<(SipStack Stack, SipUserAgent Ua, TestUaHandler Handler, int UdpPort, int TcpPort)> StartUasAsync()
    {
        var stack = new SipStack();
        var udp = stack.AddUdp(new IPEndPoint(IPAddress.Loopback, 0));
        var tcp = stack.AddTcp(new IPEndPoint(IPAddress.Loopback, 0));
        var handler = new TestUaHandler
        {
            IncomingCall = call =>
            {
                call.Ring();
                call.Answer(Sdp);
                return Task.CompletedTask;
            },
        };
        var ua = new SipUserAgent(stack, handler);
        await stack.StartAsync();
        return (stack, ua, handler, udp.LocalEndPoint.Port, tcp.LocalEndPoint.Port);
    }

    [Theory]
    [InlineData("u1")]
    [InlineData("t1")]
    public async Task Sipp_stock_uac_calls_complete_against_library_uas(string transport)
    {
        var (stack, ua, handler, udpPort, tcpPort) = await StartUasAsync();
        await using var _ = stack;
        var ended = 0;
        handler.DialogTerminated = (_, bye) => { if (bye is not null) Interlocked.Increment(ref ended); };
        var port = transport == "u1" ? udpPort : tcpPort;
        var sippPort = SippRunner.FreePort(transport == "u1" ? SocketType.Dgram : SocketType.Stream);
        var result = await SippRunner.RunAsync($"-sn uac 127.0.0.1:{port} -t {transport} -m 20 -r 10 -l 10 -i 127.0.0.1 -p {sippPort}", SippTimeout);
        var (ok, failed) = SippRunner.Counts(result.Output);
        Assert.True(result.ExitCode == 0, $"sipp exit {result.ExitCode}\n{result.Output}");
        Assert.Equal(20, ok);
        Assert.Equal(0, failed);
        Assert.Equal(20, ended);
        Assert.Empty(ua.Dialogs);
    }

    [Fact]
    public async Task Sipp_stock_uas_answers_calls_placed_by_the_library()
    {
        var sippPort = SippRunner.FreePort(SocketType.Dgram);
        var sipp = SippRunner.RunAsync($"-sn uas -m 5 -i 127.0.0.1 -p {sippPort}", SippTimeout);
        var stack = new SipStack();
        await using var _ = stack;
        stack.AddUdp(new IPEndPoint(IPAddress.Loopback, 0));
        await stack.StartAsync();
        var ua = new SipUserAgent(stack);
        // SIPp may still be binding: the INVITE is retransmitted by Timer A anyway.
        var target = new SipTarget(SipTransportKind.Udp, new IPEndPoint(IPAddress.Loopback, sippPort));
        var uri = SipUri.Parse($"sip:service@127.0.0.1:{sippPort}");
        var results = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            var call = await ua.InviteAsync(uri, new SipNameAddress(SipUri.Parse("sip:acd@127.0.0.1")), new SipNameAddress(uri), Sdp, target);
            Assert.True(call.Success, $"call {i}: {call.FinalResponse.StatusCode} {call.FinalResponse.ReasonPhrase}");
            var bye = await ua.ByeAsync(call.Dialog!);
            results.Add(bye.StatusCode);
        }
        Assert.All(results, c => Assert.Equal(200, c));
        var result = await sipp;
        Assert.True(result.ExitCode == 0, $"sipp exit {result.ExitCode}\n{result.Output}");
        Assert.Equal((5, 0), SippRunner.Counts(result.Output));
    }

    private const string RegisterScenario = """
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register with digest">
  <send retrans="500">
    <![CDATA[

      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:alice@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:alice@[remote_ip]>
      Call-ID: [call_id]
      CSeq: 1 REGISTER
      Contact: <sip:alice@[local_ip]:[local_port]>
      Max-Forwards: 70
      Expires: 300
      Content-Length: 0

    ]]>
  </send>

  <recv response="401" auth="true">
  </recv>

  <send retrans="500">
    <![CDATA[

      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:alice@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:alice@[remote_ip]>
      Call-ID: [call_id]
      CSeq: 2 REGISTER
      Contact: <sip:alice@[local_ip]:[local_port]>
      [authentication]
      Max-Forwards: 70
      Expires: 300
      Content-Length: 0

    ]]>
  </send>

  <recv response="200">
  </recv>
</scenario>
""";

    private sealed class Store(Dictionary<string, string> passwords) : IDigestCredentialStore
    {
        public ValueTask<string?> GetHa1Async(string username, string realm, DigestAlgorithm algorithm, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(passwords.TryGetValue(username, out var p) ? DigestHash.ComputeHa1(algorithm, username, realm, p) : null);
    }

    [Fact]
    public async Task Sipp_register_with_digest_succeeds_against_library_registrar()
    {
        var stack = new SipStack();
        await using var _ = stack;
        var udp = stack.AddUdp(new IPEndPoint(IPAddress.Loopback, 0));
        await stack.StartAsync();
        var digest = new DigestServer(new DigestServerOptions { Realm = "acd.test" }, new Store(new() { ["alice"] = "s3cret" }));
        var registrar = new SipRegistrar(digest);
        var challenges = 0;
        var ua = new SipUserAgent(stack, new TestUaHandler
        {
            Request = (tx, _) =>
            {
                if (tx.Request.Headers[SipHeaderNames.Authorization] is null) Interlocked.Increment(ref challenges);
                return registrar.HandleAsync(tx);
            },
        });
        var sippPort = SippRunner.FreePort(SocketType.Dgram);
        var result = await SippRunner.RunAsync($"127.0.0.1:{udp.LocalEndPoint.Port} -m 1 -i 127.0.0.1 -p {sippPort} -au alice -ap s3cret", SippTimeout, RegisterScenario);
        Assert.True(result.ExitCode == 0, $"sipp exit {result.ExitCode}\n{result.Output}");
        Assert.Equal(1, challenges);
        var binding = Assert.Single(registrar.Lookup(SipUri.Parse("sip:alice@127.0.0.1")));
        Assert.Equal("alice", binding.Username);
        Assert.Equal(sippPort, binding.Contact.Port);
        Assert.Equal(sippPort, binding.Flow.EndPoint.Port);
    }
}

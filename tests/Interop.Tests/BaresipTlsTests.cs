using System.Globalization;
using System.Text.RegularExpressions;
using Acd.Calls;
using Acd.Interop.Tests.Audio;
using Acd.Interop.Tests.Peers;
using Acd.Testing;

namespace Acd.Interop.Tests;

/// <summary>The defaults plus SIP over TLS (a certificate from a throwaway CA) and Sip:SrtpOverTls=true.</summary>
public sealed class TlsInteropHost : InteropHost
{
    public TestCertificates Certificates { get; } = TestCertificates.Create("interop");

    public int TlsPort { get; private set; }

    /// <summary>The CA as PEM, for the phones' sip_cafile.</summary>
    public string CaFile { get; private set; } = "";

    protected override void Configure(IDictionary<string, string?> settings)
    {
        TlsPort = LoopbackPorts.FreeTcp();
        var (certificate, key, ca) = Certificates.WritePem(Path.Combine(settings["Storage:DataPath"]!, "tls"));
        CaFile = ca;
        settings["Sip:TlsPort"] = TlsPort.ToString(CultureInfo.InvariantCulture);
        settings["Sip:Tls:CertificatePath"] = certificate;
        settings["Sip:Tls:KeyPath"] = key;
        settings["Sip:SrtpOverTls"] = "true";
    }
}

[CollectionDefinition(Name)]
public sealed class TlsCollection : ICollectionFixture<TlsInteropHost>
{
    public const string Name = "interop-tls";
}

/// <summary>
/// Stock baresip 1.0 as an agent's desk phone on TLS with mediaenc=srtp-mand (SDES-SRTP, RTP/SAVP only), trusting the
/// edge's CA through sip_cafile: it registers over TLS, the edge rings it over that connection with an RTP/SAVP offer,
/// and it hears the tone of a plain-RTP caller (a second baresip on UDP) whose audio the media engine encrypts for it.
/// </summary>
[Collection(TlsCollection.Name)]
public sealed class BaresipTlsTests(TlsInteropHost host)
{
    [Fact]
    public async Task A_baresip_agent_on_tls_with_mandatory_srtp_hears_a_plain_rtp_caller_and_is_heard()
    {
        Baresip? agent = null, caller = null;
        await Diagnostics.WithLogsAsync(async () =>
        {
            var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
            var agentId = await host.CreateAgentAsync(queueId);
            var callerId = await host.CreateAgentAsync();

            await using var agentPhone = agent = await Baresip.StartAsync("agent-tls",
                new BaresipAccount(agentId, InteropHost.SipPassword, "tls", host.TlsPort, Register: true, AutoAnswer: true, MediaEncryption: "srtp-mand"),
                Tones.Wav(Tones.Agent), host.CaFile);
            var device = await host.RegisteredDeviceAsync(agentId);
            Assert.Equal("TLS", device.Transport);
            await host.SetReadyAsync(agentId);

            await using var callerPhone = caller = await Baresip.StartAsync("caller",
                new BaresipAccount(callerId, InteropHost.SipPassword, "udp", host.SipPort, Register: false, AutoAnswer: false), Tones.Wav(Tones.Caller));
            await caller.DialAsync($"sip:{number}@{InteropHost.Domain}");
            await agent.WaitForEventAsync("CALL_ESTABLISHED");
            await caller.WaitForEventAsync("CALL_ESTABLISHED");
            var call = await (await host.ConnectedCallAsync(agentId)).GetAsync();
            await Task.Delay(TimeSpan.FromSeconds(3)); // talk
            await caller.HangupAsync();
            await agent.WaitForEventAsync("CALL_CLOSED");
            await host.WaitReleasedAsync(call.CallId);

            // The agent's leg was SDES-SRTP over TLS, the caller's plain RTP over UDP.
            var agentTrace = agent.Output(int.MaxValue);
            Assert.Contains("SIP/2.0/TLS", agentTrace, StringComparison.Ordinal);
            Assert.Contains("RTP/SAVP", agentTrace, StringComparison.Ordinal);
            Assert.Contains("SRTP is Enabled (cryptosuite=AES_CM_128_HMAC_SHA1_80)", agentTrace, StringComparison.Ordinal);
            Assert.DoesNotContain("a=crypto", caller.Output(int.MaxValue), StringComparison.Ordinal);

            await Task.Delay(300); // sndfile closes its files when the call's audio stops
            var atAgent = Tones.AnalyseWav(agent.Recording("dec"));
            var atCaller = Tones.AnalyseWav(caller.Recording("dec"));
            Assert.True(atAgent.Carries(Tones.Caller, 2), $"the TLS agent decrypted: {atAgent}");
            Assert.True(atCaller.Carries(Tones.Agent, 2), $"the caller received: {atCaller}");

            // baresip prints the keys in its own SIP trace; the edge's log (at Debug for the edge) has none of them.
            var keys = Regex.Matches(agentTrace, @"a=crypto:\d+ \S+ inline:([A-Za-z0-9+/=]+)").Select(m => m.Groups[1].Value).Distinct().ToList();
            Assert.True(keys.Count >= 2, $"keys seen in the agent's trace: {keys.Count}");
            await using var file = new FileStream(host.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var log = await new StreamReader(file).ReadToEndAsync();
            Assert.All(keys, key => Assert.DoesNotContain(key, log, StringComparison.Ordinal));
        }, () => agent?.Describe() ?? "", () => caller?.Describe() ?? "", () => "--- host ---\n" + host.LogTail());
    }
}

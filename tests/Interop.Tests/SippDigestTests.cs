using System.Text.RegularExpressions;
using Acd.Interop.Tests.Peers;

namespace Acd.Interop.Tests;

/// <summary>
/// SIPp's stock digest ([authentication], MD5) against the edge's default challenge, over UDP and TCP: the 401 carries
/// exactly one WWW-Authenticate, MD5 with qop=auth in the agents' realm (what every stock phone here can answer), the signed
/// REGISTER binds the agent's phone, the signed unregister removes it, and a wrong password is refused with 403.
/// </summary>
[Collection(DefaultsCollection.Name)]
public sealed partial class SippDigestTests(InteropHost host)
{
    [Theory]
    [InlineData("u1", "UDP")]
    [InlineData("t1", "TCP")]
    public async Task Stock_sipp_digest_registers_and_unregisters_an_agent_against_the_default_single_MD5_challenge(string sippTransport, string transport)
    {
        Sipp? sipp = null;
        await Diagnostics.WithLogsAsync(async () =>
        {
            var agentId = await host.CreateAgentAsync();
            await using var phone = sipp = Sipp.Start("register.xml", host.SipPort, agentId,
                extraArguments: ["-t", sippTransport, "-au", agentId, "-ap", InteropHost.SipPassword]);
            var device = await host.RegisteredDeviceAsync(agentId);
            Assert.Equal(transport, device.Transport);
            Assert.Equal("SIPp stock digest", device.UserAgent);
            await sipp.AssertSucceededAsync();
            await InteropHost.Eventually(async () => (await host.AgentAsync(agentId)).Devices.IsDefaultOrEmpty, "the unregister to remove the binding");

            // One challenge per REGISTER (more if SIPp retransmitted and the edge answered the retransmission again).
            var challenges = Received(sipp.Messages, "SIP/2.0 401");
            Assert.True(challenges.Count >= 2, $"{challenges.Count} challenges received");
            foreach (var challenge in challenges)
            {
                var offered = challenge.Split('\n').Where(l => l.StartsWith("WWW-Authenticate:", StringComparison.OrdinalIgnoreCase)).ToList();
                var only = Assert.Single(offered);
                Assert.Contains("algorithm=MD5", only, StringComparison.Ordinal);
                Assert.Contains("qop=\"auth\"", only, StringComparison.Ordinal);
                Assert.Contains($"realm=\"{InteropHost.Domain}\"", only, StringComparison.Ordinal);
            }
        }, () => sipp?.Describe() ?? "", () => "--- host ---\n" + host.LogTail());
    }

    [Fact]
    public async Task A_wrong_password_is_refused_with_403_and_binds_nothing()
    {
        Sipp? sipp = null;
        await Diagnostics.WithLogsAsync(async () =>
        {
            var agentId = await host.CreateAgentAsync();
            await using var phone = sipp = Sipp.Start("register-wrong-password.xml", host.SipPort, agentId,
                extraArguments: ["-au", agentId, "-ap", "not-" + InteropHost.SipPassword]);
            await sipp.AssertSucceededAsync();
            Assert.True((await host.AgentAsync(agentId)).Devices.IsDefaultOrEmpty);
        }, () => sipp?.Describe() ?? "", () => "--- host ---\n" + host.LogTail());
    }

    /// <summary>The messages SIPp received (its -trace_msg log) that start with <paramref name="startLine"/>.</summary>
    private static List<string> Received(string log, string startLine) =>
        MessageSeparator().Split(log)
            .Select(m => m.Replace("\r", "", StringComparison.Ordinal))
            .Where(m => m.Contains(" message received ", StringComparison.Ordinal))
            .Select(m => m[(m.IndexOf(":\n", StringComparison.Ordinal) + 2)..].TrimStart('\n'))
            .Where(m => m.StartsWith(startLine, StringComparison.Ordinal))
            .ToList();

    [GeneratedRegex(@"^-{20,} [^\n]*$", RegexOptions.Multiline)]
    private static partial Regex MessageSeparator();
}

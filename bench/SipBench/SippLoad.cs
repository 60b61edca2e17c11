using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Acd.Sip;
using Acd.Sip.Dialogs;

namespace Acd.SipBench;

/// <summary>
/// End-to-end load: a UAS built on Acd.Sip answers SIPp's stock uac scenario (INVITE, 200, ACK,
/// BYE, 200) at the given call rate for 8 seconds. Needs the Debian package sip-tester.
/// </summary>
internal static class SippLoad
{
    private const string Sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";

    public static async Task<int> RunAsync(int rate, bool tcp)
    {
        await using var stack = new SipStack();
        var listener = tcp ? (Acd.Sip.Transports.ISipTransport)stack.AddTcp(new IPEndPoint(IPAddress.Loopback, 0)) : stack.AddUdp(new IPEndPoint(IPAddress.Loopback, 0));
        _ = new SipUserAgent(stack, new Answerer());
        await stack.StartAsync();
        var calls = rate * 8;
        var args = $"-sn uac 127.0.0.1:{listener.LocalEndPoint.Port} -t {(tcp ? "t1" : "u1")} -m {calls} -r {rate} -l {rate * 10} -i 127.0.0.1 -ci 127.0.0.1 -mi 127.0.0.1 -p {FreePort()} -cp {FreePort()} -buff_size 4194304 -nostdin -timeout 90s";
        Console.WriteLine($"sipp {args}");
        var psi = new ProcessStartInfo("sipp", args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start sipp (apt-get install sip-tester)");
        var output = await p.StandardOutput.ReadToEndAsync() + await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        foreach (var line in output.Split('\n').Where(l => l.Contains("Call Rate") || l.Contains("Successful call") || l.Contains("Failed call") || l.Contains("Total Calls created")).TakeLast(4))
            Console.WriteLine(line.TrimEnd());
        Console.WriteLine($"sipp exit code {p.ExitCode}");
        return p.ExitCode;
    }

    private static int FreePort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    /// <summary>Answers every call at once.</summary>
    private sealed class Answerer : ISipUserAgentHandler
    {
        public Task OnIncomingCallAsync(SipIncomingCall call)
        {
            call.Answer(Sdp);
            return Task.CompletedTask;
        }
    }
}

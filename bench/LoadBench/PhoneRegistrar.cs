using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Acd.LoadBench;

/// <summary>
/// Registers agents' phones (digest REGISTER over UDP, RFC 2617 MD5 with qop=auth) from the port the one SIPp UAS
/// will then listen on, before it starts: the edge reaches a UDP phone at the address its REGISTER came from (the
/// flow, as behind NAT), not at the Contact, so the registrations must come from the phone's own port.
/// Not SIPp because SIPp 3.6.1 mangles the digest username when it comes from an -inf field: in
/// "[authentication username=[field0] password=[field1]]" the first nested field is expanded outside the header
/// (seen here: "a00001[authentication username= password=..."), so an -inf users.csv run cannot register many agents.
/// </summary>
public static partial class PhoneRegistrar
{
    public static async Task<(int Succeeded, int Failed)> RegisterAsync(IPEndPoint edge, string domain, int phonePort,
        IReadOnlyList<string> agents, string password, int parallel = 32)
    {
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, phonePort));
        udp.Client.ReceiveBufferSize = 4 << 20;
        var pending = new ConcurrentDictionary<string, TaskCompletionSource<string>>(StringComparer.Ordinal);
        using var stop = new CancellationTokenSource();
        var receiver = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var text = Encoding.UTF8.GetString((await udp.ReceiveAsync(stop.Token)).Buffer);
                    if (Status(text) >= 200 && Key(text) is { } key && pending.TryRemove(key, out var waiter))
                    {
                        waiter.TrySetResult(text);
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (SocketException)
                {
                    // ICMP port unreachable surfacing on loopback: keep reading
                }
            }
        });
        var ok = 0;
        var failed = 0;
        await Parallel.ForEachAsync(agents, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (agent, ct) =>
        {
            var registered = false;
            for (var attempt = 0; attempt < 3 && !registered; attempt++)
            {
                try
                {
                    registered = await RegisterOneAsync(udp, pending, edge, domain, phonePort, agent, password, ct);
                }
                catch (TimeoutException)
                {
                    // lost on a busy machine: try again
                }
            }

            Interlocked.Increment(ref registered ? ref ok : ref failed);
        });
        await stop.CancelAsync();
        await receiver;
        return (ok, failed);
    }

    private static async Task<bool> RegisterOneAsync(UdpClient udp, ConcurrentDictionary<string, TaskCompletionSource<string>> pending, IPEndPoint edge, string domain, int uasPort, string agent, string password,
        CancellationToken cancellationToken)
    {
        var local = (IPEndPoint)udp.Client.LocalEndPoint!;
        var callId = $"{Guid.NewGuid():N}@bench";
        var tag = Guid.NewGuid().ToString("N")[..10];
        string Request(int cseq, string? authorization)
        {
            var auth = authorization is null ? "" : $"Authorization: {authorization}\r\n";
            return string.Create(CultureInfo.InvariantCulture,
                $"REGISTER sip:{domain} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{local.Port};branch=z9hG4bK{Guid.NewGuid():N}\r\nFrom: <sip:{agent}@{domain}>;tag={tag}\r\nTo: <sip:{agent}@{domain}>\r\nCall-ID: {callId}\r\nCSeq: {cseq} REGISTER\r\nContact: <sip:{agent}@127.0.0.1:{uasPort}>\r\nExpires: 3600\r\nMax-Forwards: 70\r\nUser-Agent: LoadBench phone\r\n{auth}Content-Length: 0\r\n\r\n");
        }

        async Task<string> ExchangeAsync(string request, int cseq)
        {
            var waiter = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            pending[$"{callId} {cseq.ToString(CultureInfo.InvariantCulture)}"] = waiter;
            await udp.SendAsync(Encoding.ASCII.GetBytes(request), edge, cancellationToken);
            return await waiter.Task.WaitAsync(TimeSpan.FromSeconds(4), cancellationToken);
        }

        var first = await ExchangeAsync(Request(1, null), 1);
        if (Status(first) == 200)
        {
            return true;
        }

        var challenge = Regex.Match(first, @"^WWW-Authenticate:\s*Digest\s+(.*)$", RegexOptions.Multiline | RegexOptions.IgnoreCase);
        if (Status(first) != 401 || !challenge.Success)
        {
            return false;
        }

        var parameters = Params().Matches(challenge.Groups[1].Value).ToDictionary(m => m.Groups[1].Value.ToLowerInvariant(),
            m => m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Value);
        var realm = parameters.GetValueOrDefault("realm", domain);
        var nonce = parameters["nonce"];
        var uri = $"sip:{domain}";
        var cnonce = Guid.NewGuid().ToString("N")[..16];
        const string nc = "00000001";
        var ha1 = Md5($"{agent}:{realm}:{password}");
        var ha2 = Md5($"REGISTER:{uri}");
        var qopAuth = parameters.TryGetValue("qop", out var qop) && qop.Split(',').Any(q => q.Trim() == "auth");
        var response = qopAuth ? Md5($"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}") : Md5($"{ha1}:{nonce}:{ha2}");
        var authorization = $"Digest username=\"{agent}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\", algorithm=MD5" +
            (qopAuth ? $", qop=auth, nc={nc}, cnonce=\"{cnonce}\"" : "") +
            (parameters.TryGetValue("opaque", out var opaque) ? $", opaque=\"{opaque}\"" : "");
        return Status(await ExchangeAsync(Request(2, authorization), 2)) == 200;
    }

    /// <summary>"Call-ID CSeq-number" of a response, to find the request it answers.</summary>
    private static string? Key(string response)
    {
        var callId = Regex.Match(response, @"^(?:Call-ID|i)\s*:\s*(\S+)", RegexOptions.Multiline | RegexOptions.IgnoreCase);
        var cseq = Regex.Match(response, @"^CSeq\s*:\s*(\d+)", RegexOptions.Multiline | RegexOptions.IgnoreCase);
        return callId.Success && cseq.Success ? $"{callId.Groups[1].Value} {cseq.Groups[1].Value}" : null;
    }

    private static int Status(string response) =>
        response.StartsWith("SIP/2.0 ", StringComparison.Ordinal) && response.Length >= 11
            && int.TryParse(response.AsSpan(8, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : 0;

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "SIP digest (RFC 2617) is MD5 by definition.")]
    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    [GeneratedRegex("""([A-Za-z-]+)\s*=\s*(?:"([^"]*)"|([^\s,]+))""")]
    private static partial Regex Params();
}

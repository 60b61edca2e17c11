using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Acd.MediaBench;

/// <summary>A media relay under test, in its own process so its CPU and memory are measured the same way for all.</summary>
internal interface IRelay : IAsyncDisposable
{
    string Name { get; }
    int Pid { get; }

    /// <summary>Anchors one call; returns the ports the caller and the agent must send to.</summary>
    Task<(int CallerSendsTo, int AgentSendsTo)> CreateCallAsync(int call, int callerPort, int agentPort);

    Task DeleteCallAsync(int call);
}

internal static class Sdp
{
    public static string Of(int port, string origin) =>
        $"v=0\r\no=- {origin} 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n";

    public static int Port(string sdp) =>
        int.Parse(sdp.Split('\n').First(l => l.StartsWith("m=audio", StringComparison.Ordinal)).Split(' ')[1]);
}

/// <summary>The product: this program started with --serve, driving a MediaEngine through stdin/stdout lines.</summary>
internal sealed class EngineRelay : IRelay
{
    private readonly Process _process;
    private readonly SemaphoreSlim _lock = new(1, 1);

    private EngineRelay(Process process) => _process = process;

    public string Name => "acd-media";
    public int Pid => _process.Id;

    public static async Task<EngineRelay> StartAsync(int portMin, int portMax, bool inlineCompletions, int? socketThreads = null)
    {
        var self = Environment.ProcessPath!;
        var info = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") info.ArgumentList.Add(typeof(EngineRelay).Assembly.Location);
        foreach (var a in new[] { "--serve", portMin.ToString(), portMax.ToString() }) info.ArgumentList.Add(a);
        if (inlineCompletions) info.Environment["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1";
        if (socketThreads is { } threads) info.Environment["DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT"] = threads.ToString();
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the engine process");
        var relay = new EngineRelay(process);
        var ready = await process.StandardOutput.ReadLineAsync();
        if (ready != "ready") throw new InvalidOperationException($"engine process said '{ready}'");
        return relay;
    }

    public async Task<(int, int)> CreateCallAsync(int call, int callerPort, int agentPort)
    {
        var reply = await CommandAsync($"call {call} {callerPort} {agentPort}");
        var parts = reply.Split(' ');
        if (parts[0] != "ok") throw new InvalidOperationException($"engine: {reply}");
        return (int.Parse(parts[1]), int.Parse(parts[2]));
    }

    public Task DeleteCallAsync(int call) => CommandAsync($"end {call}");

    /// <summary>Bytes allocated by the engine process so far and packets it sent: allocation per relayed packet.</summary>
    public async Task<(long AllocatedBytes, long PacketsSent, int Gen0)> StatsAsync()
    {
        var parts = (await CommandAsync("stats")).Split(' ');
        return (long.Parse(parts[1]), long.Parse(parts[2]), int.Parse(parts[3]));
    }

    private async Task<string> CommandAsync(string line)
    {
        await _lock.WaitAsync();
        try
        {
            await _process.StandardInput.WriteLineAsync(line);
            await _process.StandardInput.FlushAsync();
            return await _process.StandardOutput.ReadLineAsync() ?? "err closed";
        }
        finally
        {
            _lock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _process.StandardInput.WriteLineAsync("quit");
            await _process.StandardInput.FlushAsync();
            if (!_process.WaitForExit(5000)) _process.Kill(entireProcessTree: true);
        }
        catch (Exception)
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }

    /// <summary>The --serve side: one engine, one session per call, plain RTP both legs, bridged.</summary>
    public static async Task<int> ServeAsync(int portMin, int portMax)
    {
        await using var engine = new Acd.Media.MediaEngine(new Acd.Media.MediaOptions
        {
            BindAddress = "127.0.0.1", PublicAddress = "127.0.0.1", PortMin = portMin, PortMax = portMax, TimeoutSeconds = 0,
        });
        var sessions = new Dictionary<int, Acd.Media.Sessions.MediaSession>();
        Console.WriteLine("ready");
        string? line;
        while ((line = Console.ReadLine()) is not null)
        {
            var parts = line.Split(' ');
            try
            {
                switch (parts[0])
                {
                    case "call":
                        var call = int.Parse(parts[1]);
                        var session = engine.CreateSession($"c{call}");
                        var caller = session.CreateEndpoint("caller");
                        var agent = session.CreateEndpoint("agent");
                        if (!caller.Succeeded || !agent.Succeeded)
                        {
                            Console.WriteLine($"err {caller.Detail ?? agent.Detail}");
                            session.Dispose();
                            break;
                        }
                        var answer = caller.Value!.AcceptOffer(Sdp.Of(int.Parse(parts[2]), "caller"));
                        var offer = agent.Value!.CreateOffer(Acd.Media.Sessions.MediaProfile.RtpAvp);
                        var status = agent.Value.AcceptAnswer(Sdp.Of(int.Parse(parts[3]), "agent"));
                        if (!answer.Succeeded || !offer.Succeeded || !status.Succeeded)
                        {
                            Console.WriteLine($"err {answer} {offer} {status}");
                            break;
                        }
                        session.Bridge(caller.Value, agent.Value);
                        sessions[call] = session;
                        Console.WriteLine($"ok {caller.Value.LocalPort} {agent.Value.LocalPort}");
                        break;
                    case "end":
                        if (sessions.Remove(int.Parse(parts[1]), out var ended)) ended.Dispose();
                        Console.WriteLine("ok");
                        break;
                    case "stats":
                        var relayed = engine.Sessions.SelectMany(x => x.Endpoints).Sum(e => e.GetStatistics().PacketsSent);
                        Console.WriteLine($"ok {GC.GetTotalAllocatedBytes(precise: true)} {relayed} {GC.CollectionCount(0)}");
                        break;
                    case "quit":
                        return 0;
                    default:
                        Console.WriteLine("err unknown command");
                        break;
                }
            }
            catch (Exception ex)
            {
                Console.WriteLine($"err {ex.Message.ReplaceLineEndings(" ")}");
            }
        }
        return 0;
    }
}

/// <summary>rtpengine (Debian rtpengine-daemon, userspace forwarding) driven over its ng protocol (bencode over UDP).</summary>
internal sealed class RtpEngineRelay : IRelay
{
    private readonly Process _process;
    private readonly UdpClient _control = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly IPEndPoint _ng;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private int _cookie;
    private Task<UdpReceiveResult>? _pending;

    private RtpEngineRelay(Process process, IPEndPoint ng)
    {
        _process = process;
        _ng = ng;
    }

    public string Name => "rtpengine";
    public int Pid => _process.Id;

    public static async Task<RtpEngineRelay> StartAsync(int ngPort, int portMin, int portMax)
    {
        var info = new ProcessStartInfo("rtpengine") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "--config-file=none", "--table=-1", "--interface=127.0.0.1", $"--listen-ng=127.0.0.1:{ngPort}",
                     $"--port-min={portMin}", $"--port-max={portMax}", "--foreground", "--log-stderr", "--log-level=4", "--timeout=0" })
            info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start rtpengine");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } d && d.Contains("ERR", StringComparison.Ordinal)) Console.Error.WriteLine($"rtpengine: {d}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var relay = new RtpEngineRelay(process, new IPEndPoint(IPAddress.Loopback, ngPort));
        for (var i = 0; i < 50; i++)
        {
            try
            {
                var pong = await relay.CommandAsync(new Dictionary<string, object> { ["command"] = "ping" }, TimeSpan.FromMilliseconds(200));
                if ((string)pong["result"] == "pong") return relay;
            }
            catch (TimeoutException)
            {
            }
            if (process.HasExited) break;
        }
        await relay.DisposeAsync();
        throw new InvalidOperationException("rtpengine did not answer ping");
    }

    public async Task<(int, int)> CreateCallAsync(int call, int callerPort, int agentPort)
    {
        var offer = await CommandAsync(new Dictionary<string, object>
        {
            ["command"] = "offer", ["call-id"] = $"bench-{call}", ["from-tag"] = $"caller-{call}", ["sdp"] = Sdp.Of(callerPort, "caller"),
        });
        Check(offer);
        var answer = await CommandAsync(new Dictionary<string, object>
        {
            ["command"] = "answer", ["call-id"] = $"bench-{call}", ["from-tag"] = $"caller-{call}", ["to-tag"] = $"agent-{call}",
            ["sdp"] = Sdp.Of(agentPort, "agent"),
        });
        Check(answer);
        // The offer's rewritten SDP goes to the agent (it sends there); the answer's goes to the caller.
        return (Sdp.Port((string)answer["sdp"]), Sdp.Port((string)offer["sdp"]));
    }

    public async Task DeleteCallAsync(int call) =>
        await CommandAsync(new Dictionary<string, object> { ["command"] = "delete", ["call-id"] = $"bench-{call}", ["from-tag"] = $"caller-{call}" });

    private static void Check(Dictionary<string, object> reply)
    {
        if ((string)reply["result"] != "ok") throw new InvalidOperationException($"rtpengine: {reply.GetValueOrDefault("error-reason")}");
    }

    private async Task<Dictionary<string, object>> CommandAsync(Dictionary<string, object> body, TimeSpan? timeout = null)
    {
        await _lock.WaitAsync();
        try
        {
            var cookie = $"c{++_cookie}";
            var message = Encoding.ASCII.GetBytes(cookie + " ").Concat(Bencode.Encode(body)).ToArray();
            await _control.SendAsync(message, _ng);
            while (true)
            {
                // One receive stays pending across a timeout: an abandoned receive would swallow the next reply.
                _pending ??= _control.ReceiveAsync();
                if (await Task.WhenAny(_pending, Task.Delay(timeout ?? TimeSpan.FromSeconds(5))) != _pending) throw new TimeoutException();
                var reply = await _pending;
                _pending = null;
                var space = Array.IndexOf(reply.Buffer, (byte)' ');
                if (Encoding.ASCII.GetString(reply.Buffer, 0, space) != cookie) continue;
                return (Dictionary<string, object>)Bencode.Decode(reply.Buffer.AsSpan(space + 1));
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        _control.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}

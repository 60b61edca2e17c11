using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Acd.Testing;

namespace Acd.Interop.Tests.Peers;

/// <summary>How a baresip instance signs in: its AOR user and password, and how it reaches the edge.</summary>
/// <param name="User">AOR user (the agent id): the AOR is sip:&lt;user&gt;@127.0.0.1, the digest user the same.</param>
/// <param name="Transport">udp or tcp: the transport of the outbound proxy URI pointing at the edge.</param>
/// <param name="Register">Registers (an agent's phone) or only places calls (a caller).</param>
/// <param name="AutoAnswer">answermode=auto: answers incoming calls at once.</param>
/// <param name="Codec">The one audio codec it offers and accepts (PCMU or PCMA).</param>
/// <param name="MediaEncryption">baresip's mediaenc (e.g. srtp-mand: SDES-SRTP, RTP/SAVP only); null for plain RTP.</param>
public sealed record BaresipAccount(string User, string Password, string Transport, int EdgePort, bool Register, bool AutoAnswer, string Codec = "PCMU",
    string? MediaEncryption = null);

/// <summary>
/// Stock baresip 1.0 (Debian), headless: its own config folder, G.711 only, a WAV file as microphone (aufile), the
/// sndfile filter recording what it sends and receives, aubridge as a silent speaker, and ctrl_tcp (JSON netstrings)
/// for commands and events. Nothing project-specific is configured: the account line is what a user would write.
/// </summary>
public sealed class Baresip : IAsyncDisposable
{
    private readonly PeerProcess _process;
    private readonly TcpClient _control;
    private readonly List<JsonElement> _events = [];
    private readonly Dictionary<string, TaskCompletionSource<JsonElement>> _pending = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;
    private int _token;

    private Baresip(string name, string directory, int sipPort, PeerProcess process, TcpClient control)
    {
        Name = name;
        Directory = directory;
        SipPort = sipPort;
        _process = process;
        _control = control;
        _reader = Task.Run(ReadAsync);
    }

    public string Name { get; }

    /// <summary>Its config folder (config, accounts, logs, recordings under rec/).</summary>
    public string Directory { get; }

    public int SipPort { get; }

    public string RecordingDirectory => Path.Combine(Directory, "rec");

    public static string Executable => PeerProcess.Find("baresip", "baresip");

    /// <param name="caFile">PEM CA that a TLS server must chain to (sip_cafile), for an account on tls.</param>
    public static async Task<Baresip> StartAsync(string name, BaresipAccount account, string microphoneWav, string? caFile = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "acd-interop-peers", $"baresip-{name}-{Guid.NewGuid().ToString("N")[..8]}");
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "rec"));
        var sipPort = PeerPorts.FreeSipPortWithNext();
        var rtpPort = LoopbackPorts.FreeUdpBlockOfFour();
        var controlPort = LoopbackPorts.FreeTcp();
        var config = $"""
            poll_method epoll
            sip_listen 127.0.0.1:{sipPort}
            call_local_timeout 60
            call_max_calls 4
            audio_player aubridge,silent
            audio_source aufile,{microphoneWav}
            audio_alert aubridge,silent
            audio_level no
            ausrc_format s16
            auplay_format s16
            rtp_ports {rtpPort}-{rtpPort + 3}
            rtcp_mux no
            jitter_buffer_delay 5-10
            rtp_stats yes
            module_path /usr/lib/baresip/modules
            module g711.so
            module sndfile.so
            module aufile.so
            module aubridge.so
            module_tmp account.so
            module_app menu.so
            module_app ctrl_tcp.so
            ctrl_tcp_listen 127.0.0.1:{controlPort}
            snd_path {Path.Combine(directory, "rec")}

            """;
        if (caFile is not null)
        {
            config += $"sip_cafile {caFile}\n";
        }

        if (account.MediaEncryption is not null)
        {
            config += "module srtp.so\n";
        }

        await File.WriteAllTextAsync(Path.Combine(directory, "config"), config);
        await File.WriteAllTextAsync(Path.Combine(directory, "accounts"), AccountLine(account) + "\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "contacts"), "");

        var process = PeerProcess.Start(name, Executable, ["-4", "-f", directory, "-n", "127.0.0.1", "-s"], directory);
        var control = new TcpClient();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                await control.ConnectAsync(IPAddress.Loopback, controlPort);
                break;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(100);
                control.Dispose();
                control = new TcpClient();
            }
            catch (SocketException ex)
            {
                var output = process.Output();
                await process.DisposeAsync();
                throw new InvalidOperationException($"baresip {name} did not open its control port {controlPort}: {ex.Message}\n{output}", ex);
            }
        }

        return new Baresip(name, directory, sipPort, process, control);
    }

    /// <summary>The accounts line, as a user writes it: AOR, digest password, the edge as outbound proxy, answer mode.</summary>
    public static string AccountLine(BaresipAccount account) =>
        $"<sip:{account.User}@{InteropHost.Domain}>;auth_pass={account.Password}" +
        $";outbound=\"sip:127.0.0.1:{account.EdgePort.ToString(CultureInfo.InvariantCulture)};transport={account.Transport}\"" +
        $";regint={(account.Register ? "600" : "0")};answermode={(account.AutoAnswer ? "auto" : "manual")};audio_codecs={account.Codec}" +
        (account.MediaEncryption is { } mediaenc ? $";mediaenc={mediaenc}" : "");

    /// <summary>Runs a ctrl_tcp command (dial, hangup, answer, reginfo...) and returns its response's data; fails if not ok.</summary>
    public async Task<string> CommandAsync(string command, string parameters = "")
    {
        var token = Interlocked.Increment(ref _token).ToString(CultureInfo.InvariantCulture);
        var response = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_events)
        {
            _pending[token] = response;
        }

        var json = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["command"] = command, ["params"] = parameters, ["token"] = token });
        var frame = Encoding.ASCII.GetBytes(json.Length.ToString(CultureInfo.InvariantCulture) + ":").Concat(json).Append((byte)',').ToArray();
        await _control.GetStream().WriteAsync(frame);
        var done = await Task.WhenAny(response.Task, Task.Delay(TimeSpan.FromSeconds(10)));
        if (done != response.Task)
        {
            throw new TimeoutException($"baresip {Name}: no response to '{command} {parameters}'.\n{Describe()}");
        }

        var result = await response.Task;
        var data = result.TryGetProperty("data", out var d) ? d.GetString() ?? "" : "";
        if (!result.TryGetProperty("ok", out var ok) || !ok.GetBoolean())
        {
            throw new InvalidOperationException($"baresip {Name}: '{command} {parameters}' failed: {data}\n{Describe()}");
        }

        return data;
    }

    /// <summary>Waits until baresip reports its registration accepted (its REGISTER_OK comes before ctrl_tcp is connected, so
    /// this reads what it prints: "&lt;aor&gt;: {0/UDP/v4} 200 OK () [1 binding]").</summary>
    public async Task WaitRegisteredAsync(int timeoutSeconds = 15)
    {
        if (!await _process.WaitForOutputAsync("200 OK () [1 binding]", TimeSpan.FromSeconds(timeoutSeconds)))
        {
            throw new TimeoutException($"baresip {Name} did not report its registration within {timeoutSeconds} s.\n{Describe()}");
        }
    }

    public Task DialAsync(string uri) => CommandAsync("dial", uri);

    public Task HangupAsync() => CommandAsync("hangup");

    /// <summary>Waits for a ua event of <paramref name="type"/> (CALL_ESTABLISHED, CALL_CLOSED, REGISTER_OK...) seen since start.</summary>
    public async Task<JsonElement> WaitForEventAsync(string type, int timeoutSeconds = 20, Func<JsonElement, bool>? where = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            lock (_events)
            {
                foreach (var e in _events)
                {
                    if (e.TryGetProperty("type", out var t) && t.GetString() == type && (where is null || where(e)))
                    {
                        return e;
                    }
                }
            }

            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                throw new TimeoutException($"baresip {Name}: no {type} event within {timeoutSeconds} s.\n{Describe()}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The event types seen so far, in order.</summary>
    public IReadOnlyList<string> EventTypes
    {
        get
        {
            lock (_events)
            {
                return _events.Select(e => e.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "").ToList();
            }
        }
    }

    /// <summary>What baresip printed (with -s: every SIP message it sent and received).</summary>
    public string Output(int maxChars = 20_000) => _process.Output(maxChars);

    public string Describe(int maxChars = 12_000) =>
        $"--- baresip {Name} events: {string.Join(", ", EventTypes)}\n--- baresip {Name} output ---\n{Output(maxChars)}";

    /// <summary>The WAV sndfile wrote for the one call: "dec" is what baresip received and played, "enc" what it sent.</summary>
    public string Recording(string direction)
    {
        var files = System.IO.Directory.GetFiles(RecordingDirectory, $"dump-*-{direction}.wav");
        Assert.True(files.Length == 1, $"baresip {Name}: expected one {direction} recording, found {files.Length}.\n{Describe()}");
        return files[0];
    }

    /// <summary>
    /// The RTP packets baresip counted for its last call (rtp_stats: printed when the call ends), sent and received: media
    /// evidence independent of the audio pipeline.
    /// </summary>
    public (int Sent, int Received) RtpPackets()
    {
        var matches = System.Text.RegularExpressions.Regex.Matches(Output(int.MaxValue),
            @"audio\s+Transmit:\s+Receive:\s*\r?\npackets:\s+(\d+)\s+(\d+)");
        Assert.True(matches.Count > 0, $"baresip {Name} printed no RTP statistics.\n{Describe()}");
        var last = matches[^1];
        return (int.Parse(last.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(last.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    private async Task ReadAsync()
    {
        var stream = _control.GetStream();
        var buffer = new List<byte>();
        var chunk = new byte[8192];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var read = await stream.ReadAsync(chunk, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                buffer.AddRange(chunk.AsSpan(0, read));
                while (TryTakeNetstring(buffer, out var payload))
                {
                    OnMessage(payload);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private static bool TryTakeNetstring(List<byte> buffer, out byte[] payload)
    {
        payload = [];
        var colon = buffer.IndexOf((byte)':');
        if (colon <= 0)
        {
            return false;
        }

        var length = int.Parse(Encoding.ASCII.GetString(buffer.GetRange(0, colon).ToArray()), CultureInfo.InvariantCulture);
        if (buffer.Count < colon + 1 + length + 1)
        {
            return false;
        }

        payload = buffer.GetRange(colon + 1, length).ToArray();
        buffer.RemoveRange(0, colon + 1 + length + 1);
        return true;
    }

    private void OnMessage(byte[] payload)
    {
        JsonElement message;
        try
        {
            message = JsonDocument.Parse(payload).RootElement.Clone();
        }
        catch (JsonException)
        {
            return;
        }

        lock (_events)
        {
            if (message.TryGetProperty("response", out _) && message.TryGetProperty("token", out var token) &&
                _pending.Remove(token.GetString() ?? "", out var waiter))
            {
                waiter.TrySetResult(message);
                return;
            }

            if (message.TryGetProperty("event", out _))
            {
                _events.Add(message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _control.Dispose();
        try
        {
            await _reader;
        }
        catch (OperationCanceledException)
        {
        }

        await _process.DisposeAsync();
        _stop.Dispose();
        try
        {
            if (!PeerProcess.KeepFolders)
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

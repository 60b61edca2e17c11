using System.Globalization;
using Acd.Testing;

namespace Acd.Interop.Tests.Peers;

/// <summary>
/// Stock linphonec 5.1 (Debian linphone-cli), driven on its standard input as a user would type: its own HOME (with the
/// ~/.local/share/linphone it needs) and a fresh rc that only moves its SIP and RTP ports off the defaults; the account
/// comes from the CLI's own <c>register</c> command. No sound card here: <c>soundcard use files</c>, then <c>play</c> and
/// <c>record</c> WAV files during a call. Its SIP trace goes to a log file (-d 6 -l).
/// </summary>
public sealed class Linphone : IAsyncDisposable
{
    private readonly PeerProcess _process;

    private Linphone(string directory, int sipPort, PeerProcess process)
    {
        Directory = directory;
        SipPort = sipPort;
        _process = process;
    }

    public string Directory { get; }

    public int SipPort { get; }

    public string LogPath => Path.Combine(Directory, "linphonec.log");

    public static string Executable => PeerProcess.Find("linphonec", "linphone-cli");

    /// <summary>Starts linphonec; with <paramref name="autoAnswer"/> it is started with its stock -a option (auto answering).</summary>
    public static async Task<Linphone> StartAsync(bool autoAnswer)
    {
        var directory = Path.Combine(Path.GetTempPath(), "acd-interop-peers", $"linphonec-{Guid.NewGuid().ToString("N")[..8]}");
        var home = Path.Combine(directory, "home");
        System.IO.Directory.CreateDirectory(Path.Combine(home, ".local", "share", "linphone"));
        var sipPort = LoopbackPorts.FreeUdpAndTcp();
        var rtp = LoopbackPorts.FreeUdpBlockOfFour();
        var rc = Path.Combine(directory, "linphonerc");
        await File.WriteAllTextAsync(rc, $"""
            [sip]
            sip_port={sipPort.ToString(CultureInfo.InvariantCulture)}
            sip_tcp_port=0
            sip_tls_port=0

            [rtp]
            audio_rtp_port={rtp.ToString(CultureInfo.InvariantCulture)}-{(rtp + 3).ToString(CultureInfo.InvariantCulture)}

            [sound]
            echocancellation=0

            """);
        string[] args = ["-c", rc, "-d", "6", "-l", Path.Combine(directory, "linphonec.log")];
        var process = PeerProcess.Start("linphonec", Executable, autoAnswer ? [.. args, "-a"] : args, directory,
            new Dictionary<string, string> { ["HOME"] = home }, redirectInput: true);
        var linphone = new Linphone(directory, sipPort, process);
        await linphone.CommandAsync("soundcard use files", "Using wav files instead of soundcard.");
        return linphone;
    }

    /// <summary>Types <paramref name="command"/> and, if given, waits until linphonec prints <paramref name="expect"/>.</summary>
    public async Task CommandAsync(string command, string? expect = null, int timeoutSeconds = 15)
    {
        var from = _process.OutputLength;
        await _process.WriteLineAsync(command);
        if (expect is not null)
        {
            await WaitForAsync(expect, timeoutSeconds, from);
        }
    }

    public async Task WaitForAsync(string text, int timeoutSeconds = 15, int from = 0)
    {
        if (!await _process.WaitForOutputAsync(text, TimeSpan.FromSeconds(timeoutSeconds), from))
        {
            throw new TimeoutException($"linphonec did not print '{text}' within {timeoutSeconds} s.\n{Describe()}");
        }
    }

    public string Output(int maxChars = 20_000) => _process.Output(maxChars);

    /// <summary>Its SIP trace and core log (the last part).</summary>
    public string Log(int maxChars = 20_000)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd();
            return text.Length > maxChars ? text[^maxChars..] : text;
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>The SIP messages of its log only (lines of the SIP trace), for assertions and failure messages.</summary>
    public string SipTrace() => string.Join("\n", Log(int.MaxValue).Split('\n').Where(l => !l.StartsWith("20", StringComparison.Ordinal)));

    public string Describe() =>
        $"--- linphonec output ---\n{Output()}\n--- linphonec log (SIP trace) ---\n{SipTrace()[^Math.Min(SipTrace().Length, 15_000)..]}";

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await _process.WriteLineAsync("quit");
                await _process.WaitForExitAsync(TimeSpan.FromSeconds(3));
            }
        }
        catch (IOException)
        {
        }

        await _process.DisposeAsync();
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

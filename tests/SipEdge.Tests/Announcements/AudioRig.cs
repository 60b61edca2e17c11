using Acd.Media;
using Acd.Media.Codecs;
using Acd.Media.Playback;
using Acd.Media.Sessions;
using Acd.Media.Tests.Infrastructure;
using Acd.Queues;
using Acd.SipEdge.Announcements;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Acd.SipEdge.Tests.Announcements;

/// <summary>
/// A real media engine on loopback stepped by a fake clock, one negotiated leg towards an RTP test phone, and queue
/// audio over a sounds folder of the test's making. What the phone receives is cut back into the player's 20 ms frames
/// (by RTP sequence number), so tests can say which tone each frame carried.
/// </summary>
public sealed class AudioRig : IAsyncDisposable
{
    private int _ticks;
    private long _sentBeforeForget;

    private AudioRig(string soundsRoot, QueueAudioOptions options, IQueuePositions positions)
    {
        Engine = new MediaEngine(TestPorts.Options(pairs: 4), Time);
        Session = Engine.CreateSession();
        Phone = new TestPhone(AudioCodec.Pcmu);
        Endpoint = Acd.Media.Tests.Infrastructure.Legs.OfferToPhone(Session, Phone, "caller");
        Logs = new ListLoggerProvider();
        LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug));
        Sounds = new SoundLibrary(soundsRoot, LoggerFactory.CreateLogger<SoundLibrary>(), Time);
        Audio = new QueueAudio(Engine, Sounds, positions, options, LoggerFactory);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero));

    public MediaEngine Engine { get; }

    public MediaSession Session { get; }

    public TestPhone Phone { get; }

    public MediaEndpoint Endpoint { get; }

    public ListLoggerProvider Logs { get; }

    public ILoggerFactory LoggerFactory { get; }

    public SoundLibrary Sounds { get; }

    public QueueAudio Audio { get; }

    /// <summary>The tests' queues announce every 10 s; unless a test passes options, the first announcement also comes after 10 s.</summary>
    public static AudioRig Start(string soundsRoot, IQueuePositions? positions = null, QueueAudioOptions? options = null) =>
        new(soundsRoot, options ?? new QueueAudioOptions { FirstAnnouncementMs = 10_000 }, positions ?? new FixedPositions(null));

    /// <summary>Moves the clock <paramref name="ticks"/> x 20 ms, letting the phone's socket keep up (one packet per tick).</summary>
    public async Task StepAsync(int ticks)
    {
        for (var i = 0; i < ticks; i++)
        {
            Time.Advance(MediaClock.Period);
            _ticks++;
            if (_ticks % 10 == 0)
            {
                await CatchUpAsync();
            }
        }

        await CatchUpAsync();
    }

    private Task CatchUpAsync()
    {
        var sent = Endpoint.GetStatistics().PacketsSent - _sentBeforeForget;
        return Eventually.TrueAsync(() => Phone.PacketsReceived >= sent - 1, $"{sent} packets at the phone");
    }

    /// <summary>Forgets what the phone received so far, to look at what comes after a change.</summary>
    public void Forget()
    {
        _sentBeforeForget = Endpoint.GetStatistics().PacketsSent;
        Phone.ClearAudio();
    }

    /// <summary>Every frame received so far in sending order; a lost packet is a null frame.</summary>
    public List<short[]?> Frames()
    {
        var packets = Phone.Received.Where(p => p.Header.PayloadType == 0).ToList();
        if (packets.Count == 0)
        {
            return [];
        }

        var first = packets[0].Header.SequenceNumber; // in arrival order; 16-bit arithmetic survives a wrap
        var frames = new List<short[]?>();
        foreach (var packet in packets)
        {
            var index = (ushort)(packet.Header.SequenceNumber - first);
            while (frames.Count <= index)
            {
                frames.Add(null);
            }

            var pcm = new short[packet.Payload.Length];
            G711.Decode(AudioCodec.Pcmu, packet.Payload, pcm);
            frames[index] = pcm;
        }

        return frames;
    }

    /// <summary>Which of <paramref name="candidates"/> each frame carries (0: none of them, e.g. silence), lost frames skipped.</summary>
    public List<double> Heard(params double[] candidates) =>
        [.. Frames().OfType<short[]>().Select(f => Tones.Dominant(f, candidates))];

    /// <summary>The frames' audio in one array (lost frames as silence).</summary>
    public short[] Samples() => [.. Frames().SelectMany(f => f ?? new short[MediaPlayer.FrameSamples])];

    public async ValueTask DisposeAsync()
    {
        Session.Dispose();
        await Engine.DisposeAsync();
        await Phone.DisposeAsync();
        LoggerFactory.Dispose();
    }
}

/// <summary>A queue that always says the same thing about the caller, and counts how often it was asked.</summary>
public sealed class FixedPositions(WaitingPosition? answer) : IQueuePositions
{
    private int _asked;

    public int Asked => Volatile.Read(ref _asked);

    public Task<WaitingPosition> GetAsync(string queueId, string callId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _asked);
        return Task.FromResult(answer ?? new WaitingPosition(callId, null, 0, null, WaitEstimateBasis.None, TimeSpan.Zero));
    }
}

public static class Tones
{
    /// <summary>The candidate frequency that holds most of the frame's energy (at least half of it), else 0.</summary>
    public static double Dominant(ReadOnlySpan<short> frame, double[] candidates)
    {
        double energy = 0;
        foreach (var x in frame)
        {
            energy += (double)x * x;
        }

        energy *= frame.Length / 2.0;
        double best = 0, bestPower = 0;
        foreach (var f in candidates)
        {
            var p = Goertzel.Power(frame, f);
            if (p > bestPower)
            {
                (best, bestPower) = (f, p);
            }
        }

        return energy > 0 && bestPower > 0.5 * energy ? best : 0;
    }

    /// <summary>Runs of equal values: (value, how many in a row).</summary>
    public static List<(double Tone, int Frames)> Runs(IEnumerable<double> heard)
    {
        var runs = new List<(double, int)>();
        foreach (var tone in heard)
        {
            if (runs.Count > 0 && runs[^1].Item1 == tone)
            {
                runs[^1] = (tone, runs[^1].Item2 + 1);
            }
            else
            {
                runs.Add((tone, 1));
            }
        }

        return runs;
    }

    public static byte[] Wav(params (double Frequency, double Seconds)[] parts) =>
        WavLoader.Encode([.. parts.SelectMany(p => Goertzel.Tone(p.Frequency, (int)(p.Seconds * AudioClip.SampleRate)))]);
}

/// <summary>A sounds folder in a temp directory, deleted with the test.</summary>
public sealed class SoundsFolder : IDisposable
{
    public SoundsFolder()
    {
        Root = Path.Combine(Path.GetTempPath(), "acd-sounds-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public SoundsFolder Music(string name, byte[] wav) => Write(Path.Combine("music", name), wav);

    public SoundsFolder Prompt(string language, string name, byte[] wav) => Write(Path.Combine("prompts", language, name + ".wav"), wav);

    public SoundsFolder Write(string relative, byte[] bytes)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return this;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Keeps log lines in memory (warnings about missing sounds are part of the contract).</summary>
public sealed class ListLoggerProvider : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(LogLevel Level, string Message)> _lines = new();

    public IReadOnlyList<(LogLevel Level, string Message)> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new ListLogger(this);

    public void Dispose()
    {
    }

    private sealed class ListLogger(ListLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider._lines.Enqueue((logLevel, formatter(state, exception)));
    }
}

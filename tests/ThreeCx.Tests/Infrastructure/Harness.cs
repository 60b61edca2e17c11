using Acd.ThreeCx.Configuration;
using Acd.ThreeCx.Events;
using Acd.ThreeCx.Tests.StandIn;
using Microsoft.Extensions.Time.Testing;

namespace Acd.ThreeCx.Tests.Infrastructure;

/// <summary>A stand-in PBX on a real loopback socket and the connector pointed at it, both on one fake clock.</summary>
public sealed class Harness : IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private CancellationTokenSource? _run;
    private Task? _running;

    public FakeTimeProvider Time { get; }

    public StandInServer Server { get; }

    public StandInPbx Phones => Server.Pbx;

    public ThreeCxPbxOptions Options { get; }

    public ThreeCxPbx Pbx { get; }

    public RecordingObserver Observer { get; } = new();

    public ThreeCxEventStream? Stream { get; private set; }

    public static async Task<Harness> StartAsync(Action<ThreeCxPbxOptions>? configure = null, Action<StandInServer>? configureServer = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        var server = await StandInServer.StartAsync(time);
        configureServer?.Invoke(server);
        var options = new ThreeCxPbxOptions
        {
            Name = "pbx1",
            BaseUrl = server.BaseUrl,
            ClientId = StandInServer.RoutePoint,
            ClientSecret = StandInServer.ClientSecret,
            RoutePoints = new Dictionary<string, string> { [StandInServer.RoutePoint] = "sales" },
        };
        configure?.Invoke(options);
        return new Harness(server, options, time);
    }

    private Harness(StandInServer server, ThreeCxPbxOptions options, FakeTimeProvider time)
    {
        Server = server;
        Options = options;
        Time = time;
        Pbx = new ThreeCxPbx(options, _http, Time);
    }

    /// <summary>Runs the event stream and waits until its socket is up and its first snapshot is in.</summary>
    public async Task<ThreeCxEventStream> StartStreamAsync()
    {
        Stream = Pbx.CreateEventStream(Observer);
        _run = new CancellationTokenSource();
        _running = Stream.RunAsync(_run.Token);
        await EventuallyAsync(() => Stream.Health is { Healthy: true, LastSnapshotAt: not null }, "the stream is connected with a snapshot");
        return Stream;
    }

    /// <summary>Waits (real time, for I/O on real sockets) until <paramref name="condition"/> holds.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Moves the fake clock in steps until <paramref name="condition"/> holds (for waits the connector starts on its own).</summary>
    public async Task AdvanceUntilAsync(Func<bool> condition, TimeSpan step, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out advancing the clock until {what}.");
            }

            Time.Advance(step);
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Waits until everything the stream was sent before now is handled: a caller injected after it is reported only
    /// once the earlier events were (one socket, one loop, in order).
    /// </summary>
    public async Task<int> FlushAsync()
    {
        var marker = Phones.InjectCaller(StandInServer.RoutePoint, "+15550000000", "marker");
        await EventuallyAsync(() => Observer.Changes.Any(c => c.Participant.Id == marker), "the marker caller is reported");
        return marker;
    }

    public async ValueTask DisposeAsync()
    {
        if (_run is not null)
        {
            await _run.CancelAsync();
            await _running!;
            _run.Dispose();
        }

        await Server.DisposeAsync();
        _http.Dispose();
    }
}

using System.Diagnostics.Metrics;
using Acd.Media.Sessions;

namespace Acd.Media;

/// <summary>
/// The media engine's metrics (meter "Acd.Media"), read when they are collected rather than counted per packet: the
/// relay path stays free of metric calls. Packet counters are the closed legs' totals plus what the live legs have
/// counted so far; a leg's figures move from live to closed under one lock, so a counter never steps back (which
/// Prometheus would read as a reset).
/// </summary>
public static class MediaMetrics
{
    public const string MeterName = "Acd.Media";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Lock Gate = new();
    private static readonly List<MediaEngine> Engines = [];
    private static Totals _closed;

    static MediaMetrics()
    {
        Meter.CreateObservableCounter("acd.media.rtp.packets.received", () => Sum().Received, "{packet}", "RTP packets received from the legs' peers.");
        Meter.CreateObservableCounter("acd.media.rtp.packets.sent", () => Sum().Sent, "{packet}", "RTP packets sent to the legs' peers.");
        Meter.CreateObservableCounter("acd.media.rtp.packets.lost", () => Sum().Lost, "{packet}",
            "RTP packets the legs' peers sent that never arrived (from sequence numbers, RFC 3550 A.3).");
        Meter.CreateObservableCounter("acd.media.packets.dropped", () => Sum().Dropped, "{packet}",
            "Datagrams dropped: unknown payload, not yet keyed, from an unlatched address, or failing SRTP authentication.");
        Meter.CreateObservableGauge("acd.media.legs", () => Sum().Live, "{leg}", "Media endpoints (call legs) open now.");
        Meter.CreateObservableGauge("acd.media.ports.in_use", () => Sum().PortsInUse, "{port pair}", "RTP/RTCP port pairs in use.");
        Meter.CreateObservableGauge("acd.media.ports.capacity", () => Sum().PortCapacity, "{port pair}", "RTP/RTCP port pairs in the Media:PortMin-PortMax range.");
    }

    internal static void EngineStarted(MediaEngine engine)
    {
        lock (Gate) Engines.Add(engine);
    }

    internal static void EngineStopped(MediaEngine engine)
    {
        lock (Gate) Engines.Remove(engine);
    }

    /// <summary>Moves a closing leg's figures into the closed totals while it leaves its engine's registry.</summary>
    internal static void EndpointClosing(MediaEndpoint endpoint, Action unregister)
    {
        lock (Gate)
        {
            unregister();
            _closed = _closed.Add(endpoint.GetStatistics());
        }
    }

    private static Totals Sum()
    {
        lock (Gate)
        {
            var sum = _closed with { Live = 0 };
            foreach (var engine in Engines)
            {
                sum = sum with { PortsInUse = sum.PortsInUse + engine.PortPairsInUse, PortCapacity = sum.PortCapacity + engine.PortPairCapacity };
                foreach (var endpoint in engine.Endpoints)
                {
                    sum = sum.Add(endpoint.GetStatistics()) with { Live = sum.Live + 1 };
                }
            }

            return sum;
        }
    }

    private readonly record struct Totals(long Received, long Sent, long Lost, long Dropped, long Live, long PortsInUse, long PortCapacity)
    {
        public Totals Add(EndpointStatistics s) => this with
        {
            Received = Received + s.Received.Packets,
            Sent = Sent + s.PacketsSent,
            Lost = Lost + s.Received.Lost,
            Dropped = Dropped + s.PacketsDropped + s.AuthenticationFailures,
        };
    }
}

namespace Acd.Media.Sessions;

/// <summary>What the engine measured on what it received from a leg (RFC 3550 A.3, A.8).</summary>
public sealed record ReceivedStreamStatistics(long Packets, long Bytes, long Expected, long Lost, double LossRatio, double JitterMs);

/// <summary>What the leg's far end says about the stream the engine sends it (from its RTCP RR or SR report block).</summary>
public sealed record RemoteReceptionReport(double FractionLost, long CumulativeLost, double JitterMs, TimeSpan? RoundTrip, DateTimeOffset ReceivedAt);

/// <summary>
/// A snapshot of one leg's figures for the desktop's header and for metrics. Counters are read without locks, so
/// the figures of a busy leg may be a packet apart from each other.
/// </summary>
public sealed record EndpointStatistics(
    EndpointState State,
    ReceivedStreamStatistics Received,
    long PacketsSent,
    long BytesSent,
    RemoteReceptionReport? Remote,
    long PacketsDropped,
    long AuthenticationFailures,
    long RtcpReceived,
    long RtcpSent);

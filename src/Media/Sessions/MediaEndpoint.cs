using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Acd.Media.Codecs;
using Acd.Media.Dtls;
using Acd.Media.Playback;
using Acd.Media.Rtp;
using Acd.Media.Sdp;
using Acd.Media.Srtp;
using Acd.Media.Stun;
using Acd.Media.Transport;
using Microsoft.Extensions.Logging;

namespace Acd.Media.Sessions;

/// <summary>How the receive path reads a payload type, fixed at negotiation (an array lookup per packet).</summary>
internal enum PayloadKind : byte
{
    Unknown,
    Pcmu,
    Pcma,
    TelephoneEvent,
    ComfortNoise,
}

/// <summary>The negotiated facts the hot path needs, swapped as a whole when a negotiation completes.</summary>
internal sealed record StreamPlan(MediaProfile Profile, NegotiatedCodecs Send, PayloadKind[] ReceiveMap, bool CanSend, bool RemoteSends, bool RtcpMux);

/// <summary>
/// One leg of a call: its ports, its negotiation (in SDP terms), its security (SDES or ICE-lite + DTLS-SRTP), what
/// it hears and its figures. Packets are handled on the socket's receive loop; generated media on the engine's
/// clock; negotiation and bridging on the caller's thread.
/// </summary>
public sealed partial class MediaEndpoint : IDatagramHandler, IDisposable, IPlayerListener
{
    private static readonly EndpointState[][] AllowedTransitions =
    [
        /* Allocated  */ [EndpointState.Offered, EndpointState.Negotiated, EndpointState.Connecting, EndpointState.Failed, EndpointState.Closed],
        /* Offered    */ [EndpointState.Negotiated, EndpointState.Connecting, EndpointState.Failed, EndpointState.Closed],
        /* Negotiated */ [EndpointState.Active, EndpointState.Failed, EndpointState.Closed],
        /* Connecting */ [EndpointState.Active, EndpointState.Failed, EndpointState.Closed],
        /* Active     */ [EndpointState.Failed, EndpointState.Closed],
        /* Failed     */ [EndpointState.Closed],
        /* Closed     */ [],
    ];

    private readonly MediaEngine _engine;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly PortPair _ports;
    private readonly UdpChannel _rtp;
    private UdpChannel? _rtcp;
    private readonly Lock _stateLock = new();
    private readonly Lock _sendLock = new();
    private readonly byte[] _sendBuffer = new byte[UdpChannel.BufferSize];
    private readonly byte[] _stunBuffer = new byte[512];
    private readonly byte[] _cname;
    private readonly OutboundStream _out;
    private readonly ReceptionStatistics _reception = new();
    private readonly TelephoneEventDetector _dtmfDetector = new();
    private readonly int _rtcpPhase;
    private EndpointState _state = EndpointState.Allocated;
    private volatile StreamPlan? _plan;
    private SocketAddress? _rtpTarget;
    private SocketAddress? _rtcpTarget;
    private bool _rtpLatched;
    private bool _rtcpLatched;
    private volatile SrtpContext? _srtpIn;
    private volatile SrtpContext? _srtpOut;
    private IceLiteAgent? _ice;
    private DtlsSrtpTransport? _dtls;
    private long _lastMediaTimestamp;
    private bool _timeoutRaised;

    internal MediaEndpoint(MediaEngine engine, MediaSession session, string id, string? label, PortPair ports, ILogger logger)
    {
        _engine = engine;
        Session = session;
        Id = id;
        Label = label;
        _ports = ports;
        _logger = logger;
        _time = engine.TimeProvider;
        _rtp = new UdpChannel(ports.RtpSocket, this, logger);
        _cname = Encoding.ASCII.GetBytes($"acd-{id}");
        _out = new OutboundStream(RandomUInt32(), (ushort)RandomUInt32(), RandomUInt32(), _time);
        _rtcpPhase = RandomNumberGenerator.GetInt32(Math.Max(1, RtcpIntervalTicks));
        _sdpSessionId = (ulong)RandomNumberGenerator.GetInt32(1, int.MaxValue);
        _rtp.Start();
    }

    public string Id { get; }

    /// <summary>Free text for logs and the desktop ("caller", "agent").</summary>
    public string? Label { get; }

    /// <summary>The call this leg belongs to (it changes when another call adopts the leg, see <see cref="MediaSession.Adopt"/>).</summary>
    public MediaSession Session { get; internal set; }

    public EndpointState State
    {
        get
        {
            lock (_stateLock) return _state;
        }
    }

    /// <summary>The transport profile, once an offer was made or accepted.</summary>
    public MediaProfile? Profile => _plan?.Profile ?? _offeredProfile;

    /// <summary>The local RTP port (the m= line's port).</summary>
    public int LocalPort => _ports.RtpPort;

    /// <summary>The codec the engine sends to this leg, once negotiated.</summary>
    public AudioCodec? Codec => _plan?.Send.Audio;

    /// <summary>Where RTP goes: latched from the first valid packet, the SDP address before that, the ICE-selected one for WebRTC.</summary>
    public IPEndPoint? RemoteEndPoint => _rtpTarget is { } a ? (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(a) : null;

    /// <summary>The SSRC of the stream the engine sends to this leg.</summary>
    public uint LocalSsrc => _out.Ssrc;

    public EndpointInput Input { get; private set; }

    /// <summary>The leg this one hears, when <see cref="Input"/> is <see cref="EndpointInput.Endpoint"/>.</summary>
    public MediaEndpoint? InputEndpoint { get; private set; }

    public MediaPlayer? InputPlayer { get; private set; }

    private int RtcpIntervalTicks => Math.Max(1, _engine.Options.RtcpIntervalSeconds) * 50;

    /// <summary>Moves along the lifecycle if the table allows it; raises the state event outside the lock.</summary>
    private bool TransitionTo(EndpointState next, MediaError reason = MediaError.None, string? detail = null)
    {
        EndpointState previous;
        lock (_stateLock)
        {
            previous = _state;
            if (previous == next || Array.IndexOf(AllowedTransitions[(int)previous], next) < 0) return false;
            _state = next;
        }
        if (next is EndpointState.Failed) _logger.LogWarning("media endpoint {Endpoint} failed: {Reason} {Detail}", Id, reason, detail);
        Session.Raise(new EndpointStateChanged(this, previous, next, reason, detail));
        return true;
    }

    /// <summary>Releases the ports; the leg stops hearing and being heard. Idempotent.</summary>
    public void Close()
    {
        if (!TransitionTo(EndpointState.Closed)) return;
        DetachFromBridges();
        _dtls?.Dispose();
        _rtp.Dispose();
        _rtcp?.Dispose();
        _ports.Release();
        MediaMetrics.EndpointClosing(this, () => _engine.Unregister(this));
    }

    /// <summary>The same as <see cref="Close"/>: releases the leg's ports.</summary>
    public void Dispose() => Close();

    public EndpointStatistics GetStatistics()
    {
        var expected = _reception.Expected;
        var lost = Math.Max(0, _reception.CumulativeLost);
        var received = new ReceivedStreamStatistics(_reception.PacketsReceived, _reception.Bytes, expected, lost,
            expected > 0 ? lost / (double)expected : 0, _reception.Jitter / 8.0);
        return new EndpointStatistics(State, received, _out.Packets, _out.Octets, _remoteReport, _dropped, _authFailures, _rtcpReceived, _rtcpSent);
    }

    public override string ToString() => Label is null ? Id : $"{Id} ({Label})";

    private static uint RandomUInt32()
    {
        Span<byte> b = stackalloc byte[4];
        RandomNumberGenerator.Fill(b);
        return BitConverter.ToUInt32(b);
    }

    private static SocketAddress? ToSocketAddress(IPAddress? address, int port) =>
        address is null || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || port == 0 ? null : new IPEndPoint(address, port).Serialize();

    private static SocketAddress Copy(SocketAddress source)
    {
        var copy = new SocketAddress(source.Family, source.Size);
        source.Buffer.Span[..source.Size].CopyTo(copy.Buffer.Span);
        return copy;
    }
}

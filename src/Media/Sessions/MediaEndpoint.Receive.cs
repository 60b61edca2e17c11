using System.Net;
using System.Net.Sockets;
using Acd.Media.Codecs;
using Acd.Media.Rtcp;
using Acd.Media.Rtp;
using Acd.Media.Srtp;
using Acd.Media.Stun;
using Acd.Media.Transport;

namespace Acd.Media.Sessions;

/// <summary>The receive path: one call per datagram on the socket's loop, no allocation for RTP.</summary>
public sealed partial class MediaEndpoint
{
    private long _dropped;
    private long _authFailures;
    private long _rtcpReceived;
    private long _foreignSource;
    private RemoteReceptionReport? _remoteReport;
    private uint _lastSenderReportCompact;
    private long _lastSenderReportArrival;

    void IDatagramHandler.OnDatagram(UdpChannel channel, Span<byte> datagram, SocketAddress source)
    {
        // An engine bound to loopback offers only a loopback candidate: whatever reaches it from another of this
        // host's addresses (a browser checking every interface) is not a peer, and is not answered.
        if (_engine.LoopbackOnly && !IsLoopback(source))
        {
            _foreignSource++;
            return;
        }
        var plan = _plan;
        if (ReferenceEquals(channel, _rtcp))
        {
            if (plan is not null) HandleRtcp(datagram, source, fromRtcpPort: true);
            return;
        }
        if (plan is null && _ice is null)
        {
            _dropped++;
            return;
        }
        switch (PacketClassifier.Classify(datagram))
        {
            case PacketKind.Stun:
                HandleStun(datagram, source);
                break;
            case PacketKind.Dtls:
                if (_ice is not null && _dtls is { } dtls && IsIceTarget(source)) dtls.Enqueue(datagram);
                else _dropped++;
                break;
            case PacketKind.Rtp:
                if (plan is null) _dropped++;
                else HandleRtp(plan, datagram, source);
                break;
            case PacketKind.Rtcp when plan is { RtcpMux: true } || _ice is not null:
                HandleRtcp(datagram, source, fromRtcpPort: false);
                break;
            default:
                _dropped++;
                break;
        }
    }

    private static bool IsLoopback(SocketAddress address)
    {
        var b = address.Buffer.Span;
        if (address.Family == AddressFamily.InterNetwork) return b[4] == 127;
        if (address.Family != AddressFamily.InterNetworkV6 || address.Size < 24) return false;
        for (var i = 8; i < 23; i++) if (b[i] != 0) return false;
        return b[23] == 1;
    }

    private bool IsIceTarget(SocketAddress source) => _rtpTarget is { } target && target.Equals(source);

    private void HandleStun(Span<byte> datagram, SocketAddress source)
    {
        if (_ice is not { } ice)
        {
            _dropped++;
            return;
        }
        var from = (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(source);
        var result = ice.HandleBindingRequest(datagram, from, _stunBuffer, out var length, out var selectionChanged);
        if (length > 0) _rtp.Send(_stunBuffer.AsSpan(0, length), source);
        if (result != IceCheckResult.Accepted) return;
        if (selectionChanged || _rtpTarget is null)
        {
            _rtpTarget = Copy(source);
            _rtcpTarget = _rtpTarget;
        }
        // As DTLS client the engine speaks first, once ICE has told it where the browser is.
        if (_dtls is { Started: false, Role: Dtls.DtlsRole.Client } dtls) dtls.Start();
    }

    private void HandleRtp(StreamPlan plan, Span<byte> datagram, SocketAddress source)
    {
        var webRtc = plan.Profile == MediaProfile.WebRtc;
        if (webRtc && !IsIceTarget(source))
        {
            _foreignSource++;
            return;
        }
        var length = datagram.Length;
        if (_srtpIn is { } srtp)
        {
            var result = srtp.UnprotectRtp(datagram, length, out length);
            if (result != SrtpResult.Ok)
            {
                if (result == SrtpResult.AuthenticationFailed) _authFailures++;
                else _dropped++;
                return;
            }
            if (_dtls is { } dtls) dtls.PeerConfirmed = true;
        }
        else if (plan.Profile != MediaProfile.RtpAvp)
        {
            _dropped++; // SRTP keys not ready yet (DTLS still running)
            return;
        }
        var packet = datagram[..length];
        if (RtpHeader.TryParse(packet, out var header) != RtpParseResult.Ok)
        {
            _dropped++;
            return;
        }
        if (!webRtc && !Latch(ref _rtpLatched, ref _rtpTarget, source))
        {
            _foreignSource++;
            return;
        }
        var now = _time.GetTimestamp();
        var arrival = (long)(_time.GetElapsedTime(_engine.Epoch, now).TotalSeconds * NegotiatedCodecs.SampleRate);
        _reception.Update(header.Ssrc, header.SequenceNumber, header.Timestamp, arrival, header.PayloadLength);
        _lastMediaTimestamp = now;
        _timeoutRaised = false;
        if (!webRtc) PromoteToActive();
        var payload = header.Payload(packet);
        var listeners = _listeners;
        switch (plan.ReceiveMap[header.PayloadType])
        {
            case PayloadKind.Pcmu:
                foreach (var l in listeners) l.RelayAudio(this, header, payload, AudioCodec.Pcmu, now);
                break;
            case PayloadKind.Pcma:
                foreach (var l in listeners) l.RelayAudio(this, header, payload, AudioCodec.Pcma, now);
                break;
            case PayloadKind.TelephoneEvent:
                if (TelephoneEvent.TryParse(payload, out var ev))
                {
                    Span<TelephoneEvent> finished = stackalloc TelephoneEvent[2];
                    var count = _dtmfDetector.Feed(header.Timestamp, ev, finished);
                    for (var i = 0; i < count; i++)
                    {
                        if (DtmfEvents.ToDigit(finished[i].Event) is { } digit)
                            Session.Raise(new DtmfReceived(this, digit, TimeSpan.FromSeconds(finished[i].Duration / (double)NegotiatedCodecs.SampleRate)));
                    }
                    if (Session.RelayDtmf) foreach (var l in listeners) l.RelayEvent(this, header, payload, now);
                }
                break;
            case PayloadKind.ComfortNoise:
                foreach (var l in listeners) l.RelayComfortNoise(this, header, payload, now);
                break;
            default:
                _dropped++;
                break;
        }
    }

    /// <summary>
    /// Symmetric RTP (RFC 4961) with latching: the first valid packet decides where this leg's media goes, so a phone
    /// behind NAT is reached at its public mapping whatever its SDP says. Later packets from elsewhere are dropped.
    /// </summary>
    private static bool Latch(ref bool latched, ref SocketAddress? target, SocketAddress source)
    {
        if (latched) return target is { } t && t.Equals(source);
        target = Copy(source);
        latched = true;
        return true;
    }

    private void PromoteToActive()
    {
        if (_state == EndpointState.Active) return;
        TransitionTo(EndpointState.Active);
    }

    private void HandleRtcp(Span<byte> datagram, SocketAddress source, bool fromRtcpPort)
    {
        var length = datagram.Length;
        if (_srtpIn is { } srtp)
        {
            var result = srtp.UnprotectRtcp(datagram, length, out length);
            if (result != SrtpResult.Ok)
            {
                if (result == SrtpResult.AuthenticationFailed) _authFailures++;
                else _dropped++;
                return;
            }
        }
        else if (_plan?.Profile is MediaProfile.RtpSavp or MediaProfile.WebRtc)
        {
            _dropped++;
            return;
        }
        if (RtcpPacket.TryParse(datagram[..length], _out.Ssrc, out var summary) != RtcpParseResult.Ok)
        {
            _dropped++;
            return;
        }
        if (fromRtcpPort && !Latch(ref _rtcpLatched, ref _rtcpTarget, source))
        {
            _foreignSource++;
            return;
        }
        _rtcpReceived++;
        var now = _time.GetTimestamp();
        if (summary.HasSenderInfo)
        {
            _lastSenderReportCompact = summary.SenderInfo.CompactNtp;
            _lastSenderReportArrival = now;
        }
        if (summary.HasReportForLocal)
        {
            var block = summary.ReportForLocal;
            TimeSpan? rtt = null;
            if (block.LastSenderReport != 0)
            {
                // RFC 3550 6.4.1: round trip = arrival - LSR - DLSR, all in 1/65536 s of the compact NTP clock.
                var arrivalCompact = (uint)(RtcpPacket.ToNtp(_time.GetUtcNow()) >> 16);
                var units = (int)(arrivalCompact - block.LastSenderReport - block.DelaySinceLastSenderReport);
                if (units >= 0) rtt = TimeSpan.FromSeconds(units / 65536.0);
            }
            _remoteReport = new RemoteReceptionReport(block.LossRatio, block.CumulativeLost, block.Jitter / 8.0, rtt, _time.GetUtcNow());
        }
    }
}

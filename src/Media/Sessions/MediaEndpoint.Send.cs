using System.Net;
using System.Net.Sockets;
using Acd.Media.Codecs;
using Acd.Media.Playback;
using Acd.Media.Rtcp;
using Acd.Media.Rtp;

namespace Acd.Media.Sessions;

/// <summary>
/// The send path: relayed packets (from another leg's receive loop) and generated ones (from the clock) meet in
/// one outbound stream under the send lock, written into one buffer, protected if SRTP, sent with SendTo.
/// </summary>
public sealed partial class MediaEndpoint
{
    private static readonly object SilenceSource = new();
    private readonly Queue<(byte Event, int DurationSamples)> _dtmfQueue = new();
    private DtmfGeneration? _dtmf;
    private long _rtcpSent;

    private sealed class DtmfGeneration(byte eventCode, int durationSamples, uint timestamp)
    {
        public byte Event { get; } = eventCode;
        public int DurationSamples { get; } = durationSamples;
        public uint Timestamp { get; } = timestamp;
        public int Elapsed { get; set; }
        public int EndPacketsSent { get; set; }
    }

    /// <summary>Relays an audio packet from <paramref name="source"/>: payload copied, or transcoded when the laws differ.</summary>
    internal void RelayAudio(MediaEndpoint source, in RtpHeader header, ReadOnlySpan<byte> payload, AudioCodec codec, long now)
    {
        if (_plan is not { CanSend: true } plan) return;
        lock (_sendLock)
        {
            if (_dtmf is not null || _rtpTarget is not { } target || !MaySend(plan, now)) return;
            var (seq, ts, marker) = _out.Relay(source, header.Ssrc, header.SequenceNumber, header.Timestamp, header.Marker, now);
            var buffer = _sendBuffer.AsSpan();
            var offset = RtpHeader.Write(buffer, marker, plan.Send.AudioPayloadType, seq, ts, _out.Ssrc);
            G711.Transcode(codec, plan.Send.Audio, payload, buffer.Slice(offset, payload.Length));
            SendRtpLocked(offset + payload.Length, payload.Length, target);
        }
    }

    /// <summary>Relays an RFC 4733 packet, re-numbered into this leg's stream, if this leg negotiated telephone-event.</summary>
    internal void RelayEvent(MediaEndpoint source, in RtpHeader header, ReadOnlySpan<byte> payload, long now)
    {
        if (_plan is not { CanSend: true, Send.TelephoneEventPayloadType: { } pt } plan) return;
        lock (_sendLock)
        {
            if (_dtmf is not null || _rtpTarget is not { } target || !MaySend(plan, now)) return;
            var (seq, ts, marker) = _out.Relay(source, header.Ssrc, header.SequenceNumber, header.Timestamp, header.Marker, now);
            var buffer = _sendBuffer.AsSpan();
            var offset = RtpHeader.Write(buffer, marker, pt, seq, ts, _out.Ssrc);
            payload.CopyTo(buffer[offset..]);
            SendRtpLocked(offset + payload.Length, payload.Length, target);
        }
    }

    /// <summary>Comfort noise goes only to a leg that negotiated CN; elsewhere it would play as garbage.</summary>
    internal void RelayComfortNoise(MediaEndpoint source, in RtpHeader header, ReadOnlySpan<byte> payload, long now)
    {
        if (_plan is not { CanSend: true, Send.ComfortNoisePayloadType: { } pt } plan) return;
        lock (_sendLock)
        {
            if (_dtmf is not null || _rtpTarget is not { } target || !MaySend(plan, now)) return;
            var (seq, ts, marker) = _out.Relay(source, header.Ssrc, header.SequenceNumber, header.Timestamp, header.Marker, now);
            var buffer = _sendBuffer.AsSpan();
            var offset = RtpHeader.Write(buffer, marker, pt, seq, ts, _out.Ssrc);
            payload.CopyTo(buffer[offset..]);
            SendRtpLocked(offset + payload.Length, payload.Length, target);
        }
    }

    /// <summary>WebRTC sends only while ICE consent is fresh (RFC 7675) and the keys exist; plain RTP always.</summary>
    private bool MaySend(StreamPlan plan, long now) =>
        plan.Profile == MediaProfile.RtpAvp || (_srtpOut is not null && (_ice is null || _ice.HasConsent(now)));

    private void SendRtpLocked(int length, int payloadLength, SocketAddress target)
    {
        if (_srtpOut is { } srtp && srtp.ProtectRtp(_sendBuffer, length, out length) != Srtp.SrtpResult.Ok) return;
        _rtp.Send(_sendBuffer.AsSpan(0, length), target);
        _out.Count(payloadLength);
    }

    /// <summary>DTLS records from the handshake thread, towards the ICE-selected address.</summary>
    private void SendRaw(ReadOnlySpan<byte> datagram)
    {
        if (_rtpTarget is { } target) _rtp.Send(datagram, target);
    }

    /// <summary>
    /// Queues RFC 4733 digits towards this leg (API-sent DTMF, SIP INFO from the other side). Returns false when the
    /// leg did not negotiate telephone-event or a character is not a DTMF digit.
    /// </summary>
    /// <summary>Whether this leg negotiated RFC 4733 telephone-event: digits reach it in-band (else the edge uses SIP INFO).</summary>
    public bool TakesTelephoneEvents => _plan?.Send.TelephoneEventPayloadType is not null;

    public bool SendDtmf(string digits, TimeSpan? duration = null)
    {
        if (_plan?.Send.TelephoneEventPayloadType is null) return false;
        var samples = (int)Math.Clamp((duration ?? TimeSpan.FromMilliseconds(100)).TotalSeconds * NegotiatedCodecs.SampleRate, 160, 8000);
        var events = new List<byte>();
        foreach (var c in digits)
        {
            if (DtmfEvents.FromDigit(c) is not { } e) return false;
            events.Add(e);
        }
        lock (_sendLock) foreach (var e in events) _dtmfQueue.Enqueue((e, samples));
        return true;
    }

    /// <summary>One tick of the engine's clock: generated media, DTMF, RTCP, the media timeout.</summary>
    internal void OnTick(long tick, long now)
    {
        if (_plan is not { } plan) return;
        if (plan.CanSend)
        {
            switch (Input)
            {
                case EndpointInput.Player when InputPlayer is { } player:
                    if (player.HasFrame) SendFrame(plan, player, player.Frame, player.FrameStartsItem, now);
                    else SendFrame(plan, player, default, false, now);
                    break;
                case EndpointInput.Silence:
                    SendFrame(plan, SilenceSource, default, false, now);
                    break;
            }
            if (_dtmf is not null || _dtmfQueue.Count > 0) SendDtmfPacket(plan, now);
        }
        if ((tick + _rtcpPhase) % RtcpIntervalTicks == 0) SendReport(plan, now);
        if (tick % 50 == 0) CheckTimeout(plan, now);
    }

    /// <summary>A 20 ms frame of PCM (silence when empty) encoded into this leg's codec.</summary>
    private void SendFrame(StreamPlan plan, object source, ReadOnlySpan<short> pcm, bool startsItem, long now)
    {
        lock (_sendLock)
        {
            if (_dtmf is not null || _rtpTarget is not { } target || !MaySend(plan, now)) return;
            var (seq, ts, marker) = _out.Local(source, MediaPlayer.FrameSamples, startsItem, now);
            var buffer = _sendBuffer.AsSpan();
            var offset = RtpHeader.Write(buffer, marker, plan.Send.AudioPayloadType, seq, ts, _out.Ssrc);
            var payload = buffer.Slice(offset, MediaPlayer.FrameSamples);
            if (pcm.IsEmpty) payload.Fill(G711.Silence(plan.Send.Audio));
            else G711.Encode(plan.Send.Audio, pcm, payload);
            SendRtpLocked(offset + payload.Length, payload.Length, target);
        }
    }

    /// <summary>
    /// RFC 4733 2.5: packets every 20 ms with the event's start timestamp and a growing duration, the first with the
    /// marker bit, the end packet three times; other audio to this leg pauses meanwhile.
    /// </summary>
    private void SendDtmfPacket(StreamPlan plan, long now)
    {
        if (plan.Send.TelephoneEventPayloadType is not { } pt) return;
        lock (_sendLock)
        {
            if (_rtpTarget is not { } target || !MaySend(plan, now)) return;
            var first = false;
            if (_dtmf is null)
            {
                if (!_dtmfQueue.TryDequeue(out var next)) return;
                _dtmf = new DtmfGeneration(next.Event, next.DurationSamples, _out.BeginEvent(now));
                first = true;
            }
            var gen = _dtmf;
            gen.Elapsed = Math.Min(gen.Elapsed + MediaPlayer.FrameSamples, gen.DurationSamples);
            var end = gen.Elapsed >= gen.DurationSamples;
            var buffer = _sendBuffer.AsSpan();
            var offset = RtpHeader.Write(buffer, first, pt, _out.NextEventSequence(now), gen.Timestamp, _out.Ssrc);
            new TelephoneEvent(gen.Event, end, 10, (ushort)gen.Elapsed).Write(buffer[offset..]);
            SendRtpLocked(offset + TelephoneEvent.Size, TelephoneEvent.Size, target);
            if (end && ++gen.EndPacketsSent >= 3)
            {
                _out.EndEvent(gen.Timestamp, gen.DurationSamples, now);
                _dtmf = null;
            }
        }
    }

    /// <summary>An SR (once we have sent) or RR with a report block about what this leg sends us, plus SDES CNAME.</summary>
    private void SendReport(StreamPlan plan, long now)
    {
        lock (_sendLock)
        {
            var target = plan.RtcpMux ? _rtpTarget : _rtcpTarget;
            if (target is null || !MaySend(plan, now)) return;
            var channel = plan.RtcpMux ? _rtp : _rtcp;
            if (channel is null) return;
            RtcpReportBlock? block = null;
            if (_reception.PacketsReceived > 0)
            {
                var (fraction, cumulative) = _reception.TakeIntervalLoss();
                var dlsr = _lastSenderReportArrival == 0 ? 0u : (uint)(_time.GetElapsedTime(_lastSenderReportArrival, now).TotalSeconds * 65536);
                block = new RtcpReportBlock(_reception.Ssrc, fraction, cumulative, _reception.ExtendedHighestSequence, _reception.Jitter,
                    _lastSenderReportCompact, dlsr);
            }
            RtcpSenderInfo? sender = _out.Packets > 0
                ? new RtcpSenderInfo(RtcpPacket.ToNtp(_time.GetUtcNow()), _out.TimestampAt(now), (uint)_out.Packets, (uint)_out.Octets)
                : null;
            var length = RtcpPacket.WriteReport(_sendBuffer, _out.Ssrc, sender, block, _cname);
            if (_srtpOut is { } srtp && srtp.ProtectRtcp(_sendBuffer, length, out length) != Srtp.SrtpResult.Ok) return;
            channel.Send(_sendBuffer.AsSpan(0, length), target);
            _rtcpSent++;
        }
    }

    private void CheckTimeout(StreamPlan plan, long now)
    {
        var timeout = _engine.Options.TimeoutSeconds;
        if (timeout <= 0 || _timeoutRaised || !plan.RemoteSends) return;
        if (State is not (EndpointState.Negotiated or EndpointState.Connecting or EndpointState.Active)) return;
        var silent = _time.GetElapsedTime(_lastMediaTimestamp, now);
        if (silent < TimeSpan.FromSeconds(timeout)) return;
        _timeoutRaised = true;
        Session.Raise(new MediaTimedOut(this, silent));
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Acd.Media.Codecs;
using Acd.Media.Rtp;

namespace Acd.Media.Tests.Infrastructure;

/// <summary>A received RTP packet as the phone saw it.</summary>
/// <param name="ReceivedAt">When it arrived (wall clock): for tests that time audio by when it was heard, not by packet count.</param>
public sealed record ReceivedPacket(RtpHeader Header, byte[] Payload, IPEndPoint From, DateTime ReceivedAt = default);

/// <summary>
/// An RTP "phone" on loopback made of a UdpClient: it can send a tone (or anything) every 20 ms in its codec
/// and RFC 4733 digits, and it keeps what it receives, decoded, for frequency checks. With <c>srtp</c> it speaks
/// SDES-SRTP (RTP/SAVP, RFC 4568) with the engine's own SRTP code: it offers or answers one AES_CM_128_HMAC_SHA1_80 key,
/// protects what it sends with it, and keeps only what authenticates under the far end's key.
/// </summary>
public sealed class TestPhone : IAsyncDisposable
{
    private readonly byte[]? _localKey;
    private readonly Acd.Media.Srtp.SrtpContext? _sendSrtp;
    private Acd.Media.Srtp.SrtpContext? _receiveSrtp;
    private int _authenticationFailures;

    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<ReceivedPacket> _received = new();
    private readonly List<short> _audio = [];
    private readonly Lock _audioLock = new();
    private readonly Task _receiveLoop;
    private Task? _sendLoop;
    private ushort _seq = 1000;
    private uint _ts = 5000;
    private readonly uint _ssrc = (uint)Random.Shared.Next();

    public uint Ssrc => _ssrc;
    private readonly Lock _sendLock = new();

    public TestPhone(AudioCodec codec = AudioCodec.Pcmu, byte telephoneEventPayloadType = 101, bool srtp = false)
    {
        Codec = codec;
        TelephoneEventPayloadType = telephoneEventPayloadType;
        if (srtp)
        {
            _localKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(Acd.Media.Srtp.SrtpProfiles.MasterKeyLength + Acd.Media.Srtp.SrtpProfiles.MasterSaltLength);
            _sendSrtp = new Acd.Media.Srtp.SrtpContext(Acd.Media.Srtp.SrtpProfile.AesCm128HmacSha1_80,
                _localKey.AsSpan(0, Acd.Media.Srtp.SrtpProfiles.MasterKeyLength), _localKey.AsSpan(Acd.Media.Srtp.SrtpProfiles.MasterKeyLength));
        }

        _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    public bool Srtp => _localKey is not null;

    /// <summary>The inline key of this phone's a=crypto (base64 key and salt), to look for where it must not be.</summary>
    public string? LocalKey => _localKey is null ? null : Convert.ToBase64String(_localKey);

    /// <summary>The far end's inline key, from its description.</summary>
    public string? RemoteKey { get; private set; }

    /// <summary>SRTP packets that did not authenticate under the far end's key (dropped).</summary>
    public int AuthenticationFailures => Volatile.Read(ref _authenticationFailures);

    public AudioCodec Codec { get; }
    public byte PayloadType => Codec.StaticPayloadType();
    public byte TelephoneEventPayloadType { get; }
    public int Port => ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;
    public IPEndPoint? Target { get; set; }
    public int PacketsReceived => _received.Count;
    public IReadOnlyCollection<ReceivedPacket> Received => _received;

    /// <summary>The phone's SDP (offer or answer): one G.711 codec and telephone-event (RTP/SAVP and its key with SRTP).</summary>
    public string Sdp(string direction = "sendrecv") =>
        "v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
        $"m=audio {Port} {(Srtp ? "RTP/SAVP" : "RTP/AVP")} {PayloadType} {TelephoneEventPayloadType}\r\n" +
        $"a=rtpmap:{PayloadType} {Codec.EncodingName()}/8000\r\na=rtpmap:{TelephoneEventPayloadType} telephone-event/8000\r\n" +
        $"a=fmtp:{TelephoneEventPayloadType} 0-16\r\na=ptime:20\r\na={direction}\r\n" +
        (Srtp ? $"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{LocalKey}\r\n" : "");

    /// <summary>Sends the engine's SDP target from its c=/m= lines; with SRTP, takes the far end's AES_CM_128_HMAC_SHA1_80 key.</summary>
    public void TargetFromSdp(string sdp)
    {
        var lines = sdp.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var port = int.Parse(lines.First(l => l.StartsWith("m=audio", StringComparison.Ordinal)).Split(' ')[1]);
        Target = new IPEndPoint(IPAddress.Loopback, port);
        if (!Srtp)
        {
            return;
        }

        var crypto = lines.FirstOrDefault(l => l.StartsWith("a=crypto:", StringComparison.Ordinal) && l.Contains(" AES_CM_128_HMAC_SHA1_80 inline:", StringComparison.Ordinal))
                     ?? throw new InvalidOperationException("an SRTP phone got a description without an AES_CM_128_HMAC_SHA1_80 key:\n" + sdp);
        var key = crypto[(crypto.IndexOf("inline:", StringComparison.Ordinal) + "inline:".Length)..].Split('|', ' ')[0];
        if (key == RemoteKey)
        {
            return; // the same session again (a re-INVITE): keep the replay state
        }

        RemoteKey = key;
        var bytes = Convert.FromBase64String(key);
        var receive = new Acd.Media.Srtp.SrtpContext(Acd.Media.Srtp.SrtpProfile.AesCm128HmacSha1_80,
            bytes.AsSpan(0, Acd.Media.Srtp.SrtpProfiles.MasterKeyLength), bytes.AsSpan(Acd.Media.Srtp.SrtpProfiles.MasterKeyLength));
        Interlocked.Exchange(ref _receiveSrtp, receive)?.Dispose();
    }

    /// <summary>Sends a tone every 20 ms until stopped (or <paramref name="packets"/> were sent).</summary>
    public void StartTone(double frequency, int? packets = null)
    {
        _sendLoop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
            double phase = 0;
            var sent = 0;
            while (!_stop.IsCancellationRequested && (packets is null || sent < packets))
            {
                var pcm = Goertzel.Tone(frequency, 160, phase: phase);
                phase += 2 * Math.PI * frequency * 160 / 8000;
                var payload = new byte[160];
                G711.Encode(Codec, pcm, payload);
                SendRtp(PayloadType, payload, marker: sent == 0, advance: 160);
                sent++;
                try
                {
                    await timer.WaitForNextTickAsync(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });
    }

    public async Task StopSendingAsync()
    {
        _stop.Cancel();
        if (_sendLoop is not null) await _sendLoop;
    }

    public void SendRtp(byte payloadType, ReadOnlySpan<byte> payload, bool marker = false, int advance = 160, uint? timestamp = null)
    {
        var target = Target ?? throw new InvalidOperationException("no target");
        var packet = new byte[12 + payload.Length + (Srtp ? 10 : 0)];
        var length = 12 + payload.Length;
        lock (_sendLock)
        {
            RtpHeader.Write(packet, marker, payloadType, _seq++, timestamp ?? _ts, _ssrc);
            if (timestamp is null) _ts += (uint)advance;
            payload.CopyTo(packet.AsSpan(12));
            if (_sendSrtp is { } srtp && srtp.ProtectRtp(packet, length, out length) != Acd.Media.Srtp.SrtpResult.Ok)
            {
                throw new InvalidOperationException("SRTP protect failed");
            }
        }
        _udp.Send(packet, length, target);
    }

    /// <summary>One RFC 4733 digit: start with marker, two updates, then the end packet three times (same timestamp).</summary>
    public void SendDigit(char digit, ushort durationSamples = 800)
    {
        var code = DtmfEvents.FromDigit(digit)!.Value;
        uint ts;
        lock (_sendLock)
        {
            ts = _ts;
            _ts += durationSamples;
        }
        var payload = new byte[4];
        ushort[] steps = [160, 320, (ushort)(durationSamples / 2)];
        for (var i = 0; i < steps.Length; i++)
        {
            new TelephoneEvent(code, false, 10, steps[i]).Write(payload);
            SendRtp(TelephoneEventPayloadType, payload, marker: i == 0, timestamp: ts);
        }
        for (var i = 0; i < 3; i++)
        {
            new TelephoneEvent(code, true, 10, durationSamples).Write(payload);
            SendRtp(TelephoneEventPayloadType, payload, timestamp: ts);
        }
    }

    /// <summary>Forgets the audio received so far (before checking what comes after a change).</summary>
    public void ClearAudio()
    {
        lock (_audioLock) _audio.Clear();
        _received.Clear();
    }

    public short[] Audio()
    {
        lock (_audioLock) return [.. _audio];
    }

    public int AudioSamples
    {
        get
        {
            lock (_audioLock) return _audio.Count;
        }
    }

    /// <summary>Waits until at least <paramref name="samples"/> new samples arrived, then checks the last ones for the tone.</summary>
    public async Task<bool> HearsAsync(double frequency, double neighbour, int samples = 1600, int timeoutMs = 10_000)
    {
        ClearAudio();
        await Eventually.TrueAsync(() => AudioSamples >= samples + 800, $"{samples} samples of audio at the phone on port {Port}", timeoutMs);
        var audio = Audio();
        return Goertzel.Detects(audio.AsSpan(audio.Length - samples), frequency, neighbour);
    }

    private async Task ReceiveLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult result;
            try
            {
                result = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                break;
            }
            catch (SocketException)
            {
                continue;
            }
            var data = result.Buffer;
            if (Srtp)
            {
                // RTCP (payload types 200-204 in the second byte) is not checked here; RTP must authenticate.
                if (data.Length < 2 || data[1] is >= 200 and <= 204) continue;
                // Early media can come before the answer that brings the far end's key: not a failure, just unreadable yet.
                if (_receiveSrtp is not { } srtp) continue;
                if (srtp.UnprotectRtp(data, data.Length, out var plain) != Acd.Media.Srtp.SrtpResult.Ok)
                {
                    Interlocked.Increment(ref _authenticationFailures);
                    continue;
                }
                data = data[..plain];
            }
            if (RtpHeader.TryParse(data, out var header) != RtpParseResult.Ok) continue;
            var payload = header.Payload(data).ToArray();
            _received.Enqueue(new ReceivedPacket(header, payload, result.RemoteEndPoint, DateTime.UtcNow));
            if (header.PayloadType is 0 or 8)
            {
                var pcm = new short[payload.Length];
                G711.Decode(header.PayloadType == 8 ? AudioCodec.Pcma : AudioCodec.Pcmu, payload, pcm);
                lock (_audioLock) _audio.AddRange(pcm);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _udp.Dispose();
        try
        {
            await _receiveLoop;
            if (_sendLoop is not null) await _sendLoop;
        }
        catch (Exception)
        {
        }
        _stop.Dispose();
        _sendSrtp?.Dispose();
        _receiveSrtp?.Dispose();
    }
}

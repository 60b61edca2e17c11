using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Acd.Media.Codecs;
using Acd.Media.Rtp;

namespace Acd.Media.Tests.Infrastructure;

/// <summary>A received RTP packet as the phone saw it.</summary>
public sealed record ReceivedPacket(RtpHeader Header, byte[] Payload, IPEndPoint From);

/// <summary>
/// A plain RTP "phone" on loopback made of a UdpClient: it can send a tone (or anything) every 20 ms in its codec
/// and RFC 4733 digits, and it keeps what it receives, decoded, for frequency checks.
/// </summary>
public sealed class TestPhone : IAsyncDisposable
{
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

    public TestPhone(AudioCodec codec = AudioCodec.Pcmu, byte telephoneEventPayloadType = 101)
    {
        Codec = codec;
        TelephoneEventPayloadType = telephoneEventPayloadType;
        _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    public AudioCodec Codec { get; }
    public byte PayloadType => Codec.StaticPayloadType();
    public byte TelephoneEventPayloadType { get; }
    public int Port => ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;
    public IPEndPoint? Target { get; set; }
    public int PacketsReceived => _received.Count;
    public IReadOnlyCollection<ReceivedPacket> Received => _received;

    /// <summary>The phone's SDP (offer or answer): one G.711 codec and telephone-event.</summary>
    public string Sdp(string direction = "sendrecv") =>
        "v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
        $"m=audio {Port} RTP/AVP {PayloadType} {TelephoneEventPayloadType}\r\n" +
        $"a=rtpmap:{PayloadType} {Codec.EncodingName()}/8000\r\na=rtpmap:{TelephoneEventPayloadType} telephone-event/8000\r\n" +
        $"a=fmtp:{TelephoneEventPayloadType} 0-16\r\na=ptime:20\r\na={direction}\r\n";

    /// <summary>Sends the engine's SDP target from its c=/m= lines.</summary>
    public void TargetFromSdp(string sdp)
    {
        var port = int.Parse(sdp.Split('\n').First(l => l.StartsWith("m=audio", StringComparison.Ordinal)).Split(' ')[1]);
        Target = new IPEndPoint(IPAddress.Loopback, port);
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
        var packet = new byte[12 + payload.Length];
        lock (_sendLock)
        {
            RtpHeader.Write(packet, marker, payloadType, _seq++, timestamp ?? _ts, _ssrc);
            if (timestamp is null) _ts += (uint)advance;
        }
        payload.CopyTo(packet.AsSpan(12));
        _udp.Send(packet, packet.Length, target);
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
            if (RtpHeader.TryParse(data, out var header) != RtpParseResult.Ok) continue;
            var payload = header.Payload(data).ToArray();
            _received.Enqueue(new ReceivedPacket(header, payload, result.RemoteEndPoint));
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
    }
}

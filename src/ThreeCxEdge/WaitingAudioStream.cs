using System.Runtime.InteropServices;
using System.Threading.Channels;
using Acd.Media;
using Acd.Media.Playback;
using Acd.Queues;
using Acd.SipEdge.Announcements;
using Acd.ThreeCx.Rest;
using Microsoft.Extensions.Logging;

namespace Acd.ThreeCxEdge;

/// <summary>
/// What a caller waiting on a Route Point hears: the queue's music and position announcements (the same
/// <see cref="QueueAudio"/> a SIP caller hears), played by the media engine into a PCM sink and sent to 3CX as one long
/// upload to <c>/participants/{id}/stream</c> (8 kHz, 16-bit little-endian, mono). A slow PBX never holds the engine's
/// clock up: frames wait in a bounded channel and the oldest are dropped when it is full.
/// </summary>
internal sealed class WaitingAudioStream : IAsyncDisposable
{
    /// <summary>About a second of audio may queue before frames are dropped.</summary>
    private const int QueuedFrames = 50;

    private readonly Channel<ReadOnlyMemory<byte>> _frames = Channel.CreateBounded<ReadOnlyMemory<byte>>(
        new BoundedChannelOptions(QueuedFrames) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true });

    private readonly CancellationTokenSource _stop = new();
    private readonly PcmSink _sink;
    private readonly QueueAudioHandle _audio;
    private readonly Task _upload;

    public WaitingAudioStream(MediaEngine engine, QueueAudio audio, ThreeCxClient client, string dn, int participantId, string queueId,
        string callId, QueueConfig? config, ILogger logger)
    {
        _sink = engine.CreateSink(frame =>
        {
            var bytes = new byte[frame.Length * 2];
            MemoryMarshal.AsBytes(frame).CopyTo(bytes); // s16le: the samples' own layout on little-endian hosts
            _frames.Writer.TryWrite(bytes);
        });
        _audio = audio.ForWaiting(_sink, queueId, callId, config);
        _upload = UploadAsync(client, dn, participantId, logger);
    }

    /// <summary>The number of 20 ms frames handed to the upload so far (for diagnostics).</summary>
    public long FramesSent { get; private set; }

    public QueueAudioHandle Audio => _audio;

    private async Task UploadAsync(ThreeCxClient client, string dn, int participantId, ILogger logger)
    {
        try
        {
            await client.SendAudioAsync(dn, participantId, ReadAllAsync(_stop.Token), _stop.Token);
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
            // Stopped by us (answered, hung up): the upload is cut off on purpose.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The caller hears 3CX's own silence; the call itself goes on.
            logger.LogWarning(ex, "3CX audio stream to participant {Participant} on {Dn} failed", participantId, dn);
        }
    }

    private async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await _frames.Reader.WaitToReadAsync(cancellationToken))
        {
            while (_frames.Reader.TryRead(out var frame))
            {
                FramesSent++;
                yield return frame;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _audio.Dispose();
        _sink.Dispose();
        _frames.Writer.TryComplete();
        await _stop.CancelAsync();
        await _upload;
        _stop.Dispose();
    }
}

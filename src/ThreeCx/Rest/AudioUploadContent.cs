using System.Net;

namespace Acd.ThreeCx.Rest;

/// <summary>
/// A chunked octet-stream body fed from an async sequence of PCM chunks. The sequence can be read only once, so the
/// client retries a 401 only while no byte was taken from it (<see cref="Started"/>).
/// </summary>
internal sealed class AudioUploadContent(IAsyncEnumerable<ReadOnlyMemory<byte>> audio)
{
    private int _started;

    public bool Started => Volatile.Read(ref _started) == 1;

    public HttpContent Fresh() => new Body(this);

    private sealed class Body : HttpContent
    {
        private readonly AudioUploadContent _owner;

        public Body(AudioUploadContent owner)
        {
            _owner = owner;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _owner._started, 1) == 1)
            {
                throw new InvalidOperationException("The audio of an upload can be sent only once.");
            }

            await foreach (var chunk in _owner.Audio(cancellationToken).ConfigureAwait(false))
            {
                await stream.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
                // Each chunk is due at the caller's ear now, not when a buffer fills.
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        // No length: the upload is chunked and lasts as long as the audio does.
        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    private IAsyncEnumerable<ReadOnlyMemory<byte>> Audio(CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled ? WithCancellation(audio, cancellationToken) : audio;

    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> WithCancellation(IAsyncEnumerable<ReadOnlyMemory<byte>> source,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in source.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
    }
}

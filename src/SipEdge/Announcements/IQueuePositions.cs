using Acd.Queues;

namespace Acd.SipEdge.Announcements;

/// <summary>Where a waiting call stands in its queue: the queue grain in the product, anything in tests.</summary>
public interface IQueuePositions
{
    Task<WaitingPosition> GetAsync(string queueId, string callId, CancellationToken cancellationToken);
}

/// <summary>Asks the queue grain (<see cref="IQueueGrain.GetWaitingPositionAsync"/>, a read-only interleaved call).</summary>
public sealed class GrainQueuePositions(IGrainFactory grains) : IQueuePositions
{
    public Task<WaitingPosition> GetAsync(string queueId, string callId, CancellationToken cancellationToken) =>
        grains.GetGrain<IQueueGrain>(queueId).GetWaitingPositionAsync(callId).WaitAsync(cancellationToken);
}

/// <summary>A delegate as <see cref="IQueuePositions"/>.</summary>
public sealed class DelegateQueuePositions(Func<string, string, CancellationToken, Task<WaitingPosition>> ask) : IQueuePositions
{
    public Task<WaitingPosition> GetAsync(string queueId, string callId, CancellationToken cancellationToken) =>
        ask(queueId, callId, cancellationToken);
}

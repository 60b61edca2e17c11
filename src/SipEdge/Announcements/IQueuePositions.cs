using Acd.Calls;
using Acd.Queues;

namespace Acd.SipEdge.Announcements;

/// <summary>Where a waiting call stands in its queue: the queue grain in the product, anything in tests.</summary>
public interface IQueuePositions
{
    Task<WaitingPosition> GetAsync(string queueId, string callId, CancellationToken cancellationToken);
}

/// <summary>
/// Asks the queue grain (<see cref="IQueueGrain.GetWaitingPositionAsync"/>, a read-only interleaved call). A call that
/// is not waiting in <c>queueId</c> any more may have overflowed: then the call grain says which queue has it now, and
/// that queue is asked.
/// </summary>
public sealed class GrainQueuePositions(IGrainFactory grains) : IQueuePositions
{
    public async Task<WaitingPosition> GetAsync(string queueId, string callId, CancellationToken cancellationToken)
    {
        var position = await grains.GetGrain<IQueueGrain>(queueId).GetWaitingPositionAsync(callId).WaitAsync(cancellationToken);
        if (position.Position is not null)
        {
            return position;
        }

        var call = await grains.GetGrain<ICallGrain>(callId).GetAsync().WaitAsync(cancellationToken);
        return call is { Status: CallStatus.Queued, QueueId: { Length: > 0 } now } && now != queueId
            ? await grains.GetGrain<IQueueGrain>(now).GetWaitingPositionAsync(callId).WaitAsync(cancellationToken)
            : position;
    }
}

/// <summary>A delegate as <see cref="IQueuePositions"/>.</summary>
public sealed class DelegateQueuePositions(Func<string, string, CancellationToken, Task<WaitingPosition>> ask) : IQueuePositions
{
    public Task<WaitingPosition> GetAsync(string queueId, string callId, CancellationToken cancellationToken) =>
        ask(queueId, callId, cancellationToken);
}

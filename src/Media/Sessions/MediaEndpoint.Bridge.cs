using Acd.Media.Playback;

namespace Acd.Media.Sessions;

/// <summary>
/// Who hears whom, changed inside the engine without renegotiating (hold, transfer, park, monitor). Each leg has one
/// input; a leg keeps the list of legs that hear it, so its receive loop relays to them without a lookup. Changes
/// take the engine's bridge lock; the hot path reads the immutable listener array.
/// </summary>
public sealed partial class MediaEndpoint
{
    private volatile MediaEndpoint[] _listeners = [];

    /// <summary>The legs that hear this one.</summary>
    public IReadOnlyList<MediaEndpoint> Listeners => _listeners;

    /// <summary>This leg hears <paramref name="source"/> (one way; <see cref="MediaSession.Bridge"/> does both).</summary>
    public void ListenTo(MediaEndpoint source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (ReferenceEquals(source, this)) throw new ArgumentException("a leg cannot hear itself", nameof(source));
        if (!ReferenceEquals(source._engine, _engine)) throw new ArgumentException("the legs belong to different engines", nameof(source));
        lock (_engine.BridgeLock)
        {
            if (State == EndpointState.Closed || source.State == EndpointState.Closed) return;
            DetachInputLocked();
            Input = EndpointInput.Endpoint;
            InputEndpoint = source;
            source._listeners = [.. source._listeners, this];
        }
    }

    /// <summary>This leg hears a player (music on hold, prompts, ringback), in its own codec and stream.</summary>
    public void ListenTo(MediaPlayer player)
    {
        ArgumentNullException.ThrowIfNull(player);
        lock (_engine.BridgeLock)
        {
            if (State == EndpointState.Closed) return;
            DetachInputLocked();
            Input = EndpointInput.Player;
            InputPlayer = player;
            player.AddListener();
        }
    }

    /// <summary>This leg hears encoded silence (the stream keeps running, so NATs and the far end stay happy).</summary>
    public void ListenToSilence() => SetSimpleInput(EndpointInput.Silence);

    /// <summary>Nothing is sent to this leg.</summary>
    public void ListenToNothing() => SetSimpleInput(EndpointInput.Nothing);

    private void SetSimpleInput(EndpointInput input)
    {
        lock (_engine.BridgeLock)
        {
            DetachInputLocked();
            Input = input;
        }
    }

    private void DetachInputLocked()
    {
        if (InputEndpoint is { } source) source._listeners = source._listeners.Where(l => !ReferenceEquals(l, this)).ToArray();
        InputPlayer?.RemoveListener();
        InputEndpoint = null;
        InputPlayer = null;
        Input = EndpointInput.Nothing;
    }

    /// <summary>On close: stop hearing, and whoever heard this leg hears silence instead of a dead stream.</summary>
    private void DetachFromBridges()
    {
        lock (_engine.BridgeLock)
        {
            DetachInputLocked();
            foreach (var listener in _listeners)
            {
                listener.InputEndpoint = null;
                listener.Input = EndpointInput.Silence;
            }
            _listeners = [];
        }
    }
}

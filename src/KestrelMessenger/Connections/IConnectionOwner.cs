using KestrelMessenger.Diagnostics;
using KestrelMessenger.Frames;
using KestrelMessenger.Messages;
using Microsoft.Extensions.Logging;

namespace KestrelMessenger.Connections;

/// <summary>Why a connection ended, as its owner needs to know.</summary>
public enum CloseKind
{
    /// <summary>We closed it (mark down, shutdown).</summary>
    Local,
    /// <summary>The peer closed it or the transport failed.</summary>
    Reset,
    /// <summary>The peer broke the protocol.</summary>
    Fault,
    /// <summary>It never got connected (refused, unreachable, handshake failed).</summary>
    Refused,
}

/// <summary>What a connection needs from the messenger that owns it.</summary>
internal interface IConnectionOwner
{
    string Name { get; }

    ILogger Logger { get; }

    MessengerMetrics Metrics { get; }

    FrameLimits FrameLimits { get; }

    MessageRegistry Registry { get; }

    /// <summary>The per-connection back-pressure limits for a connection we <paramref name="role"/>.</summary>
    ThrottleLimits ThrottleLimitsFor(Protocol.HandshakeRole role);

    /// <summary>False while the dispatch queue is over its throttle.</summary>
    bool HasDispatchRoom { get; }

    /// <summary>Hands a received message to fast dispatch or the dispatch queue.</summary>
    void Deliver(MessengerConnection connection, Message message);

    /// <summary>Completes when the dispatch queue has room again (the dispatch throttle).</summary>
    ValueTask WaitForDispatchRoomAsync(CancellationToken cancellationToken);

    /// <summary>The connection reached READY.</summary>
    void OnReady(MessengerConnection connection);

    /// <summary>The connection closed for good.</summary>
    void OnClosed(MessengerConnection connection, CloseKind kind, string reason);
}

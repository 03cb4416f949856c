using KestrelMessenger.Diagnostics;
using KestrelMessenger.Frames;
using KestrelMessenger.Messages;
using KestrelMessenger.Wire;
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

/// <summary>What a session needs from the messenger that owns it.</summary>
internal interface IConnectionOwner
{
    string Name { get; }

    ILogger Logger { get; }

    MessengerMetrics Metrics { get; }

    FrameLimits FrameLimits { get; }

    MessageRegistry Registry { get; }

    /// <summary>The messenger's fault injection (none by default).</summary>
    FaultInjection Injection { get; }

    /// <summary><c>ms_initial_backoff</c>.</summary>
    TimeSpan InitialBackoff { get; }

    /// <summary><c>ms_max_backoff</c>.</summary>
    TimeSpan MaxBackoff { get; }

    /// <summary>Ceph's <c>get_global_seq(old)</c>: the messenger's counter, raised to at least <paramref name="above"/>, plus one.</summary>
    ulong NextGlobalSeq(ulong above);

    /// <summary>The policy for peers of <paramref name="peerType"/>.</summary>
    Protocol.Policy GetPolicy(EntityType peerType);

    /// <summary>
    /// The per-connection back-pressure limits for a socket we <paramref name="role"/>: only a lossy one we
    /// accepted (a client's) stops being read while its out-queue is full. A lossless session's writer waits for
    /// the peer's acks instead, which it could never read if its reader waited for its writer.
    /// </summary>
    ThrottleLimits ThrottleLimitsFor(Protocol.HandshakeRole role, bool lossy);

    /// <summary>False while the dispatch queue is over its throttle.</summary>
    bool HasDispatchRoom { get; }

    /// <summary>Hands a received message to fast dispatch or the dispatch queue.</summary>
    void Deliver(MessengerConnection connection, Message message);

    /// <summary>Completes when the dispatch queue has room again (the dispatch throttle).</summary>
    ValueTask WaitForDispatchRoomAsync(CancellationToken cancellationToken);

    /// <summary>Opens a socket for <paramref name="attempt"/> and runs the client chain on it, through READY to its end.</summary>
    Task<ConnectOutcome> ConnectAsync(MessengerConnection connection, ConnectAttempt attempt, CancellationToken cancellationToken);

    /// <summary>A socket of the session reached READY (Ceph's connect or accept event).</summary>
    void OnReady(MessengerConnection connection, Protocol.HandshakeRole role);

    /// <summary>A lossless session's connect attempt was refused; the session goes on trying.</summary>
    void OnRefused(MessengerConnection connection);

    /// <summary>The peer reset the session: its received messages not yet dispatched go, and dispatchers hear of it.</summary>
    void OnRemoteReset(MessengerConnection connection);

    /// <summary>The session closed for good.</summary>
    void OnClosed(MessengerConnection connection, CloseKind kind, string reason);
}

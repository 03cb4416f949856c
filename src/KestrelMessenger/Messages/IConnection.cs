using KestrelMessenger.Wire;

namespace KestrelMessenger.Messages;

/// <summary>
/// A messenger's handle on one peer (Ceph's <c>ConnectionRef</c>): messages sent before the
/// handshake finishes are queued, and the handle stays valid after the transport closes.
/// </summary>
public interface IConnection
{
    /// <summary>The peer's name (known after the handshake; the dialled type before).</summary>
    EntityName PeerName { get; }

    /// <summary>The peer's addresses.</summary>
    EntityAddrVec PeerAddrs { get; }

    /// <summary>Features both sides support (valid once connected).</summary>
    ulong Features { get; }

    /// <summary>True from READY until the connection closes.</summary>
    bool IsConnected { get; }

    /// <summary>True once the connection is closed for good.</summary>
    bool IsClosed { get; }

    /// <summary>What the handshake negotiated (null until READY).</summary>
    Protocol.HandshakeResult? Handshake { get; }

    /// <summary>Why the connection closed (null while open).</summary>
    string? CloseReason { get; }

    /// <summary>Why the connection closed, as a kind to act on (null while open).</summary>
    Protocol.ConnectionFailure? Failure { get; }

    /// <summary>Queues <paramref name="message"/> by priority; false when the connection is closed (the message is then disposed).</summary>
    bool SendMessage(Message message);

    /// <summary>Queues a KEEPALIVE2.</summary>
    void SendKeepalive();

    /// <summary>Sends a KEEPALIVE2 and completes with the round-trip time when its ACK arrives.</summary>
    Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default);

    /// <summary>Closes the connection and drops what is queued (Ceph's <c>mark_down</c>).</summary>
    void MarkDown();

    /// <summary>Completes when the connection has closed.</summary>
    Task Closed { get; }
}

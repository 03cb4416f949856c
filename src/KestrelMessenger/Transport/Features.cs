using KestrelMessenger.Wire;

namespace KestrelMessenger.Transport;

/// <summary>Set on outbound connections before the middleware runs: whom we meant to reach. Its presence selects the client role.</summary>
public interface ICephConnectTargetFeature
{
    /// <summary>The entity type we expect to answer.</summary>
    EntityType PeerType { get; }

    /// <summary>The exact msgr2 address dialled (CLIENT_IDENT's target_addr).</summary>
    EntityAddr TargetAddr { get; }

    /// <summary>Why the banner or handshake failed, when it did.</summary>
    Protocol.ConnectionFailure? Failure { get; set; }
}

/// <summary>The default <see cref="ICephConnectTargetFeature"/>.</summary>
public sealed class CephConnectTargetFeature(EntityType peerType, EntityAddr targetAddr) : ICephConnectTargetFeature
{
    /// <inheritdoc />
    public EntityType PeerType { get; } = peerType;

    /// <inheritdoc />
    public EntityAddr TargetAddr { get; } = targetAddr;

    /// <inheritdoc />
    public Protocol.ConnectionFailure? Failure { get; set; }
}

/// <summary>Set by the banner middleware: the peer's banner and the raw banner bytes (the start of the pre-auth capture).</summary>
public interface IMsgr2BannerFeature
{
    /// <summary>The peer's msgr2 features.</summary>
    Protocol.PeerBanner Peer { get; }

    /// <summary>The banner bytes we sent.</summary>
    ReadOnlyMemory<byte> Sent { get; }

    /// <summary>The banner bytes we received.</summary>
    ReadOnlyMemory<byte> Received { get; }

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp when the banner exchange began.</summary>
    long StartTimestamp { get; }
}

internal sealed record Msgr2BannerFeature(Protocol.PeerBanner Peer, ReadOnlyMemory<byte> Sent, ReadOnlyMemory<byte> Received, long StartTimestamp) : IMsgr2BannerFeature;

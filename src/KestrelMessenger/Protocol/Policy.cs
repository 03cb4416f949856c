using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol;

/// <summary>
/// Ceph's <c>Messenger::Policy</c>: how connections to one kind of peer behave. Lossy connections
/// drop queued messages on a fault and never reconnect; lossless ones keep a session that outlives its
/// sockets: it reconnects (SESSION_RECONNECT) and replays what the peer has not acknowledged. The
/// factories give Ceph's flag values.
/// </summary>
public sealed record Policy
{
    /// <summary>Drop the session on a fault.</summary>
    public bool Lossy { get; init; }

    /// <summary>This side only accepts; it never reconnects to the peer.</summary>
    public bool Server { get; init; }

    /// <summary>Keep a lossless session idle rather than reconnect eagerly.</summary>
    public bool Standby { get; init; }

    /// <summary>Detect a restarted peer and reset the session.</summary>
    public bool ResetCheck { get; init; }

    /// <summary>
    /// Lossy connections accepted under this policy are registered by the peer's addresses, so a new
    /// connection from the same client replaces the old one and <c>ConnectTo</c> finds it (Ceph's
    /// <c>register_lossy_clients</c>). A stateless server keeps them anonymous.
    /// </summary>
    public bool RegisterLossyClients { get; init; } = true;

    /// <summary>Features we advertise to this peer type.</summary>
    public ulong FeaturesSupported { get; init; } = CephFeatures.All;

    /// <summary>Features we insist this peer type has (MSG_ADDR2 is always added for msgr2).</summary>
    public ulong FeaturesRequired { get; init; }

    /// <summary>A client of servers: lossy, reconnect by opening a new connection (MonClient, librados).</summary>
    public static Policy LossyClient(ulong required = 0) => new() { Lossy = true, FeaturesRequired = required };

    /// <summary>A server of clients: lossy, never connects back, clients anonymous (OSD and mon facing clients).</summary>
    public static Policy StatelessServer(ulong required = 0) => new() { Lossy = true, Server = true, RegisterLossyClients = false, FeaturesRequired = required };

    /// <summary>Like <see cref="StatelessServer"/>, but clients are registered by address (ceph-osd's public messenger).</summary>
    public static Policy StatelessRegisteredServer(ulong required = 0) => new() { Lossy = true, Server = true, FeaturesRequired = required };

    /// <summary>A server that keeps its clients' sessions and never connects back (the MDS facing clients).</summary>
    public static Policy StatefulServer(ulong required = 0) => new() { Server = true, Standby = true, ResetCheck = true, FeaturesRequired = required };

    /// <summary>Peers of equal rank that keep sessions, idle in standby until there is something to send (OSD ↔ OSD).</summary>
    public static Policy LosslessPeer(ulong required = 0) => new() { Standby = true, FeaturesRequired = required };

    /// <summary>Like <see cref="LosslessPeer"/> but detects peer restarts (mon ↔ mon).</summary>
    public static Policy LosslessPeerReuse(ulong required = 0) => new() { Standby = true, ResetCheck = true, FeaturesRequired = required };

    /// <summary>A client that keeps its session and reconnects at once (MDS client).</summary>
    public static Policy LosslessClient(ulong required = 0) => new() { ResetCheck = true, FeaturesRequired = required };
}

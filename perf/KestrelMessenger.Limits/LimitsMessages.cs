namespace KestrelMessenger.Limits;

/// <summary>
/// Message types between the driver and a messenger server (a private range Ceph does not use: they
/// travel as raw messages), and the server's fixed address nonce.
/// </summary>
internal static class LimitsMessages
{
    /// <summary>Request/reply: the server answers with <see cref="Reply"/>, same tid, same data.</summary>
    public const ushort Request = 0x7000;

    public const ushort Reply = 0x7001;

    /// <summary>One-way bulk: the server counts the data and answers with an empty <see cref="Ack"/>, same tid.</summary>
    public const ushort Bulk = 0x7002;

    public const ushort Ack = 0x7003;

    /// <summary>The driver asks for the server's counters; the <see cref="StatsReply"/> front is a <see cref="ServerSnapshot"/>.</summary>
    public const ushort StatsQuery = 0x7004;

    public const ushort StatsReply = 0x7005;

    /// <summary>
    /// A client's CLIENT_IDENT must name the server's address, nonce included. Both roles are this one
    /// executable and each case gets a fresh server, so a constant lets the driver dial by port alone,
    /// as the echo client does (a random nonce would only tell apart incarnations we never mix).
    /// </summary>
    public const uint ServerNonce = 7;
}

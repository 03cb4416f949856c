namespace KestrelMessenger.Protocol.Auth.Cephx;

/// <summary>The outcome of one step of a cephx client handshake.</summary>
public abstract record CephxClientStep
{
    private CephxClientStep()
    {
    }

    /// <summary>Send <see cref="Payload"/> (the AUTH_REQUEST, AUTH_REQUEST_MORE or MAuth payload).</summary>
    /// <param name="Payload">The bytes.</param>
    public sealed record Send(ReadOnlyMemory<byte> Payload) : CephxClientStep;

    /// <summary>Authenticated.</summary>
    /// <param name="SessionKey">Keys AUTH_SIGNATURE (the AUTH ticket's session key towards a monitor, the service ticket's towards a daemon).</param>
    /// <param name="ConnectionSecret">The secure-mode key material (64 bytes), empty in crc mode.</param>
    public sealed record Done(CryptoKey SessionKey, ReadOnlyMemory<byte> ConnectionSecret) : CephxClientStep;

    /// <summary>Failed with a negative errno, as Ceph's client would.</summary>
    /// <param name="Errno">A negative <see cref="Wire.Errno"/> value.</param>
    /// <param name="Reason">For logs; never holds key material.</param>
    public sealed record Failed(int Errno, string Reason) : CephxClientStep;
}

/// <summary>The outcome of handling an MAuthReply (ticket renewal or rotating keys).</summary>
public abstract record CephxReplyOutcome
{
    private CephxReplyOutcome()
    {
    }

    /// <summary>Tickets or rotating secrets were stored.</summary>
    /// <param name="RequestType">The <see cref="CephxRequestType"/> answered.</param>
    /// <param name="NeedsMoreTickets">Ceph's <c>-EAGAIN</c>: some wanted ticket is still missing or due; send <see cref="CephxClient.BuildTicketRequest"/>'s payload.</param>
    public sealed record Updated(ushort RequestType, bool NeedsMoreTickets) : CephxReplyOutcome;

    /// <summary>The reply was refused or could not be verified.</summary>
    /// <param name="Errno">A negative <see cref="Wire.Errno"/> value.</param>
    /// <param name="Reason">For logs; never holds key material.</param>
    public sealed record Failed(int Errno, string Reason) : CephxReplyOutcome;
}

/// <summary>What the client holds for one service ticket (no key material).</summary>
/// <param name="Service">The service.</param>
/// <param name="SecretId">The rotating secret the ticket is under.</param>
/// <param name="Expires">Local time the ticket expires (now + validity when received), or null when it has no validity.</param>
/// <param name="RenewAfter">When Ceph would renew it: expires − validity/4.</param>
/// <param name="HaveKey">True while the ticket is held and unexpired.</param>
public sealed record CephxTicketStatus(Wire.EntityType Service, ulong SecretId, DateTimeOffset? Expires, DateTimeOffset? RenewAfter, bool HaveKey);

/// <summary>
/// What a client keeps per monitor connection: whether the server challenge has arrived, and the
/// challenge itself (a later GET_AUTH_SESSION_KEY over MAuth on the same connection reuses it, as
/// Ceph's per-session handler does). Not thread-safe: one connection's handshake is sequential.
/// </summary>
public sealed class CephxMonState
{
    internal bool Starting { get; set; } = true;

    internal ulong ServerChallenge { get; set; }

    /// <summary>True once the monitor's <see cref="CephXServerChallenge"/> has been received.</summary>
    public bool HasServerChallenge => !Starting;

    /// <summary>The session key of this connection once AUTH_DONE was handled.</summary>
    public CryptoKey? SessionKey { get; internal set; }
}

/// <summary>
/// What a client keeps per daemon connection: the authorizer's nonce, the service session key and the
/// authorizer's fixed part, so it can be rebuilt for a challenge and the reply verified. Not thread-safe.
/// </summary>
public sealed class CephxAuthorizerState
{
    internal ulong Nonce { get; set; }

    internal byte[] BaseBytes { get; set; } = [];

    /// <summary>The service the authorizer is for.</summary>
    public Wire.EntityType Service { get; internal set; }

    /// <summary>The service ticket's session key (set once the authorizer is built).</summary>
    public CryptoKey? SessionKey { get; internal set; }
}

namespace KestrelMessenger.Protocol.Sessions;

/// <summary>What the connecting side keeps of a lossless session across sockets.</summary>
/// <param name="ClientCookie">Our cookie (0: none yet; a fresh CLIENT_IDENT makes one).</param>
/// <param name="ServerCookie">The server's cookie from SERVER_IDENT (0: the session was never established).</param>
/// <param name="GlobalSeq">Our global_seq for this connection attempt.</param>
/// <param name="ConnectSeq">The connect_seq.</param>
/// <param name="InSeq">The last message seq received.</param>
public readonly record struct ClientSession(ulong ClientCookie, ulong ServerCookie, ulong GlobalSeq, ulong ConnectSeq, ulong InSeq);

/// <summary>The connecting side's next step.</summary>
public abstract record ClientSessionStep
{
    private ClientSessionStep()
    {
    }

    /// <summary>Send CLIENT_IDENT (a new session); <paramref name="DropQueued"/> discards what waited to be sent, and every seq starts again.</summary>
    public sealed record SendIdent(ClientSession Session, bool DropQueued) : ClientSessionStep;

    /// <summary>Send SESSION_RECONNECT with this state (messages keep their seqs).</summary>
    public sealed record SendReconnect(ClientSession Session) : ClientSessionStep;

    /// <summary>WAIT: fault and try again after the backoff.</summary>
    public sealed record BackOff : ClientSessionStep;

    /// <summary>SESSION_RECONNECT_OK: drop the sent messages the server has (seq ≤ <paramref name="DiscardUpTo"/>), resend the rest under their seqs, READY.</summary>
    public sealed record Resume(ClientSession Session, ulong DiscardUpTo) : ClientSessionStep;
}

/// <summary>
/// Ceph 16.2's client reactions on a lossless session (ProtocolV2 <c>handle_session_reset</c>,
/// <c>handle_session_retry</c>, <c>_retry_global</c>, <c>handle_wait</c>, <c>handle_reconnect_ok</c>,
/// and what a new socket starts with), as pure functions.
/// </summary>
public static class ClientSessionRules
{
    /// <summary>
    /// A new socket for the session, after a fault: a session the server established is resumed
    /// (SESSION_RECONNECT, connect_seq + 1, a new global_seq); one it never did starts with CLIENT_IDENT.
    /// </summary>
    public static ClientSessionStep OnNewSocket(ClientSession session, ulong newGlobalSeq) => session.ServerCookie == 0
        ? new ClientSessionStep.SendIdent(session with { GlobalSeq = newGlobalSeq }, DropQueued: false)
        : new ClientSessionStep.SendReconnect(session with { GlobalSeq = newGlobalSeq, ConnectSeq = session.ConnectSeq + 1 });

    /// <summary>SESSION_RESET: full drops the whole session (cookies, seqs, queues); partial forgets the server's side of it but keeps what is queued.</summary>
    public static ClientSessionStep OnReset(ClientSession session, bool full) => full
        ? new ClientSessionStep.SendIdent(new ClientSession(0, 0, session.GlobalSeq, 0, 0), DropQueued: true)
        : new ClientSessionStep.SendIdent(session with { ServerCookie = 0, ConnectSeq = 0, InSeq = 0 }, DropQueued: false);

    /// <summary>SESSION_RETRY: reconnect with connect_seq one above the server's.</summary>
    public static ClientSessionStep OnRetry(ClientSession session, ulong serverConnectSeq) =>
        new ClientSessionStep.SendReconnect(session with { ConnectSeq = serverConnectSeq + 1 });

    /// <summary>
    /// SESSION_RETRY_GLOBAL: reconnect with a global_seq above the server's, taken from the
    /// messenger's counter once it is raised to at least <paramref name="serverGlobalSeq"/>
    /// (<paramref name="nextGlobalSeqAbove"/> is Ceph's <c>get_global_seq(gs)</c>).
    /// </summary>
    public static ClientSessionStep OnRetryGlobal(ClientSession session, ulong serverGlobalSeq, Func<ulong, ulong> nextGlobalSeqAbove) =>
        new ClientSessionStep.SendReconnect(session with { GlobalSeq = nextGlobalSeqAbove(serverGlobalSeq) });

    /// <summary>WAIT: the peer's own connection to us wins the race.</summary>
    public static ClientSessionStep OnWait() => new ClientSessionStep.BackOff();

    /// <summary>SESSION_RECONNECT_OK: the server has every message up to <paramref name="serverInSeq"/>.</summary>
    public static ClientSessionStep OnReconnectOk(ClientSession session, ulong serverInSeq) => new ClientSessionStep.Resume(session, serverInSeq);
}

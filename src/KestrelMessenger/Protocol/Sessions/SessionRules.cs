namespace KestrelMessenger.Protocol.Sessions;

/// <summary>
/// What a server knows of the session it already has with the peer that is (re)connecting: the
/// "existing" connection of Ceph's <c>handle_reconnect</c> and <c>handle_existing_connection</c>.
/// </summary>
/// <param name="Closed">The existing session is closed.</param>
/// <param name="Replacing">Another socket is being swapped into it right now.</param>
/// <param name="ReadyOrStandby">It is READY or in STANDBY (not still handshaking).</param>
/// <param name="ClientCookie">The peer's cookie the session was made with.</param>
/// <param name="ServerCookie">Our cookie for it (0: our SERVER_IDENT never went out, or we were the client and never got one).</param>
/// <param name="PeerGlobalSeq">The peer's global_seq last seen on it.</param>
/// <param name="ConnectSeq">Its connect_seq.</param>
/// <param name="PolicyServer">Its policy is <c>server</c> (we never connect back).</param>
/// <param name="PolicyLossy">Its policy is lossy.</param>
public readonly record struct ExistingSession(
    bool Closed, bool Replacing, bool ReadyOrStandby, ulong ClientCookie, ulong ServerCookie,
    ulong PeerGlobalSeq, ulong ConnectSeq, bool PolicyServer, bool PolicyLossy);

/// <summary>The fields of SESSION_RECONNECT the decision reads.</summary>
public readonly record struct ReconnectRequest(ulong ClientCookie, ulong ServerCookie, ulong GlobalSeq, ulong ConnectSeq, ulong MsgSeq);

/// <summary>The server's answer to SESSION_RECONNECT.</summary>
public abstract record ReconnectVerdict
{
    private ReconnectVerdict()
    {
    }

    /// <summary>SESSION_RESET: <paramref name="Full"/> drops the peer's whole session, partial only its handshake state.</summary>
    public sealed record Reset(bool Full) : ReconnectVerdict;

    /// <summary>SESSION_RETRY_GLOBAL: reconnect with a global_seq above <paramref name="GlobalSeq"/>.</summary>
    public sealed record RetryGlobal(ulong GlobalSeq) : ReconnectVerdict;

    /// <summary>SESSION_RETRY: reconnect with connect_seq above <paramref name="ConnectSeq"/>.</summary>
    public sealed record Retry(ulong ConnectSeq) : ReconnectVerdict;

    /// <summary>WAIT: our own connection to the peer wins the race; back off.</summary>
    public sealed record Wait : ReconnectVerdict;

    /// <summary>Move this socket into the existing session (its connect_seq and the peer's in_seq taken over) and send SESSION_RECONNECT_OK.</summary>
    public sealed record Accept(ulong ConnectSeq, ulong PeerInSeq) : ReconnectVerdict;
}

/// <summary>What the server does with a fresh CLIENT_IDENT from a peer it already has a session with.</summary>
public abstract record ExistingConnectionVerdict
{
    private ExistingConnectionVerdict()
    {
    }

    /// <summary>The existing session is closed: carry on with a new one (SERVER_IDENT).</summary>
    public sealed record NewSession : ExistingConnectionVerdict;

    /// <summary>WAIT: the existing connection wins (a race, or it is being replaced right now).</summary>
    public sealed record Wait : ExistingConnectionVerdict;

    /// <summary>This connection is stale (an older global_seq): stop it.</summary>
    public sealed record Stale : ExistingConnectionVerdict;

    /// <summary>The existing one is lossy: stop it, and carry on with a new session on this connection.</summary>
    public sealed record ReplaceLossy : ExistingConnectionVerdict;

    /// <summary>Swap this socket into the existing session; <paramref name="ResetSession"/> first drops its state (the peer restarted and the policy checks resets).</summary>
    public sealed record Reuse(bool ResetSession) : ExistingConnectionVerdict;
}

/// <summary>
/// Ceph 16.2's session decisions (ProtocolV2 <c>handle_reconnect</c> and
/// <c>handle_existing_connection</c>) as pure functions, in Ceph's order. The race rule needs the
/// order of the two msgr2 addresses, which the caller supplies.
/// </summary>
public static class SessionRules
{
    /// <summary>The server's answer to SESSION_RECONNECT.</summary>
    /// <param name="existing">The session found for the peer's addresses, if any.</param>
    /// <param name="reconnect">What the peer sent.</param>
    /// <param name="peerAddrIsGreater">The existing session's peer msgr2 address orders after ours.</param>
    /// <param name="resetCheck">Our policy for the peer checks for resets (<c>policy.resetcheck</c>).</param>
    public static ReconnectVerdict HandleReconnect(ExistingSession? existing, ReconnectRequest reconnect, bool peerAddrIsGreater, bool resetCheck)
    {
        if (existing is not ExistingSession e || e.Closed)
        {
            return new ReconnectVerdict.Reset(Full: true); // nothing to resume
        }

        if (e.Replacing)
        {
            return new ReconnectVerdict.RetryGlobal(e.PeerGlobalSeq);
        }

        if (e.ClientCookie != reconnect.ClientCookie)
        {
            return new ReconnectVerdict.Reset(Full: resetCheck); // the peer restarted
        }

        if (e.ServerCookie == 0)
        {
            return new ReconnectVerdict.Reset(Full: false); // the session's handshake never finished here
        }

        if (e.PeerGlobalSeq > reconnect.GlobalSeq)
        {
            return new ReconnectVerdict.RetryGlobal(e.PeerGlobalSeq);
        }

        if (e.ConnectSeq > reconnect.ConnectSeq)
        {
            return new ReconnectVerdict.Retry(e.ConnectSeq);
        }

        if (e.ConnectSeq == reconnect.ConnectSeq && peerAddrIsGreater && !e.PolicyServer)
        {
            return new ReconnectVerdict.Wait(); // both reconnect at once: the existing one wins
        }

        return new ReconnectVerdict.Accept(reconnect.ConnectSeq, reconnect.MsgSeq);
    }

    /// <summary>The server's decision on a fresh CLIENT_IDENT when a session with the peer exists.</summary>
    /// <param name="existing">That session.</param>
    /// <param name="clientCookie">The new CLIENT_IDENT's cookie.</param>
    /// <param name="peerGlobalSeq">The new CLIENT_IDENT's global_seq.</param>
    /// <param name="peerAddrIsLess">The connecting peer's msgr2 address orders before ours.</param>
    /// <param name="resetCheck">Our policy for the peer checks for resets.</param>
    public static ExistingConnectionVerdict HandleExistingConnection(ExistingSession existing, ulong clientCookie, ulong peerGlobalSeq, bool peerAddrIsLess, bool resetCheck)
    {
        if (existing.Closed)
        {
            return new ExistingConnectionVerdict.NewSession();
        }

        if (existing.Replacing)
        {
            return new ExistingConnectionVerdict.Wait();
        }

        if (existing.PeerGlobalSeq > peerGlobalSeq)
        {
            return new ExistingConnectionVerdict.Stale();
        }

        if (existing.PolicyLossy)
        {
            return new ExistingConnectionVerdict.ReplaceLossy();
        }

        if (existing.ServerCookie != 0 && existing.ClientCookie != 0 && existing.ClientCookie != clientCookie)
        {
            return new ExistingConnectionVerdict.Reuse(ResetSession: resetCheck); // the peer reset
        }

        if (existing.ClientCookie == clientCookie || existing.ReadyOrStandby)
        {
            return new ExistingConnectionVerdict.Reuse(ResetSession: false); // continue, or reuse a live session
        }

        // Both connected at once: the lower address's connection wins, unless ours never connects back.
        return peerAddrIsLess || existing.PolicyServer
            ? new ExistingConnectionVerdict.Reuse(ResetSession: false)
            : new ExistingConnectionVerdict.Wait();
    }
}

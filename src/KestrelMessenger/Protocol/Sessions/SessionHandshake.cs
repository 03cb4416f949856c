using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Sessions;

/// <summary>
/// The session a client handshake connects, as the handshake's session step sees it. Each reaction
/// applies Ceph's client rule (<see cref="ClientSessionRules"/>) to the session and says what to send
/// next. A session that has moved on (a socket from the peer took it over) throws
/// <see cref="ProtocolException"/> of kind <see cref="FailureKind.Local"/>: this attempt is over.
/// </summary>
internal interface IConnectingSession
{
    /// <summary>After AUTH_SIGNATURE: CLIENT_IDENT for a new session, SESSION_RECONNECT to resume one.</summary>
    ClientSessionStep Begin();

    /// <summary>SESSION_RESET: full drops the session (the peer lost it: dispatchers hear of a remote reset); partial keeps what is queued.</summary>
    ClientSessionStep OnReset(bool full);

    /// <summary>SESSION_RETRY with the server's connect_seq.</summary>
    ClientSessionStep OnRetry(ulong serverConnectSeq);

    /// <summary>SESSION_RETRY_GLOBAL with the server's peer_global_seq.</summary>
    ClientSessionStep OnRetryGlobal(ulong serverGlobalSeq);

    /// <summary>SERVER_IDENT: a new session is established.</summary>
    void OnServerIdent(ServerIdentFrame ident);

    /// <summary>
    /// SESSION_RECONNECT_OK: the session resumes; the server has every message up to <paramref name="serverInSeq"/>.
    /// Returns what the session was established with (peer, addresses, features), which a resumed socket keeps.
    /// </summary>
    HandshakeResult OnReconnectOk(ulong serverInSeq);

    /// <summary>WAIT: the peer's own connection to us wins a race.</summary>
    void OnWait();
}

/// <summary>What the server side of a handshake does after CLIENT_IDENT or SESSION_RECONNECT.</summary>
internal abstract record AcceptStep
{
    private AcceptStep()
    {
    }

    /// <summary>Send <paramref name="Frame"/> (SESSION_RESET, SESSION_RETRY, SESSION_RETRY_GLOBAL) and read the client's next one.</summary>
    public sealed record Reply(IControlFrame Frame) : AcceptStep;

    /// <summary>Send WAIT and end this socket: the peer's session with us goes on on another.</summary>
    public sealed record Wait : AcceptStep;

    /// <summary>The socket is stale (an older global_seq than the session's): close it without a word.</summary>
    public sealed record Stale : AcceptStep;

    /// <summary>Send SERVER_IDENT with <paramref name="ServerCookie"/>; the socket serves <paramref name="Session"/>.</summary>
    public sealed record Ident(IAcceptedSession Session, ulong ServerCookie) : AcceptStep;

    /// <summary>
    /// Send SESSION_RECONNECT_OK with <paramref name="InSeq"/>; the socket resumes <paramref name="Session"/>, which
    /// keeps the peer and features it was established with (<paramref name="Established"/>).
    /// </summary>
    public sealed record ReconnectOk(IAcceptedSession Session, ulong InSeq, HandshakeResult Established) : AcceptStep;
}

/// <summary>A session an accepted socket was bound to by its handshake (the messenger's own type; opaque here).</summary>
internal interface IAcceptedSession
{
}

/// <summary>What the accepting side knows of a peer when it asks for a session.</summary>
/// <param name="PeerType">From HELLO.</param>
/// <param name="Policy">Ours for that type.</param>
/// <param name="Remote">The socket's remote end, for logs.</param>
/// <param name="MyAddr">Our msgr2 address (null when unbound).</param>
internal readonly record struct AcceptContext(EntityType PeerType, Policy Policy, string Remote, EntityAddr? MyAddr);

/// <summary>The messenger side of the server handshake's session step (Ceph's <c>handle_client_ident</c> and <c>handle_reconnect</c> with their lookups).</summary>
internal interface ISessionAcceptor
{
    /// <summary>CLIENT_IDENT: a new session, or an existing one to take over (or WAIT, or stale).</summary>
    ValueTask<AcceptStep> AcceptIdentAsync(AcceptContext context, ClientIdentFrame ident, CancellationToken cancellationToken);

    /// <summary>SESSION_RECONNECT: resume the existing session, or tell the client why not.</summary>
    ValueTask<AcceptStep> AcceptReconnectAsync(AcceptContext context, SessionReconnectFrame reconnect, CancellationToken cancellationToken);

    /// <summary>The socket that <paramref name="step"/> bound to a session failed before READY.</summary>
    void Abandon(AcceptStep step, ConnectionFailure failure);
}

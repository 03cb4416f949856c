using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Protocol.Sessions;
using KestrelMessenger.Wire;
using Microsoft.AspNetCore.Connections;

namespace KestrelMessenger.Connections;

/// <summary>How one connect attempt of a session ended.</summary>
internal abstract record ConnectOutcome
{
    private ConnectOutcome()
    {
    }

    /// <summary>The socket reached READY and has since ended; its fault was handled then.</summary>
    public sealed record Ran : ConnectOutcome;

    /// <summary>The peer answered WAIT.</summary>
    public sealed record Waited : ConnectOutcome;

    /// <summary>It never reached READY.</summary>
    public sealed record Failed(ConnectionFailure Failure) : ConnectOutcome;
}

/// <summary>
/// One socket a session opens to its peer, from TCP connect to the end of READY: the session the client
/// handshake's session step talks to (<see cref="IConnectingSession"/>), bound to this attempt so that an
/// attempt the session no longer wants (a socket from the peer took the session over) changes nothing.
/// </summary>
internal sealed class ConnectAttempt(MessengerConnection session, EntityAddr target) : IConnectingSession
{
    private readonly object _lock = new();
    private ConnectionContext? _transport;
    private string? _aborted;

    /// <summary>The session.</summary>
    public MessengerConnection Session => session;

    /// <summary>The peer's msgr2 address dialled.</summary>
    public EntityAddr Target => target;

    /// <summary>The peer answered WAIT.</summary>
    public bool Waited { get; private set; }

    /// <summary>The socket reached READY.</summary>
    public bool ReachedReady { get; private set; }

    /// <summary>The attempt's socket, once connected; aborted at once if the attempt already was.</summary>
    public void Attach(ConnectionContext transport)
    {
        string? aborted;
        lock (_lock)
        {
            _transport = transport;
            aborted = _aborted;
        }

        if (aborted is not null)
        {
            transport.Abort(new ConnectionAbortedException(aborted));
        }
    }

    /// <summary>Ends the attempt: its socket is closed, now or as soon as it exists.</summary>
    public void Abort(string reason)
    {
        ConnectionContext? transport;
        lock (_lock)
        {
            _aborted ??= reason;
            transport = _transport;
        }

        transport?.Abort(new ConnectionAbortedException(reason));
    }

    /// <summary>The session took the socket into READY.</summary>
    public void MarkReady() => ReachedReady = true;

    public ClientSessionStep Begin() => session.ClientBegin(this);

    public ClientSessionStep OnReset(bool full) => session.ClientReset(this, full);

    public ClientSessionStep OnRetry(ulong serverConnectSeq) => session.ClientRetry(this, serverConnectSeq);

    public ClientSessionStep OnRetryGlobal(ulong serverGlobalSeq) => session.ClientRetryGlobal(this, serverGlobalSeq);

    public void OnServerIdent(ServerIdentFrame ident) => session.ClientEstablished(this, ident);

    public HandshakeResult OnReconnectOk(ulong serverInSeq) => session.ClientResumed(this, serverInSeq);

    public void OnWait() => Waited = true;
}

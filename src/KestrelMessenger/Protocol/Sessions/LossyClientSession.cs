using KestrelMessenger.Protocol.Frames;

namespace KestrelMessenger.Protocol.Sessions;

/// <summary>
/// The session step of a connection made without a session behind it: always a new session with no
/// cookie, as a lossy client starts every connection. It never resumes anything, so the answers only a
/// reconnect gets are protocol errors.
/// </summary>
internal sealed class LossyClientSession(IHandshakeHost host) : IConnectingSession
{
    public ClientSessionStep Begin() => new ClientSessionStep.SendIdent(new ClientSession(0, 0, host.NextGlobalSeq(), 0, 0), DropQueued: false);

    public ClientSessionStep OnReset(bool full) => throw NotReconnecting("SESSION_RESET");

    public ClientSessionStep OnRetry(ulong serverConnectSeq) => throw NotReconnecting("SESSION_RETRY");

    public ClientSessionStep OnRetryGlobal(ulong serverGlobalSeq) => throw NotReconnecting("SESSION_RETRY_GLOBAL");

    public void OnServerIdent(ServerIdentFrame ident)
    {
    }

    public HandshakeResult OnReconnectOk(ulong serverInSeq) => throw NotReconnecting("SESSION_RECONNECT_OK");

    public void OnWait()
    {
    }

    private static ProtocolException NotReconnecting(string frame) => new($"{frame} answers a reconnect, which this connection never sent");
}

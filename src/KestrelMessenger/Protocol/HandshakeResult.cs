using KestrelMessenger.Frames;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol;

/// <summary>Which end of the TCP connection we are.</summary>
public enum HandshakeRole
{
    /// <summary>We connected.</summary>
    Client,
    /// <summary>We accepted.</summary>
    Server,
}

/// <summary>
/// The negotiated outcome of a msgr2 handshake, carried in <c>ConnectionContext.Features</c>
/// the way TLS carries <c>ITlsHandshakeFeature</c>.
/// </summary>
public interface ICephHandshakeFeature
{
    /// <summary>The outcome.</summary>
    HandshakeResult Result { get; }
}

/// <summary>What both sides agreed on.</summary>
public sealed record HandshakeResult : ICephHandshakeFeature
{
    /// <inheritdoc />
    HandshakeResult ICephHandshakeFeature.Result => this;

    /// <summary>Our end.</summary>
    public required HandshakeRole Role { get; init; }

    /// <summary>The peer's msg-layer name: HELLO's type and IDENT's gid.</summary>
    public required EntityName PeerName { get; init; }

    /// <summary>The addresses the peer identified with.</summary>
    public required EntityAddrVec PeerAddrs { get; init; }

    /// <summary>The features the peer advertised.</summary>
    public required ulong PeerFeatures { get; init; }

    /// <summary>Features both sides have: what message encodings may assume.</summary>
    public required ulong Features { get; init; }

    /// <summary>CRC or secure.</summary>
    public required ConnectionMode Mode { get; init; }

    /// <summary>The global id from AUTH_DONE (the client's id as the auth server knows it).</summary>
    public required ulong GlobalId { get; init; }

    /// <summary>What authentication established: method, mode, global id, and (server role) who the peer proved to be.</summary>
    public required CephAuthResult Auth { get; init; }

    /// <summary>The peer's auth name, when the auth method revealed it (server role).</summary>
    public AuthEntityName? PeerAuthName => Auth.Peer?.Name;

    /// <summary>The connection's auth state (a cephx monitor session's challenge and keys live on in it).</summary>
    internal AuthConnectionContext? AuthContext { get; init; }

    /// <summary>The connection's frame codec, negotiated by the handshake and used by the READY loops.</summary>
    internal FrameCodec Codec { get; init; } = CrcFrameCodec.Instance;

    /// <summary>True when the session is lossy (the server's flag decides).</summary>
    public required bool Lossy { get; init; }

    /// <summary>The peer's global_seq from its IDENT.</summary>
    public required ulong PeerGlobalSeq { get; init; }

    /// <summary>Client cookie (0 when lossy).</summary>
    public required ulong ClientCookie { get; init; }

    /// <summary>Server cookie (0 when lossy).</summary>
    public required ulong ServerCookie { get; init; }

    /// <summary>This socket resumed an existing session (SESSION_RECONNECT_OK) instead of starting one.</summary>
    public bool Resumed { get; init; }

    /// <summary>Our address as the peer sees it (from its HELLO).</summary>
    public EntityAddr? MyAddrAsSeen { get; init; }

    /// <summary>Banner to READY.</summary>
    public required TimeSpan Duration { get; init; }
}

/// <summary>How a handshake ended, short of an error (those are <see cref="ProtocolException"/>s with a <see cref="FailureKind"/>).</summary>
internal abstract record HandshakeOutcome
{
    private HandshakeOutcome()
    {
    }

    /// <summary>READY: <paramref name="Result"/> negotiated; an accepted socket serves <paramref name="Session"/>.</summary>
    public sealed record Ready(HandshakeResult Result, Sessions.IAcceptedSession? Session) : HandshakeOutcome;

    /// <summary>WAIT was sent or received: a connection race, which the other connection wins.</summary>
    public sealed record Wait : HandshakeOutcome;

    /// <summary>The accepted socket is stale (an older global_seq than the session it claims): closed without a word.</summary>
    public sealed record Stale : HandshakeOutcome;
}

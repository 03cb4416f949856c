using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Auth;

/// <summary>
/// One connection's auth state from AUTH_REQUEST to READY (Ceph's <c>AuthConnectionMeta</c>). The
/// handshake owns it and fills in what it negotiates; the auth method keeps its own per-connection
/// state (a cephx authorizer, its nonce, the server's challenge) in <see cref="MethodState"/>.
/// </summary>
public sealed class AuthConnectionContext
{
    internal AuthConnectionContext(HandshakeRole role, EntityType myType, EntityType peerType)
    {
        Role = role;
        MyType = myType;
        PeerType = peerType;
    }

    /// <summary>Which end we are.</summary>
    public HandshakeRole Role { get; }

    /// <summary>Our entity type.</summary>
    public EntityType MyType { get; }

    /// <summary>The peer's entity type (from its HELLO).</summary>
    public EntityType PeerType { get; internal set; }

    /// <summary>The <see cref="AuthMethod"/> being tried.</summary>
    public uint Method { get; internal set; }

    /// <summary>Client: the modes offered. Server: the modes the client offered.</summary>
    public IReadOnlyList<ConnectionMode> PreferredModes { get; internal set; } = [];

    /// <summary>The chosen connection mode: the server picks it before judging the request; the client learns it from AUTH_DONE.</summary>
    public ConnectionMode Mode { get; internal set; }

    /// <summary>The auth method's own per-connection state.</summary>
    public object? MethodState { get; set; }

    /// <summary>The keys, once auth is done.</summary>
    public AuthKeys Keys { get; internal set; }
}

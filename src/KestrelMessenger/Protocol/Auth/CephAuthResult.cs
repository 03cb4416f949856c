namespace KestrelMessenger.Protocol.Auth;

/// <summary>
/// The negotiated auth outcome of a connection, carried in <c>ConnectionContext.Features</c> next to the
/// handshake's (as TLS carries its handshake and its client certificate).
/// </summary>
public interface ICephAuthFeature
{
    /// <summary>The outcome.</summary>
    CephAuthResult Auth { get; }
}

/// <summary>What authentication established on one connection.</summary>
/// <param name="Method">The <see cref="AuthMethod"/> used.</param>
/// <param name="Mode">The connection mode the server chose.</param>
/// <param name="GlobalId">The client's global id (AUTH_DONE's).</param>
/// <param name="Peer">Who the peer proved to be (server role; null where we dialled out: the peer is whom we reached).</param>
public sealed record CephAuthResult(uint Method, ConnectionMode Mode, ulong GlobalId, AuthPeer? Peer) : ICephAuthFeature
{
    /// <inheritdoc />
    CephAuthResult ICephAuthFeature.Auth => this;
}

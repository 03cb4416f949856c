using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Cli;

/// <summary>
/// The process's <see cref="IAuthClient"/>, remembering the type of the last peer it began to
/// authenticate with. A ping dials <see cref="EntityType.Any"/> and learns the peer's type only from
/// its HELLO; when auth then fails, this says whether a monitor refused us or a daemon we had no
/// ticket for. kmsgr runs one handshake at a time, so "the last" is the one that failed.
/// </summary>
internal sealed class PeerTypeRecorder(IAuthClient inner) : IAuthClient
{
    private volatile int _lastPeerType = -1;

    /// <summary>The peer type of the last auth attempt, or null before any.</summary>
    public EntityType? LastPeerType => _lastPeerType < 0 ? null : (EntityType)_lastPeerType;

    /// <summary>Forgets the last peer type (before a new connection).</summary>
    public void Reset() => _lastPeerType = -1;

    /// <inheritdoc />
    public IReadOnlyList<uint> Methods => inner.Methods;

    /// <inheritdoc />
    public AuthClientResult GetAuthRequest(AuthConnectionContext context)
    {
        _lastPeerType = (int)context.PeerType;
        return inner.GetAuthRequest(context);
    }

    /// <inheritdoc />
    public AuthClientResult HandleAuthReplyMore(AuthConnectionContext context, ReadOnlyMemory<byte> payload) => inner.HandleAuthReplyMore(context, payload);

    /// <inheritdoc />
    public AuthClientResult HandleAuthDone(AuthConnectionContext context, ulong globalId, ReadOnlyMemory<byte> payload) => inner.HandleAuthDone(context, globalId, payload);
}

using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Auth;

/// <summary>
/// The client half of the auth methods a process speaks (Ceph's <c>AuthClient</c>, which ceph-osd's
/// MonClient is for all of its messengers). The handshake picks the method and the modes (see
/// <see cref="AuthRegistry"/>); the client builds the payloads and, when done, yields the keys. One
/// instance serves every connection of every messenger of a process, so implementations are
/// thread-safe and keep per-connection state in <see cref="AuthConnectionContext.MethodState"/>.
/// </summary>
public interface IAuthClient
{
    /// <summary>The <see cref="AuthMethod"/>s this client can speak now, in order of preference.</summary>
    IReadOnlyList<uint> Methods { get; }

    /// <summary>The AUTH_REQUEST payload for <see cref="AuthConnectionContext.Method"/> towards the context's peer.</summary>
    AuthClientResult GetAuthRequest(AuthConnectionContext context);

    /// <summary>Answers AUTH_REPLY_MORE: the payload of AUTH_REQUEST_MORE.</summary>
    AuthClientResult HandleAuthReplyMore(AuthConnectionContext context, ReadOnlyMemory<byte> payload);

    /// <summary>Completes on AUTH_DONE (<see cref="AuthConnectionContext.Mode"/> is the server's choice): the keys, or a refusal.</summary>
    AuthClientResult HandleAuthDone(AuthConnectionContext context, ulong globalId, ReadOnlyMemory<byte> payload);
}

/// <summary>What the client's auth method says at one step.</summary>
public abstract record AuthClientResult
{
    private AuthClientResult()
    {
    }

    /// <summary>Send this payload (AUTH_REQUEST or AUTH_REQUEST_MORE).</summary>
    public sealed record Send(ReadOnlyMemory<byte> Payload) : AuthClientResult;

    /// <summary>Authenticated: the keys that sign the pre-auth bytes and protect the frames.</summary>
    public sealed record Done(AuthKeys Keys) : AuthClientResult;

    /// <summary>Cannot go on (negative errno, and why in our words): the connection closes as refused.</summary>
    public sealed record Failed(int Errno, string Reason) : AuthClientResult;
}

/// <summary>
/// What an auth method yields: the session key (signs AUTH_SIGNATURE; empty for none, which signs with
/// zeros) and the connection secret (secure mode's AES key and nonces; empty in crc mode).
/// </summary>
/// <param name="SessionKey">The raw session key.</param>
/// <param name="ConnectionSecret">The raw connection secret.</param>
public readonly record struct AuthKeys(ReadOnlyMemory<byte> SessionKey, ReadOnlyMemory<byte> ConnectionSecret)
{
    /// <summary>Auth none: no key, no secret.</summary>
    public static AuthKeys None => default;

    /// <inheritdoc />
    public override string ToString() => $"AuthKeys(session key {SessionKey.Length} bytes, connection secret {ConnectionSecret.Length} bytes)";
}

/// <summary>
/// The server half of the auth methods a process accepts (Ceph's <c>AuthServer</c>: a monitor's own,
/// or a daemon's MonClient with its rotating service keys). The handshake has already checked the
/// method is allowed for the peer and picked the mode (<see cref="AuthConnectionContext.Mode"/>).
/// Thread-safe; per-connection state lives in the context.
/// </summary>
public interface IAuthServer
{
    /// <summary>The <see cref="AuthMethod"/>s this server can verify now, in order of preference.</summary>
    IReadOnlyList<uint> Methods { get; }

    /// <summary>Judges an AUTH_REQUEST (<paramref name="more"/> false) or AUTH_REQUEST_MORE payload.</summary>
    AuthServerResult HandleAuthRequest(AuthConnectionContext context, ReadOnlyMemory<byte> payload, bool more);
}

/// <summary>The server's verdict on one auth request.</summary>
public abstract record AuthServerResult
{
    private AuthServerResult()
    {
    }

    /// <summary>Authenticated: send AUTH_DONE with <paramref name="Payload"/>.</summary>
    /// <param name="GlobalId">The client's global id.</param>
    /// <param name="Peer">Who the peer proved to be.</param>
    /// <param name="Payload">AUTH_DONE's method payload.</param>
    /// <param name="Keys">Session key and connection secret.</param>
    public sealed record Done(ulong GlobalId, AuthPeer Peer, ReadOnlyMemory<byte> Payload, AuthKeys Keys) : AuthServerResult;

    /// <summary>Another round: send AUTH_REPLY_MORE.</summary>
    public sealed record More(ReadOnlyMemory<byte> Payload) : AuthServerResult;

    /// <summary>Refused with a negative errno: send AUTH_BAD_METHOD.</summary>
    public sealed record Failed(int Errno, string Reason) : AuthServerResult;
}

/// <summary>Who an authenticated peer is, as its auth method proved it.</summary>
/// <param name="Name">The auth name (<c>client.admin</c>, <c>osd.3</c>).</param>
/// <param name="Caps">Its capabilities as text, per service (<c>mon</c> → <c>allow *</c>); empty when the method grants everything (none).</param>
public sealed record AuthPeer(AuthEntityName Name, IReadOnlyDictionary<string, string> Caps)
{
    /// <summary>A peer with no caps recorded.</summary>
    public AuthPeer(AuthEntityName name)
        : this(name, new Dictionary<string, string>())
    {
    }
}

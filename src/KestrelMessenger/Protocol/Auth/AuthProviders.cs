using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Auth;

/// <summary>What the client puts in AUTH_REQUEST.</summary>
/// <param name="Method">A <see cref="AuthMethod"/> number.</param>
/// <param name="PreferredModes">Connection modes in order of preference.</param>
/// <param name="Payload">The method's payload.</param>
public sealed record AuthRequest(uint Method, IReadOnlyList<ConnectionMode> PreferredModes, ReadOnlyMemory<byte> Payload);

/// <summary>
/// The client half of an auth method (Ceph's <c>AuthClient</c>): builds requests, answers
/// challenges, and yields the session key that signs the pre-auth bytes (empty for none).
/// One instance serves every connection of a messenger, so implementations are thread-safe.
/// </summary>
public interface IAuthClient
{
    /// <summary>The first AUTH_REQUEST towards a peer of <paramref name="peerType"/>.</summary>
    AuthRequest GetAuthRequest(EntityType peerType);

    /// <summary>Answers AUTH_REPLY_MORE with the payload of AUTH_REQUEST_MORE.</summary>
    ReadOnlyMemory<byte> HandleAuthReplyMore(EntityType peerType, ReadOnlySpan<byte> payload);

    /// <summary>Completes on AUTH_DONE; returns the session key (empty: signatures are zeros).</summary>
    ReadOnlyMemory<byte> HandleAuthDone(EntityType peerType, ulong globalId, ConnectionMode mode, ReadOnlySpan<byte> payload);

    /// <summary>Picks another request after AUTH_BAD_METHOD, or null to give up.</summary>
    AuthRequest? HandleAuthBadMethod(EntityType peerType, AuthBadMethodFrame refusal);
}

/// <summary>A request as the server's auth method sees it.</summary>
/// <param name="PeerType">From the client's HELLO.</param>
/// <param name="Method">The requested method.</param>
/// <param name="Payload">AUTH_REQUEST or AUTH_REQUEST_MORE payload.</param>
/// <param name="IsMore">True for AUTH_REQUEST_MORE.</param>
public readonly record struct AuthServerRequest(EntityType PeerType, uint Method, ReadOnlyMemory<byte> Payload, bool IsMore);

/// <summary>The server's verdict on one auth request.</summary>
public abstract record AuthServerResult
{
    private AuthServerResult()
    {
    }

    /// <summary>Authenticated: send AUTH_DONE.</summary>
    public sealed record Done(ulong GlobalId, AuthEntityName? PeerName, ReadOnlyMemory<byte> Payload, ReadOnlyMemory<byte> SessionKey) : AuthServerResult;

    /// <summary>Another round: send AUTH_REPLY_MORE.</summary>
    public sealed record More(ReadOnlyMemory<byte> Payload) : AuthServerResult;

    /// <summary>Refused with a negative errno: send AUTH_BAD_METHOD.</summary>
    public sealed record Failed(int Errno, string Reason) : AuthServerResult;
}

/// <summary>The server half of the auth methods a messenger accepts (Ceph's <c>AuthServer</c>).</summary>
public interface IAuthServer
{
    /// <summary>Methods accepted, in order of preference.</summary>
    IReadOnlyList<uint> AllowedMethods { get; }

    /// <summary>Connection modes allowed with <paramref name="method"/>, in order of preference.</summary>
    IReadOnlyList<ConnectionMode> AllowedModes(uint method);

    /// <summary>Judges an AUTH_REQUEST or AUTH_REQUEST_MORE.</summary>
    AuthServerResult HandleAuthRequest(AuthServerRequest request);
}

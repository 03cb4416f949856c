using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Auth;

/// <summary>The first byte of an auth payload (<c>AUTH_MODE_*</c>).</summary>
public static class AuthPayloadMode
{
    /// <summary>A daemon authorizer (range 1..9).</summary>
    public const byte Authorizer = 1;
    /// <summary>Logging in to a monitor (range 10..19).</summary>
    public const byte Mon = 10;
}

/// <summary>
/// Auth "none", client side: towards a monitor it logs in (mode 10, name, global id) and keeps the
/// global id the monitor assigns; towards daemons it sends the none authorizer (mode 1, name,
/// global id). Only CRC mode is possible without a key.
/// </summary>
public sealed class AuthNoneClient(AuthEntityName name) : IAuthClient
{
    private long _globalId;

    /// <summary>The auth name presented.</summary>
    public AuthEntityName Name { get; } = name;

    /// <summary>The global id last assigned by a monitor (0 before any).</summary>
    public ulong GlobalId
    {
        get => (ulong)Interlocked.Read(ref _globalId);
        set => Interlocked.Exchange(ref _globalId, (long)value);
    }

    /// <inheritdoc />
    public AuthRequest GetAuthRequest(EntityType peerType)
    {
        using var writer = new DencWriter(64);
        writer.WriteU8(peerType == EntityType.Mon ? AuthPayloadMode.Mon : AuthPayloadMode.Authorizer);
        Name.Encode(writer);
        writer.WriteU64(GlobalId);
        return new AuthRequest(AuthMethod.None, [ConnectionMode.Crc], writer.ToArray());
    }

    /// <inheritdoc />
    public ReadOnlyMemory<byte> HandleAuthReplyMore(EntityType peerType, ReadOnlySpan<byte> payload) =>
        throw new ProtocolException("auth none has no second round, but the server sent AUTH_REPLY_MORE");

    /// <inheritdoc />
    public ReadOnlyMemory<byte> HandleAuthDone(EntityType peerType, ulong globalId, ConnectionMode mode, ReadOnlySpan<byte> payload)
    {
        if (peerType == EntityType.Mon && globalId != 0)
        {
            GlobalId = globalId;
        }

        return ReadOnlyMemory<byte>.Empty;
    }

    /// <inheritdoc />
    public AuthRequest? HandleAuthBadMethod(EntityType peerType, AuthBadMethodFrame refusal) => null;
}

/// <summary>
/// Auth "none", server side, as a monitor and as a daemon: accepts any name; a monitor-mode login
/// with global id 0 gets a fresh one. An empty authorizer is refused (-EACCES) as Ceph refuses it
/// when an authorizer is required.
/// </summary>
public sealed class AuthNoneServer : IAuthServer
{
    private long _nextGlobalId;

    /// <summary>Creates a server that hands out global ids after <paramref name="firstGlobalId"/> - 1.</summary>
    public AuthNoneServer(ulong firstGlobalId = 4096) => _nextGlobalId = (long)firstGlobalId - 1;

    /// <inheritdoc />
    public IReadOnlyList<uint> AllowedMethods { get; } = [AuthMethod.None];

    /// <inheritdoc />
    public IReadOnlyList<ConnectionMode> AllowedModes(uint method) => method == AuthMethod.None ? [ConnectionMode.Crc] : [];

    /// <inheritdoc />
    public AuthServerResult HandleAuthRequest(AuthServerRequest request)
    {
        if (request.IsMore)
        {
            return new AuthServerResult.Failed(Errno.EINVAL, "auth none has no second round");
        }

        if (request.Payload.IsEmpty)
        {
            return new AuthServerResult.Failed(Errno.EACCES, "empty authorizer");
        }

        var reader = new DencReader(request.Payload.Span);
        try
        {
            byte mode = reader.ReadU8();
            if (mode is not (>= AuthPayloadMode.Authorizer and < 20))
            {
                return new AuthServerResult.Failed(Errno.EACCES, $"auth payload mode {mode} is neither an authorizer nor a monitor login");
            }

            AuthEntityName name = AuthEntityName.Decode(ref reader);
            ulong globalId = reader.ReadU64();
            if (mode >= AuthPayloadMode.Mon && globalId == 0)
            {
                globalId = (ulong)Interlocked.Increment(ref _nextGlobalId);
            }

            return new AuthServerResult.Done(globalId, name, ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty);
        }
        catch (DecodeException e)
        {
            return new AuthServerResult.Failed(Errno.EACCES, $"malformed auth none payload: {e.Message}");
        }
    }
}

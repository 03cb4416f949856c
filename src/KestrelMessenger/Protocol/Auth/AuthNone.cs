using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Auth;

/// <summary>The first byte of an auth payload (<c>AUTH_MODE_*</c>).</summary>
public static class AuthPayloadMode
{
    /// <summary>A daemon authorizer (range 1..9).</summary>
    public const byte Authorizer = 1;
    /// <summary>Logging in to a monitor (range 10..19).</summary>
    public const byte Mon = 10;

    /// <summary>Writes the monitor-login prefix every method shares: mode 10, auth name, global id.</summary>
    public static void WriteMonPrefix(DencWriter writer, AuthEntityName name, ulong globalId)
    {
        writer.WriteU8(Mon);
        name.Encode(writer);
        writer.WriteU64(globalId);
    }
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
    public IReadOnlyList<uint> Methods { get; } = [AuthMethod.None];

    /// <summary>The payload auth none sends towards a peer of <paramref name="peerType"/>.</summary>
    public byte[] RequestPayload(EntityType peerType)
    {
        using var writer = new DencWriter(64);
        if (peerType == EntityType.Mon)
        {
            AuthPayloadMode.WriteMonPrefix(writer, Name, GlobalId);
        }
        else
        {
            writer.WriteU8(AuthPayloadMode.Authorizer);
            Name.Encode(writer);
            writer.WriteU64(GlobalId);
        }

        return writer.ToArray();
    }

    /// <inheritdoc />
    public AuthClientResult GetAuthRequest(AuthConnectionContext context) => new AuthClientResult.Send(RequestPayload(context.PeerType));

    /// <inheritdoc />
    public AuthClientResult HandleAuthReplyMore(AuthConnectionContext context, ReadOnlyMemory<byte> payload) =>
        new AuthClientResult.Failed(Errno.EINVAL, "auth none has no second round, but the server sent AUTH_REPLY_MORE");

    /// <inheritdoc />
    public AuthClientResult HandleAuthDone(AuthConnectionContext context, ulong globalId, ReadOnlyMemory<byte> payload)
    {
        if (context.PeerType == EntityType.Mon && globalId != 0)
        {
            GlobalId = globalId;
        }

        return new AuthClientResult.Done(AuthKeys.None);
    }
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
    public IReadOnlyList<uint> Methods { get; } = [AuthMethod.None];

    /// <inheritdoc />
    public AuthServerResult HandleAuthRequest(AuthConnectionContext context, ReadOnlyMemory<byte> payload, bool more)
    {
        if (more)
        {
            return new AuthServerResult.Failed(Errno.EINVAL, "auth none has no second round");
        }

        if (payload.IsEmpty)
        {
            return new AuthServerResult.Failed(Errno.EACCES, "empty authorizer");
        }

        var reader = new DencReader(payload.Span);
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

            return new AuthServerResult.Done(globalId, new AuthPeer(name), ReadOnlyMemory<byte>.Empty, AuthKeys.None);
        }
        catch (DecodeException e)
        {
            return new AuthServerResult.Failed(Errno.EACCES, $"malformed auth none payload: {e.Message}");
        }
    }
}

using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Auth.Cephx;

/// <summary>cephx request types (<c>CEPHX_GET_*</c>), the <c>request_type</c> of request and response headers.</summary>
public static class CephxRequestType
{
    /// <summary><c>CEPHX_GET_AUTH_SESSION_KEY</c>: log in (prove the secret, get the AUTH ticket).</summary>
    public const ushort GetAuthSessionKey = 0x0100;

    /// <summary><c>CEPHX_GET_PRINCIPAL_SESSION_KEY</c>: get service tickets, authorized by the AUTH ticket.</summary>
    public const ushort GetPrincipalSessionKey = 0x0200;

    /// <summary><c>CEPHX_GET_ROTATING_KEY</c>: a daemon fetches its service's rotating secrets.</summary>
    public const ushort GetRotatingKey = 0x0400;
}

/// <summary>Masks of entity types as cephx uses them (want/have/need keys, <c>other_keys</c>).</summary>
public static class CephxServiceMask
{
    /// <summary>The bit of <paramref name="type"/>.</summary>
    public static uint Of(EntityType type) => (uint)type;

    /// <summary>What a librados client wants by default: MON, OSD and MGR tickets (AUTH is always added).</summary>
    public const uint DefaultClientWant = (uint)(EntityType.Mon | EntityType.Osd | EntityType.Mgr);

    /// <summary>Each single-type bit set in <paramref name="mask"/>, lowest first (Ceph's <c>for (i = 1; i &lt;= mask; i &lt;&lt;= 1)</c>).</summary>
    public static IEnumerable<EntityType> Types(uint mask)
    {
        for (uint bit = 1; bit != 0 && bit <= mask; bit <<= 1)
        {
            if ((mask & bit) != 0)
            {
                yield return (EntityType)bit;
            }
        }
    }
}

/// <summary><c>CephXServerChallenge</c>: the monitor's first AUTH_REPLY_MORE (u8 v=1, u64 server_challenge).</summary>
/// <param name="ServerChallenge">The monitor's random, non-zero challenge.</param>
public readonly record struct CephXServerChallenge(ulong ServerChallenge) : ICephxEncodable, ICephxDecodable<CephXServerChallenge>
{
    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
        writer.WriteU8(1);
        writer.WriteU64(ServerChallenge);
    }

    /// <inheritdoc />
    public static CephXServerChallenge Decode(ref DencReader reader)
    {
        reader.ReadU8();
        return new CephXServerChallenge(reader.ReadU64());
    }
}

/// <summary><c>CephXRequestHeader</c>: u16 request_type.</summary>
/// <param name="RequestType">A <see cref="CephxRequestType"/> value.</param>
public readonly record struct CephXRequestHeader(ushort RequestType) : ICephxEncodable, ICephxDecodable<CephXRequestHeader>
{
    /// <inheritdoc />
    public void Encode(DencWriter writer) => writer.WriteU16(RequestType);

    /// <inheritdoc />
    public static CephXRequestHeader Decode(ref DencReader reader) => new(reader.ReadU16());
}

/// <summary><c>CephXResponseHeader</c>: u16 request_type, i32 status.</summary>
/// <param name="RequestType">The request answered.</param>
/// <param name="Status">0, or a negative errno.</param>
public readonly record struct CephXResponseHeader(ushort RequestType, int Status) : ICephxEncodable, ICephxDecodable<CephXResponseHeader>
{
    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
        writer.WriteU16(RequestType);
        writer.WriteI32(Status);
    }

    /// <inheritdoc />
    public static CephXResponseHeader Decode(ref DencReader reader) => new(reader.ReadU16(), reader.ReadI32());
}

/// <summary>
/// <c>CephXTicketBlob</c> (u8 v=1, u64 secret_id, bufferlist blob): a ticket as its holder sees it,
/// opaque: <see cref="Blob"/> is a <see cref="CephXServiceTicketInfo"/> encrypted with the service's
/// rotating secret number <see cref="SecretId"/>.
/// </summary>
/// <param name="SecretId">Which rotating secret of the service encrypted the blob (<c>u64 -1</c>: the service's own key).</param>
/// <param name="Blob">The encrypted envelope (raw ciphertext).</param>
public sealed record CephXTicketBlob(ulong SecretId, ReadOnlyMemory<byte> Blob) : ICephxEncodable, ICephxDecodable<CephXTicketBlob>
{
    /// <summary>The empty ticket a client without one sends (secret_id 0, no blob).</summary>
    public static CephXTicketBlob Empty { get; } = new(0, ReadOnlyMemory<byte>.Empty);

    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
        writer.WriteU8(1);
        writer.WriteU64(SecretId);
        writer.WriteBlob(Blob.Span);
    }

    /// <inheritdoc />
    public static CephXTicketBlob Decode(ref DencReader reader)
    {
        reader.ReadU8();
        ulong secretId = reader.ReadU64();
        return new CephXTicketBlob(secretId, reader.ReadBlob().ToArray());
    }
}

/// <summary>
/// <c>CephXAuthenticate</c>, the body of GET_AUTH_SESSION_KEY. Ceph 16.2 sends v3 (u8 v=3, u64
/// client_challenge, u64 key, CephXTicketBlob old_ticket, u32 other_keys); v1 lacks other_keys.
/// </summary>
/// <param name="ClientChallenge">The client's random challenge.</param>
/// <param name="Key">The fold-XOR proof (<see cref="CephxCrypto.ChallengeKey"/>).</param>
/// <param name="OldTicket">The AUTH ticket from an earlier login, or <see cref="CephXTicketBlob.Empty"/> (a v3 client must present it to reclaim its global id).</param>
/// <param name="OtherKeys">Service tickets wanted at once (a <see cref="CephxServiceMask"/>), Nautilus+.</param>
/// <param name="Version">struct_v as read (3 when written).</param>
public sealed record CephXAuthenticate(ulong ClientChallenge, ulong Key, CephXTicketBlob OldTicket, uint OtherKeys, byte Version = 3)
    : ICephxEncodable, ICephxDecodable<CephXAuthenticate>
{
    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
        writer.WriteU8(3);
        writer.WriteU64(ClientChallenge);
        writer.WriteU64(Key);
        OldTicket.Encode(writer);
        writer.WriteU32(OtherKeys);
    }

    /// <inheritdoc />
    public static CephXAuthenticate Decode(ref DencReader reader)
    {
        byte version = reader.ReadU8();
        ulong clientChallenge = reader.ReadU64();
        ulong key = reader.ReadU64();
        CephXTicketBlob oldTicket = CephXTicketBlob.Decode(ref reader);
        uint otherKeys = version >= 2 ? reader.ReadU32() : 0;
        return new CephXAuthenticate(clientChallenge, key, oldTicket, otherKeys, version);
    }
}

/// <summary><c>CephXChallengeBlob</c>: u64 server_challenge, u64 client_challenge (no version byte); encrypted to make the proof key.</summary>
/// <param name="ServerChallenge">From <see cref="CephXServerChallenge"/>.</param>
/// <param name="ClientChallenge">From <see cref="CephXAuthenticate"/>.</param>
public readonly record struct CephXChallengeBlob(ulong ServerChallenge, ulong ClientChallenge) : ICephxEncodable, ICephxDecodable<CephXChallengeBlob>
{
    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
        writer.WriteU64(ServerChallenge);
        writer.WriteU64(ClientChallenge);
    }

    /// <inheritdoc />
    public static CephXChallengeBlob Decode(ref DencReader reader) => new(reader.ReadU64(), reader.ReadU64());
}

/// <summary><c>CephXServiceTicketRequest</c> (u8 v=1, u32 keys): which service tickets GET_PRINCIPAL_SESSION_KEY asks for.</summary>
/// <param name="Keys">A <see cref="CephxServiceMask"/>.</param>
public readonly record struct CephXServiceTicketRequest(uint Keys) : ICephxEncodable, ICephxDecodable<CephXServiceTicketRequest>
{
    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
        writer.WriteU8(1);
        writer.WriteU32(Keys);
    }

    /// <inheritdoc />
    public static CephXServiceTicketRequest Decode(ref DencReader reader)
    {
        reader.ReadU8();
        return new CephXServiceTicketRequest(reader.ReadU32());
    }
}

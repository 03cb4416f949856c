using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Auth.Cephx;

/// <summary>
/// The cephx authorizer a client sends a daemon as its AUTH_REQUEST payload (and, rebuilt, in
/// AUTH_REQUEST_MORE): u8 v=1 (which doubles as AUTH_MODE_AUTHORIZER), u64 global_id, u32 service_id,
/// <see cref="CephXTicketBlob"/> ticket, bufferlist enc(<see cref="CephXAuthorize"/>, ticket session key).
/// </summary>
/// <param name="GlobalId">The client's global id (must match the ticket's).</param>
/// <param name="ServiceId">The service the ticket is for.</param>
/// <param name="Ticket">The service ticket, opaque to the client.</param>
/// <param name="EncryptedAuthorize">Raw ciphertext of the <see cref="CephXAuthorize"/> envelope.</param>
public sealed record CephXAuthorizer(ulong GlobalId, uint ServiceId, CephXTicketBlob Ticket, ReadOnlyMemory<byte> EncryptedAuthorize)
    : ICephxEncodable, ICephxDecodable<CephXAuthorizer>
{
    /// <summary>The authorizer's struct_v.</summary>
    public const byte Version = 1;

    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
        WriteBase(writer, GlobalId, ServiceId, Ticket);
        writer.WriteBlob(EncryptedAuthorize.Span);
    }

    /// <summary>Writes everything but the encrypted <see cref="CephXAuthorize"/> (Ceph's <c>base_bl</c>).</summary>
    public static void WriteBase(DencWriter writer, ulong globalId, uint serviceId, CephXTicketBlob ticket)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(ticket);
        writer.WriteU8(Version);
        writer.WriteU64(globalId);
        writer.WriteU32(serviceId);
        ticket.Encode(writer);
    }

    /// <inheritdoc />
    public static CephXAuthorizer Decode(ref DencReader reader)
    {
        reader.ReadU8();
        ulong globalId = reader.ReadU64();
        uint serviceId = reader.ReadU32();
        CephXTicketBlob ticket = CephXTicketBlob.Decode(ref reader);
        return new CephXAuthorizer(globalId, serviceId, ticket, reader.ReadBlob().ToArray());
    }
}

/// <summary>
/// <c>CephXAuthorize</c> v2 (u8 v=2, u64 nonce, bool have_challenge, u64 server_challenge_plus_one):
/// the client's proof that it holds the ticket's session key.
/// </summary>
/// <param name="Nonce">Random; the daemon answers nonce + 1.</param>
/// <param name="HaveChallenge">True when answering the daemon's <see cref="CephXAuthorizeChallenge"/>.</param>
/// <param name="ServerChallengePlusOne">The daemon's challenge + 1 (0 without one).</param>
public readonly record struct CephXAuthorize(ulong Nonce, bool HaveChallenge, ulong ServerChallengePlusOne)
    : ICephxEncodable, ICephxDecodable<CephXAuthorize>
{
    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
        writer.WriteU8(2);
        writer.WriteU64(Nonce);
        writer.WriteBool(HaveChallenge);
        writer.WriteU64(ServerChallengePlusOne);
    }

    /// <inheritdoc />
    public static CephXAuthorize Decode(ref DencReader reader)
    {
        byte version = reader.ReadU8();
        ulong nonce = reader.ReadU64();
        if (version < 2)
        {
            return new CephXAuthorize(nonce, false, 0);
        }

        bool haveChallenge = reader.ReadU8() != 0;
        return new CephXAuthorize(nonce, haveChallenge, reader.ReadU64());
    }
}

/// <summary>
/// <c>CephXAuthorizeChallenge</c> (u8 v=1, u64 server_challenge): a daemon's anti-replay challenge,
/// sent as AUTH_REPLY_MORE's payload as <em>raw</em> envelope ciphertext (no length prefix).
/// </summary>
/// <param name="ServerChallenge">Random.</param>
public readonly record struct CephXAuthorizeChallenge(ulong ServerChallenge) : ICephxEncodable, ICephxDecodable<CephXAuthorizeChallenge>
{
    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
        writer.WriteU8(1);
        writer.WriteU64(ServerChallenge);
    }

    /// <inheritdoc />
    public static CephXAuthorizeChallenge Decode(ref DencReader reader)
    {
        reader.ReadU8();
        return new CephXAuthorizeChallenge(reader.ReadU64());
    }
}

/// <summary>
/// <c>CephXAuthorizeReply</c>: u8 v, u64 nonce_plus_one, and (v2, only when there is one) string
/// connection_secret. Sent in AUTH_DONE as bufferlist enc(…, ticket session key).
/// </summary>
/// <param name="NoncePlusOne">The client's nonce + 1.</param>
/// <param name="ConnectionSecret">64 random bytes in secure mode; empty in crc mode (then v1 is sent).</param>
public sealed record CephXAuthorizeReply(ulong NoncePlusOne, ReadOnlyMemory<byte> ConnectionSecret)
    : ICephxEncodable, ICephxDecodable<CephXAuthorizeReply>
{
    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
        bool withSecret = !ConnectionSecret.IsEmpty;
        writer.WriteU8(withSecret ? (byte)2 : (byte)1);
        writer.WriteU64(NoncePlusOne);
        if (withSecret)
        {
            writer.WriteBlob(ConnectionSecret.Span);
        }
    }

    /// <inheritdoc />
    public static CephXAuthorizeReply Decode(ref DencReader reader)
    {
        byte version = reader.ReadU8();
        ulong noncePlusOne = reader.ReadU64();
        ReadOnlyMemory<byte> secret = version >= 2 ? reader.ReadBlob().ToArray() : ReadOnlyMemory<byte>.Empty;
        return new CephXAuthorizeReply(noncePlusOne, secret);
    }
}

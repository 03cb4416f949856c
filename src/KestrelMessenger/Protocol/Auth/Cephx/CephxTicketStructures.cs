using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Auth.Cephx;

/// <summary>
/// <c>AuthCapsInfo</c> (u8 v=1, u8 allow_all, bufferlist caps). In a ticket minted by a monitor the
/// caps bufferlist holds one encoded <c>std::string</c>: the entity's caps for that service
/// ("allow *", "profile rbd", …).
/// </summary>
/// <param name="AllowAll">Set by auth none (all allowed); false in cephx tickets.</param>
/// <param name="Caps">The raw caps bufferlist.</param>
public sealed record AuthCapsInfo(bool AllowAll, ReadOnlyMemory<byte> Caps) : ICephxEncodable, ICephxDecodable<AuthCapsInfo>
{
    /// <summary>No caps.</summary>
    public static AuthCapsInfo None { get; } = new(false, ReadOnlyMemory<byte>.Empty);

    /// <summary>Caps holding the encoded string <paramref name="caps"/>, as a monitor puts them in a ticket.</summary>
    public static AuthCapsInfo FromText(string caps)
    {
        using var writer = new DencWriter(caps.Length + 8);
        writer.WriteString(caps);
        return new AuthCapsInfo(false, writer.ToArray());
    }

    /// <summary>The caps text when <see cref="Caps"/> is one encoded string (as Ceph mints it), otherwise null.</summary>
    public string? Text
    {
        get
        {
            if (Caps.IsEmpty)
            {
                return string.Empty;
            }

            try
            {
                var reader = new DencReader(Caps.Span);
                string text = reader.ReadString();
                return reader.End ? text : null;
            }
            catch (DecodeException)
            {
                return null;
            }
        }
    }

    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
        writer.WriteU8(1);
        writer.WriteBool(AllowAll);
        writer.WriteBlob(Caps.Span);
    }

    /// <inheritdoc />
    public static AuthCapsInfo Decode(ref DencReader reader)
    {
        reader.ReadU8();
        bool allowAll = reader.ReadU8() != 0;
        return new AuthCapsInfo(allowAll, reader.ReadBlob().ToArray());
    }
}

/// <summary>
/// <c>AuthTicket</c> v2: u8 v=2, EntityName name, u64 global_id, u64 auid (always
/// <c>CEPH_AUTH_UID_DEFAULT</c> = u64 -1, ignored), utime created, utime expires, AuthCapsInfo caps,
/// u32 flags. Ceph's in-memory <c>renew_after</c> is not part of the encoding.
/// </summary>
/// <param name="Name">Who the ticket is for.</param>
/// <param name="GlobalId">The holder's global id.</param>
/// <param name="Created">When the monitor minted it.</param>
/// <param name="Expires">When it stops being valid (monitor clock).</param>
/// <param name="Caps">The holder's caps for the ticket's service.</param>
/// <param name="Flags">Ticket flags (0 in practice).</param>
public sealed record AuthTicket(AuthEntityName Name, ulong GlobalId, UTime Created, UTime Expires, AuthCapsInfo Caps, uint Flags = 0)
    : ICephxEncodable, ICephxDecodable<AuthTicket>
{
    /// <summary><c>CEPH_AUTH_UID_DEFAULT</c>, the auid every ticket carries.</summary>
    public const ulong DefaultAuid = ulong.MaxValue;

    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
        writer.WriteU8(2);
        Name.Encode(writer);
        writer.WriteU64(GlobalId);
        writer.WriteU64(DefaultAuid);
        Created.Encode(writer);
        Expires.Encode(writer);
        Caps.Encode(writer);
        writer.WriteU32(Flags);
    }

    /// <inheritdoc />
    public static AuthTicket Decode(ref DencReader reader)
    {
        byte version = reader.ReadU8();
        AuthEntityName name = AuthEntityName.Decode(ref reader);
        ulong globalId = reader.ReadU64();
        if (version >= 2)
        {
            reader.ReadU64(); // old auid
        }

        UTime created = UTime.Decode(ref reader);
        UTime expires = UTime.Decode(ref reader);
        AuthCapsInfo caps = AuthCapsInfo.Decode(ref reader);
        uint flags = reader.ReadU32();
        return new AuthTicket(name, globalId, created, expires, caps, flags);
    }
}

/// <summary>
/// <c>CephXServiceTicket</c> (u8 v=1, CryptoKey session_key, utime validity): the client's half of a
/// ticket, encrypted with the client's secret (AUTH ticket) or with the AUTH session key (service tickets).
/// </summary>
/// <param name="SessionKey">The key shared with the service for this ticket.</param>
/// <param name="Validity">How long the ticket lasts, as a duration (seconds.nanoseconds).</param>
public sealed record CephXServiceTicket(CryptoKey SessionKey, UTime Validity) : ICephxEncodable, ICephxDecodable<CephXServiceTicket>
{
    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
        writer.WriteU8(1);
        SessionKey.Encode(writer);
        Validity.Encode(writer);
    }

    /// <inheritdoc />
    public static CephXServiceTicket Decode(ref DencReader reader)
    {
        reader.ReadU8();
        CryptoKey sessionKey = CryptoKey.Decode(ref reader);
        return new CephXServiceTicket(sessionKey, UTime.Decode(ref reader));
    }
}

/// <summary>
/// <c>CephXServiceTicketInfo</c> (u8 v=1, AuthTicket ticket, CryptoKey session_key): the service's half
/// of a ticket, which only the service can read: the <see cref="CephXTicketBlob"/> blob is this,
/// encrypted with the service's rotating secret.
/// </summary>
/// <param name="Ticket">Who, until when, with which caps.</param>
/// <param name="SessionKey">The same session key the client got in its <see cref="CephXServiceTicket"/>.</param>
public sealed record CephXServiceTicketInfo(AuthTicket Ticket, CryptoKey SessionKey) : ICephxEncodable, ICephxDecodable<CephXServiceTicketInfo>
{
    /// <inheritdoc />
    public void Encode(DencWriter writer)
    {
        writer.WriteU8(1);
        Ticket.Encode(writer);
        SessionKey.Encode(writer);
    }

    /// <inheritdoc />
    public static CephXServiceTicketInfo Decode(ref DencReader reader)
    {
        reader.ReadU8();
        AuthTicket ticket = AuthTicket.Decode(ref reader);
        return new CephXServiceTicketInfo(ticket, CryptoKey.Decode(ref reader));
    }
}

/// <summary>
/// One entry of a service ticket reply as it is on the wire, still encrypted: u32 service_id, u8 v=1,
/// bufferlist enc(<see cref="CephXServiceTicket"/>), u8 ticket_is_encrypted, then either
/// bufferlist enc(bufferlist(<see cref="CephXTicketBlob"/>), old session key) or bufferlist(<see cref="CephXTicketBlob"/>).
/// </summary>
/// <param name="ServiceId">The service (an <see cref="EntityType"/> bit).</param>
/// <param name="EncryptedServiceTicket">Raw ciphertext of the <see cref="CephXServiceTicket"/> envelope.</param>
/// <param name="TicketIsEncrypted">True when the ticket blob is itself encrypted (AUTH ticket renewed with a valid old ticket).</param>
/// <param name="Ticket">The ticket bytes: raw envelope ciphertext when encrypted, the encoded <see cref="CephXTicketBlob"/> otherwise.</param>
public sealed record CephXServiceTicketReplyEntry(uint ServiceId, ReadOnlyMemory<byte> EncryptedServiceTicket, bool TicketIsEncrypted, ReadOnlyMemory<byte> Ticket);

/// <summary>
/// The service ticket reply list (u8 v=1, u32 count, entries): what <c>cephx_build_service_ticket_reply</c>
/// writes and <c>CephXTicketManager::verify_service_ticket_reply</c> reads.
/// </summary>
public static class CephXServiceTicketReply
{
    // service_id + v + empty blob + encrypted flag + empty blob.
    private const int MinEntrySize = 4 + 1 + 4 + 1 + 4;

    /// <summary>Reads the list without decrypting anything; the count is bounded by what remains.</summary>
    public static List<CephXServiceTicketReplyEntry> Read(ref DencReader reader)
    {
        reader.ReadU8();
        int count = reader.ReadCount(MinEntrySize);
        var entries = new List<CephXServiceTicketReplyEntry>(count);
        for (int i = 0; i < count; i++)
        {
            uint serviceId = reader.ReadU32();
            reader.ReadU8();
            byte[] serviceTicket = reader.ReadBlob().ToArray();
            bool encrypted = reader.ReadU8() != 0;
            byte[] ticket = reader.ReadBlob().ToArray();
            entries.Add(new CephXServiceTicketReplyEntry(serviceId, serviceTicket, encrypted, ticket));
        }

        return entries;
    }

    /// <summary>
    /// Writes the list as a monitor does: per ticket, the <see cref="CephXServiceTicket"/> encrypted
    /// with <paramref name="principalSecret"/> and the ticket blob, encrypted with
    /// <paramref name="ticketEncryptionKey"/> when given (Ceph does that when a client reclaimed its
    /// global id with a valid old ticket: the key is the old ticket's session key).
    /// </summary>
    public static void Write(DencWriter writer, CryptoKey principalSecret, IReadOnlyList<CephxSessionAuthInfo> tickets, CryptoKey? ticketEncryptionKey = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(tickets);
        writer.WriteU8(1);
        writer.WriteU32((uint)tickets.Count);
        using var ticketBytes = new DencWriter(256);
        foreach (CephxSessionAuthInfo info in tickets)
        {
            writer.WriteU32(info.ServiceId);
            writer.WriteU8(1);
            CephxCrypto.WriteEncrypted(writer, new CephXServiceTicket(info.SessionKey, info.Validity), principalSecret);

            ticketBytes.Reset();
            CephxTicketMint.BuildTicketBlob(info).Encode(ticketBytes);
            writer.WriteBool(ticketEncryptionKey is not null);
            if (ticketEncryptionKey is not null)
            {
                CephxCrypto.WriteEncrypted(writer, new CephxBytes(ticketBytes.ToArray()), ticketEncryptionKey);
            }
            else
            {
                writer.WriteBlob(ticketBytes.WrittenSpan);
            }
        }
    }
}

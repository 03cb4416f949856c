using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Auth.Cephx;

/// <summary>
/// Ceph's <c>CephXSessionAuthInfo</c>: everything a monitor needs to issue one ticket.
/// </summary>
/// <param name="ServiceId">The service the ticket is for (an <see cref="EntityType"/> bit).</param>
/// <param name="SecretId">Which rotating secret of the service encrypts the ticket.</param>
/// <param name="Ticket">The ticket proper.</param>
/// <param name="SessionKey">A fresh session key shared by holder and service.</param>
/// <param name="ServiceSecret">The service's rotating secret number <paramref name="SecretId"/>.</param>
/// <param name="Validity">The ticket's lifetime, sent to the holder.</param>
public sealed record CephxSessionAuthInfo(uint ServiceId, ulong SecretId, AuthTicket Ticket, CryptoKey SessionKey, CryptoKey ServiceSecret, UTime Validity);

/// <summary>
/// The monitor's side of tickets: how a ticket is minted and encrypted (<c>KeyServer::build_session_auth_info</c>,
/// <c>cephx_build_service_ticket_blob</c>, <c>CephxServiceHandler</c>'s AUTH_DONE payload). KestrelMessenger
/// does not run a monitor; this exists so tests (and a future monitor) can produce exactly what a
/// Ceph monitor sends.
/// </summary>
public static class CephxTicketMint
{
    /// <summary>
    /// Mints a ticket for <paramref name="serviceId"/> as <c>AuthTicket::init_timestamps</c> does:
    /// created = now, expires = now + ttl, validity = ttl, with a fresh session key.
    /// </summary>
    public static CephxSessionAuthInfo Mint(
        EntityType serviceId, AuthEntityName name, ulong globalId, string caps, ulong secretId, CryptoKey serviceSecret, TimeSpan ttl, UTime now)
    {
        var ticket = new AuthTicket(name, globalId, now, CephxTime.Add(now, ttl), AuthCapsInfo.FromText(caps));
        return new CephxSessionAuthInfo((uint)serviceId, secretId, ticket, CryptoKey.Generate(now), serviceSecret, CephxTime.Duration(ttl));
    }

    /// <summary><c>cephx_build_service_ticket_blob</c>: encrypts the <see cref="CephXServiceTicketInfo"/> with the service secret.</summary>
    public static CephXTicketBlob BuildTicketBlob(CephxSessionAuthInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        byte[] blob = CephxCrypto.EncryptEnvelope(new CephXServiceTicketInfo(info.Ticket, info.SessionKey), info.ServiceSecret);
        return new CephXTicketBlob(info.SecretId, blob);
    }

    /// <summary>
    /// The AUTH_DONE payload a Nautilus+ monitor sends for GET_AUTH_SESSION_KEY:
    /// CephXResponseHeader, the AUTH ticket reply (encrypted with the client's secret), then
    /// bufferlist(encode_encrypt(string connection_secret, session key)) and
    /// bufferlist(service ticket reply for other_keys, encrypted with the session key).
    /// </summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="clientSecret">The client's keyring key.</param>
    /// <param name="authTicket">The AUTH ticket (its session key becomes the connection's session key).</param>
    /// <param name="oldTicketSessionKey">The session key of a valid old ticket the client presented (then the new ticket is encrypted with it), or null.</param>
    /// <param name="connectionSecret">64 random bytes in secure mode, empty in crc mode.</param>
    /// <param name="otherTickets">Tickets for the services in other_keys.</param>
    public static void WriteAuthSessionKeyReply(
        DencWriter writer, CryptoKey clientSecret, CephxSessionAuthInfo authTicket, CryptoKey? oldTicketSessionKey,
        ReadOnlySpan<byte> connectionSecret, IReadOnlyList<CephxSessionAuthInfo> otherTickets)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(authTicket);
        new CephXResponseHeader(CephxRequestType.GetAuthSessionKey, 0).Encode(writer);
        CephXServiceTicketReply.Write(writer, clientSecret, [authTicket], oldTicketSessionKey);

        using var inner = new DencWriter(128);
        CephxCrypto.WriteEncrypted(inner, new CephxBytes(connectionSecret.ToArray()), authTicket.SessionKey);
        writer.WriteBlob(inner.WrittenSpan);

        inner.Reset();
        if (otherTickets.Count > 0)
        {
            CephXServiceTicketReply.Write(inner, authTicket.SessionKey, otherTickets);
        }

        writer.WriteBlob(inner.WrittenSpan);
    }
}

/// <summary>utime arithmetic the ticket rules need.</summary>
internal static class CephxTime
{
    public static UTime Add(UTime time, TimeSpan span) => UTime.FromDateTimeOffset(time.ToDateTimeOffset() + span);

    public static UTime Duration(TimeSpan span)
    {
        long ticks = Math.Max(span.Ticks, 0);
        return new UTime((uint)(ticks / TimeSpan.TicksPerSecond), (uint)(ticks % TimeSpan.TicksPerSecond * 100));
    }

    public static TimeSpan ToSpan(UTime duration) =>
        TimeSpan.FromTicks(duration.Seconds * TimeSpan.TicksPerSecond + duration.Nanoseconds / 100);
}

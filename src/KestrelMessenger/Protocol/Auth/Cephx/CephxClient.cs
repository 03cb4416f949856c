using System.Security.Cryptography;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Auth.Cephx;

/// <summary>
/// The cephx client engine (Ceph's <c>CephxClientHandler</c> with its <c>CephXTicketManager</c>), one
/// per process identity: it holds the name, secret, global id, the AUTH ticket and the service
/// tickets, and answers each connection through a small state object the caller keeps per
/// connection (<see cref="CephxMonState"/>, <see cref="CephxAuthorizerState"/>). Thread-safe.
/// </summary>
public sealed partial class CephxClient
{
    /// <summary>Ceph's default <c>auth_service_ticket_ttl</c> (one hour).</summary>
    public static readonly TimeSpan DefaultServiceTicketTtl = TimeSpan.FromHours(1);

    private readonly CryptoKey _secret;
    private readonly TimeProvider _time;
    private readonly RotatingKeyring? _rotating;
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, TicketHandler> _tickets = [];
    private long _globalId;

    /// <summary>Creates the engine.</summary>
    /// <param name="name">The auth name (<c>client.admin</c>, <c>osd.0</c>).</param>
    /// <param name="secret">The name's keyring key.</param>
    /// <param name="wantKeys">Service tickets wanted (a <see cref="CephxServiceMask"/>); AUTH is always added, as Ceph's <c>set_want_keys</c> does.</param>
    /// <param name="rotatingKeyring">For a daemon: where GET_ROTATING_KEY replies are stored.</param>
    /// <param name="time">The clock (tests pass a fake one).</param>
    public CephxClient(AuthEntityName name, CryptoKey secret, uint wantKeys = CephxServiceMask.DefaultClientWant, RotatingKeyring? rotatingKeyring = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Type != CryptoKeyType.Aes || secret.IsEmpty)
        {
            throw new ArgumentException("the cephx secret must be an AES key", nameof(secret));
        }

        Name = name;
        _secret = secret;
        WantKeys = wantKeys | (uint)EntityType.Auth;
        _rotating = rotatingKeyring;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The auth name.</summary>
    public AuthEntityName Name { get; }

    /// <summary>Service tickets wanted, AUTH included.</summary>
    public uint WantKeys { get; }

    /// <summary>The global id the monitor assigned (0 before the first login); authorizers carry it.</summary>
    public ulong GlobalId
    {
        get => (ulong)Interlocked.Read(ref _globalId);
        set => Interlocked.Exchange(ref _globalId, (long)value);
    }

    // ---------------------------------------------------------------- monitor login

    /// <summary>
    /// Writes the AUTH_REQUEST payload for a monitor: u8 AUTH_MODE_MON, EntityName, u64 global_id, and
    /// cephx's initial payload, which is empty.
    /// </summary>
    public void WriteMonAuthRequest(DencWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteU8(AuthPayloadMode.Mon);
        Name.Encode(writer);
        writer.WriteU64(GlobalId);
    }

    /// <summary>
    /// Handles a monitor's AUTH_REPLY_MORE. The first one carries the <see cref="CephXServerChallenge"/>;
    /// the answer is GET_AUTH_SESSION_KEY proving the secret, presenting the old AUTH ticket if any, and
    /// asking for every wanted ticket at once (<c>other_keys</c>).
    /// </summary>
    public CephxClientStep HandleMonReplyMore(CephxMonState state, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!state.Starting)
        {
            // Ceph treats a later round as a response, and asks again if tickets are still needed.
            CephxReplyOutcome outcome = HandleResponse(state, payload, wantConnectionSecret: false, out _, out _);
            return outcome switch
            {
                CephxReplyOutcome.Failed f => new CephxClientStep.Failed(f.Errno, f.Reason),
                _ => BuildTicketRequest(state) is byte[] next
                    ? new CephxClientStep.Send(next)
                    : new CephxClientStep.Failed(Errno.EINVAL, "the monitor asked for another round but no ticket is needed"),
            };
        }

        CephXServerChallenge challenge;
        try
        {
            var reader = new DencReader(payload);
            challenge = CephXServerChallenge.Decode(ref reader);
        }
        catch (DecodeException e)
        {
            return new CephxClientStep.Failed(Errno.EINVAL, $"malformed server challenge: {e.Message}");
        }

        lock (_lock)
        {
            state.ServerChallenge = challenge.ServerChallenge;
            state.Starting = false;
            if (_tickets.TryGetValue((uint)EntityType.Auth, out TicketHandler? auth))
            {
                auth.HaveKeyFlag = false;
            }

            return new CephxClientStep.Send(BuildAuthenticateLocked(state.ServerChallenge));
        }
    }

    /// <summary>
    /// Handles a monitor's AUTH_DONE: stores the AUTH ticket and the service tickets, and yields the
    /// session key and the connection secret (decrypted with the session key; 64 bytes in secure mode).
    /// </summary>
    /// <param name="state">The connection's state.</param>
    /// <param name="globalId">AUTH_DONE's global id, kept as <see cref="GlobalId"/>.</param>
    /// <param name="mode">The connection mode the monitor chose.</param>
    /// <param name="payload">AUTH_DONE's auth payload.</param>
    public CephxClientStep HandleMonAuthDone(CephxMonState state, ulong globalId, ConnectionMode mode, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Starting)
        {
            return new CephxClientStep.Failed(Errno.EINVAL, "AUTH_DONE before the server challenge");
        }

        GlobalId = globalId;
        CephxReplyOutcome outcome = HandleResponse(state, payload, wantConnectionSecret: true, out CryptoKey? sessionKey, out byte[] connectionSecret);
        if (outcome is CephxReplyOutcome.Failed failed)
        {
            return new CephxClientStep.Failed(failed.Errno, failed.Reason);
        }

        if (outcome is not CephxReplyOutcome.Updated { RequestType: CephxRequestType.GetAuthSessionKey } || sessionKey is null)
        {
            return new CephxClientStep.Failed(Errno.EINVAL, "AUTH_DONE did not answer GET_AUTH_SESSION_KEY");
        }

        if (mode == ConnectionMode.Secure && connectionSecret.Length < CephxAuthorizerVerifier.SecureConnectionSecretLength)
        {
            return new CephxClientStep.Failed(Errno.EACCES, $"secure mode needs a {CephxAuthorizerVerifier.SecureConnectionSecretLength}-byte connection secret, the monitor sent {connectionSecret.Length}");
        }

        state.SessionKey = sessionKey;
        return new CephxClientStep.Done(sessionKey, connectionSecret);
    }

    // ---------------------------------------------------------------- internals

    private CephxReplyOutcome HandleResponse(CephxMonState state, ReadOnlySpan<byte> payload, bool wantConnectionSecret, out CryptoKey? sessionKey, out byte[] connectionSecret)
    {
        sessionKey = null;
        connectionSecret = [];
        var reader = new DencReader(payload);
        CephXResponseHeader header;
        try
        {
            header = CephXResponseHeader.Decode(ref reader);
        }
        catch (DecodeException e)
        {
            return new CephxReplyOutcome.Failed(Errno.EINVAL, $"malformed cephx response: {e.Message}");
        }

        if (header.Status < 0)
        {
            return new CephxReplyOutcome.Failed(header.Status, $"the monitor answered request 0x{header.RequestType:x4} with status {header.Status}");
        }

        try
        {
            switch (header.RequestType)
            {
                case CephxRequestType.GetAuthSessionKey:
                    return HandleAuthSessionKey(ref reader, wantConnectionSecret, out sessionKey, out connectionSecret);
                case CephxRequestType.GetPrincipalSessionKey:
                    lock (_lock)
                    {
                        if (!_tickets.TryGetValue((uint)EntityType.Auth, out TicketHandler? auth) || auth.SessionKey is null)
                        {
                            return new CephxReplyOutcome.Failed(Errno.EPERM, "service tickets arrived without an AUTH ticket to decrypt them");
                        }

                        if (!TryApplyTicketReplyLocked(ref reader, auth.SessionKey, out string? error))
                        {
                            return new CephxReplyOutcome.Failed(Errno.EPERM, $"could not verify the service ticket reply: {error}");
                        }

                        return new CephxReplyOutcome.Updated(header.RequestType, NeedsTicketsLocked());
                    }

                case CephxRequestType.GetRotatingKey:
                    if (_rotating is not null)
                    {
                        RotatingSecrets secrets;
                        try
                        {
                            secrets = CephxCrypto.ReadEncrypted<RotatingSecrets>(ref reader, _secret);
                        }
                        catch (DecodeException e)
                        {
                            return new CephxReplyOutcome.Failed(Errno.EINVAL, $"could not decrypt the rotating secrets: {e.Message}");
                        }

                        _rotating.SetSecrets(secrets);
                    }

                    return new CephxReplyOutcome.Updated(header.RequestType, false);
                default:
                    return new CephxReplyOutcome.Failed(Errno.EINVAL, $"unknown cephx response type 0x{header.RequestType:x4}");
            }
        }
        catch (DecodeException e)
        {
            return new CephxReplyOutcome.Failed(Errno.EPERM, $"malformed cephx response: {e.Message}");
        }
    }

    private CephxReplyOutcome HandleAuthSessionKey(ref DencReader reader, bool wantConnectionSecret, out CryptoKey? sessionKey, out byte[] connectionSecret)
    {
        sessionKey = null;
        connectionSecret = [];
        lock (_lock)
        {
            if (!TryApplyTicketReplyLocked(ref reader, _secret, out string? error))
            {
                return new CephxReplyOutcome.Failed(Errno.EPERM, $"could not verify the AUTH ticket reply: {error}");
            }

            if (!_tickets.TryGetValue((uint)EntityType.Auth, out TicketHandler? auth) || auth.SessionKey is null)
            {
                return new CephxReplyOutcome.Failed(Errno.EPERM, "the reply to GET_AUTH_SESSION_KEY holds no AUTH ticket");
            }

            sessionKey = auth.SessionKey;
            if (!reader.End)
            {
                // Nautilus+: bufferlist(encode_encrypt(connection secret)), bufferlist(extra tickets).
                ReadOnlySpan<byte> cbl = reader.ReadBlob();
                ReadOnlySpan<byte> extra = reader.ReadBlob();
                if (wantConnectionSecret && !cbl.IsEmpty)
                {
                    try
                    {
                        var cblReader = new DencReader(cbl);
                        connectionSecret = CephxCrypto.ReadEncrypted<CephxBytes>(ref cblReader, sessionKey).Value.ToArray();
                    }
                    catch (DecodeException e)
                    {
                        return new CephxReplyOutcome.Failed(Errno.EPERM, $"could not decrypt the connection secret: {e.Message}");
                    }
                }

                if (!extra.IsEmpty)
                {
                    // Like Ceph, a bad extra-ticket list is not fatal: those tickets stay needed.
                    var extraReader = new DencReader(extra);
                    TryApplyTicketReplyLocked(ref extraReader, sessionKey, out _);
                }
            }

            return new CephxReplyOutcome.Updated(CephxRequestType.GetAuthSessionKey, NeedsTicketsLocked());
        }
    }

    /// <summary>
    /// <c>CephXTicketManager::verify_service_ticket_reply</c>, all or nothing: every entry is decrypted
    /// before any ticket is replaced.
    /// </summary>
    private bool TryApplyTicketReplyLocked(ref DencReader reader, CryptoKey principalSecret, out string? error)
    {
        error = null;
        List<CephXServiceTicketReplyEntry> entries;
        try
        {
            entries = CephXServiceTicketReply.Read(ref reader);
        }
        catch (DecodeException e)
        {
            error = e.Message;
            return false;
        }

        DateTimeOffset now = _time.GetUtcNow();
        var updates = new List<(uint Service, TicketHandler Handler)>(entries.Count);
        foreach (CephXServiceTicketReplyEntry entry in entries)
        {
            try
            {
                CephXServiceTicket serviceTicket = CephxCrypto.DecryptEnvelope<CephXServiceTicket>(entry.EncryptedServiceTicket.Span, principalSecret);
                ReadOnlyMemory<byte> ticketBytes = entry.Ticket;
                if (entry.TicketIsEncrypted)
                {
                    // Encrypted with the session key of the ticket it replaces (a reclaimed global id).
                    CryptoKey? oldKey = _tickets.TryGetValue(entry.ServiceId, out TicketHandler? old) ? old.SessionKey : null;
                    if (oldKey is null)
                    {
                        error = $"the {EntityTypes.Name((EntityType)entry.ServiceId)} ticket is encrypted but no earlier session key is held";
                        return false;
                    }

                    ticketBytes = CephxCrypto.DecryptEnvelope<CephxBytes>(ticketBytes.Span, oldKey).Value;
                }

                var ticketReader = new DencReader(ticketBytes.Span);
                CephXTicketBlob blob = CephXTicketBlob.Decode(ref ticketReader);
                var handler = new TicketHandler { SessionKey = serviceTicket.SessionKey, Ticket = blob, HaveKeyFlag = true };
                if (serviceTicket.Validity != default)
                {
                    handler.Expires = now + CephxTime.ToSpan(serviceTicket.Validity);
                    handler.RenewAfter = handler.Expires - TimeSpan.FromSeconds(serviceTicket.Validity.Seconds / 4.0);
                }

                updates.Add((entry.ServiceId, handler));
            }
            catch (DecodeException e)
            {
                error = $"{EntityTypes.Name((EntityType)entry.ServiceId)} ticket: {e.Message}";
                return false;
            }
        }

        foreach ((uint service, TicketHandler handler) in updates)
        {
            _tickets[service] = handler;
        }

        return true;
    }

    private byte[] BuildAuthenticateLocked(ulong serverChallenge)
    {
        uint need = NeedLocked(_time.GetUtcNow());
        ulong clientChallenge = RandomU64();
        ulong key = CephxCrypto.ChallengeKey(_secret, serverChallenge, clientChallenge);
        CephXTicketBlob oldTicket = _tickets.TryGetValue((uint)EntityType.Auth, out TicketHandler? auth) ? auth.Ticket : CephXTicketBlob.Empty;
        using var writer = new DencWriter(64 + oldTicket.Blob.Length);
        new CephXRequestHeader(CephxRequestType.GetAuthSessionKey).Encode(writer);
        new CephXAuthenticate(clientChallenge, key, oldTicket, need).Encode(writer);
        return writer.ToArray();
    }

    private byte[]? BuildPrincipalRequestLocked(uint keys)
    {
        if (!_tickets.TryGetValue((uint)EntityType.Auth, out TicketHandler? auth) || auth.SessionKey is null)
        {
            return null;
        }

        using var writer = new DencWriter(256 + auth.Ticket.Blob.Length);
        new CephXRequestHeader(CephxRequestType.GetPrincipalSessionKey).Encode(writer);
        CephXAuthorizer.WriteBase(writer, GlobalId, (uint)EntityType.Auth, auth.Ticket);
        CephxCrypto.WriteEncrypted(writer, new CephXAuthorize(RandomU64(), false, 0), auth.SessionKey);
        new CephXServiceTicketRequest(keys).Encode(writer);
        return writer.ToArray();
    }

    private uint NeedLocked(DateTimeOffset now)
    {
        uint need = 0;
        foreach (EntityType service in CephxServiceMask.Types(WantKeys))
        {
            if (!_tickets.TryGetValue((uint)service, out TicketHandler? h) || h.NeedKey(now))
            {
                need |= (uint)service;
            }
        }

        return need;
    }

    private bool NeedsTicketsLocked()
    {
        uint need = NeedLocked(_time.GetUtcNow());
        return need != 0 && need != (uint)EntityType.Mgr;
    }

    /// <summary>
    /// Test hook: flips one byte of <paramref name="service"/>'s ticket blob, as an attacker or a corrupt
    /// store would, so tests can show the real daemons refuse it. False when there is no such ticket.
    /// </summary>
    internal bool TamperWithTicket(EntityType service)
    {
        lock (_lock)
        {
            if (!_tickets.TryGetValue((uint)service, out TicketHandler? handler) || handler.Ticket.Blob.Length < 8)
            {
                return false;
            }

            byte[] blob = handler.Ticket.Blob.ToArray();
            blob[blob.Length / 2] ^= 0x5a;
            _tickets[(uint)service] = new TicketHandler
            {
                SessionKey = handler.SessionKey,
                Ticket = handler.Ticket with { Blob = blob },
                Expires = handler.Expires,
                RenewAfter = handler.RenewAfter,
                HaveKeyFlag = handler.HaveKeyFlag,
            };
            return true;
        }
    }

    private static ulong RandomU64()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }

    /// <summary>Ceph's <c>CephXTicketHandler</c>: one service's ticket and its timing.</summary>
    private sealed class TicketHandler
    {
        public CryptoKey? SessionKey { get; init; }

        public CephXTicketBlob Ticket { get; init; } = CephXTicketBlob.Empty;

        public DateTimeOffset? Expires { get; set; }

        public DateTimeOffset? RenewAfter { get; set; }

        public bool HaveKeyFlag { get; set; }

        public bool HaveKey(DateTimeOffset now) => HaveKeyFlag && Expires is not null && now < Expires;

        // Ceph: with a key, renew once past renew_after (a ticket without validity never needs it); without, always.
        public bool NeedKey(DateTimeOffset now) => !HaveKeyFlag || (Expires is not null && now >= RenewAfter);

        public TicketHandler Clone() => (TicketHandler)MemberwiseClone();
    }
}

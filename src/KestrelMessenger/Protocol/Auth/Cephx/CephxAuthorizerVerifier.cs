using System.Security.Cryptography;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Auth.Cephx;

/// <summary>A daemon's verdict on a cephx authorizer.</summary>
public abstract record CephxVerifyResult
{
    private CephxVerifyResult()
    {
    }

    /// <summary>Authenticated: send AUTH_DONE with <see cref="Reply"/>.</summary>
    /// <param name="Name">The peer's auth name from its ticket.</param>
    /// <param name="GlobalId">The peer's global id.</param>
    /// <param name="Caps">The peer's caps for this service.</param>
    /// <param name="SessionKey">The ticket's session key (keys AUTH_SIGNATURE).</param>
    /// <param name="ConnectionSecret">The fresh connection secret (64 bytes in secure mode, empty in crc mode).</param>
    /// <param name="Reply">The AUTH_DONE payload: bufferlist enc(CephXAuthorizeReply, session key).</param>
    public sealed record Accepted(
        AuthEntityName Name, ulong GlobalId, AuthCapsInfo Caps, CryptoKey SessionKey, ReadOnlyMemory<byte> ConnectionSecret, ReadOnlyMemory<byte> Reply)
        : CephxVerifyResult
    {
        /// <summary>The caps as text ("allow *"), or null when they are not one encoded string.</summary>
        public string? CapsText => Caps.Text;
    }

    /// <summary>Valid so far, but the client must answer a challenge: send AUTH_REPLY_MORE with <see cref="Reply"/>.</summary>
    /// <param name="Reply">Raw ciphertext of the <see cref="CephXAuthorizeChallenge"/> envelope.</param>
    public sealed record Challenge(ReadOnlyMemory<byte> Reply) : CephxVerifyResult;

    /// <summary>Refused with a negative errno (Ceph answers -EACCES): send AUTH_BAD_METHOD.</summary>
    /// <param name="Errno">A negative <see cref="Wire.Errno"/> value.</param>
    /// <param name="Reason">For logs; never holds key material.</param>
    public sealed record Refused(int Errno, string Reason) : CephxVerifyResult;
}

/// <summary>What a daemon keeps per incoming connection between AUTH_REQUEST and AUTH_REQUEST_MORE (Ceph's <c>authorizer_challenge</c>).</summary>
public sealed class CephxVerifierState
{
    internal ulong? ServerChallenge { get; set; }

    /// <summary>True once a challenge was sent and not yet answered or discarded.</summary>
    public bool HasChallenge => ServerChallenge.HasValue;
}

/// <summary>Settings of <see cref="CephxAuthorizerVerifier"/>.</summary>
public sealed record CephxVerifierOptions
{
    /// <summary>
    /// Challenge every authorizer (Nautilus+ behaviour, CEPHX_V2). Ceph skips the challenge only for
    /// connections flagged <c>skip_authorizer_challenge</c>. Default true.
    /// </summary>
    public bool RequireChallenge { get; init; } = true;

    /// <summary>
    /// Refuse a ticket whose <c>expires</c> is more than this long in the past. Ceph 16.2 does not
    /// check ticket expiry at a daemon (it relies on retiring rotating secrets); this check is ours,
    /// with room for clock skew between monitor and daemon. Null disables it. Default 5 minutes.
    /// </summary>
    public TimeSpan? ExpiredTicketGrace { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// The daemon side of a cephx authorizer (Ceph's <c>cephx_verify_authorizer</c> as driven by
/// <c>MonClient::handle_auth_request</c>): decrypts the ticket with the rotating secret it names,
/// checks the global id, decrypts the client's <see cref="CephXAuthorize"/> with the ticket's session
/// key, runs the challenge round, and builds the <see cref="CephXAuthorizeReply"/> with nonce + 1 and
/// a fresh connection secret. One instance serves every connection; it is thread-safe.
/// </summary>
public sealed class CephxAuthorizerVerifier
{
    /// <summary>The connection secret length in secure mode (<c>AuthConnectionMeta::get_connection_secret_length</c>: 16 × 4).</summary>
    public const int SecureConnectionSecretLength = 64;

    private readonly RotatingKeyring _keyring;
    private readonly CephxVerifierOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates a verifier over the daemon's rotating secrets.</summary>
    public CephxAuthorizerVerifier(RotatingKeyring keyring, CephxVerifierOptions? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(keyring);
        _keyring = keyring;
        _options = options ?? new CephxVerifierOptions();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The connection secret Ceph 16.2 generates in <paramref name="mode"/>: 64 bytes for secure, none for crc.</summary>
    public static int ConnectionSecretLength(ConnectionMode mode) => mode == ConnectionMode.Secure ? SecureConnectionSecretLength : 0;

    /// <summary>Judges an AUTH_REQUEST (<paramref name="isMore"/> false) or AUTH_REQUEST_MORE payload.</summary>
    /// <param name="state">The connection's state (one per connection).</param>
    /// <param name="payload">The authorizer bytes.</param>
    /// <param name="isMore">True for AUTH_REQUEST_MORE.</param>
    /// <param name="mode">The connection mode chosen; decides the connection secret's length.</param>
    public CephxVerifyResult Verify(CephxVerifierState state, ReadOnlySpan<byte> payload, bool isMore, ConnectionMode mode)
    {
        ArgumentNullException.ThrowIfNull(state);
        bool wasChallenged = state.HasChallenge;
        CephxVerifyResult result = VerifyCore(state, payload, mode);
        switch (result)
        {
            case CephxVerifyResult.Accepted:
                state.ServerChallenge = null;
                return result;
            case CephxVerifyResult.Challenge when !isMore && !wasChallenged:
                return result;
            case CephxVerifyResult.Challenge:
                // A second round that still did not answer the challenge: refused, challenge discarded.
                state.ServerChallenge = null;
                return new CephxVerifyResult.Refused(Errno.EACCES, "the authorizer did not answer the server challenge");
            default:
                state.ServerChallenge = null;
                return result;
        }
    }

    private CephxVerifyResult VerifyCore(CephxVerifierState state, ReadOnlySpan<byte> payload, ConnectionMode mode)
    {
        if (payload.IsEmpty)
        {
            return Refuse("empty authorizer");
        }

        if (payload[0] is < AuthPayloadMode.Authorizer or >= AuthPayloadMode.Mon)
        {
            return Refuse($"auth mode {payload[0]} is not an authorizer");
        }

        var reader = new DencReader(payload);
        ulong globalId;
        uint serviceId;
        CephXTicketBlob ticket;
        try
        {
            reader.ReadU8();
            globalId = reader.ReadU64();
            serviceId = reader.ReadU32();
            ticket = CephXTicketBlob.Decode(ref reader);
        }
        catch (DecodeException e)
        {
            return Refuse($"malformed authorizer: {e.Message}");
        }

        if (ticket.SecretId == ulong.MaxValue)
        {
            return Refuse("tickets under the service's own key (secret_id -1) are not supported");
        }

        if (!_keyring.TryGetSecret(serviceId, ticket.SecretId, out ExpiringCryptoKey serviceSecret))
        {
            return Refuse($"no rotating secret {ticket.SecretId} for service {EntityTypes.Name((EntityType)serviceId)} (this is {EntityTypes.Name(_keyring.Service)})");
        }

        CephXServiceTicketInfo ticketInfo;
        try
        {
            ticketInfo = CephxCrypto.DecryptEnvelope<CephXServiceTicketInfo>(ticket.Blob.Span, serviceSecret.Key);
        }
        catch (DecodeException e)
        {
            return Refuse($"could not decrypt the ticket: {e.Message}");
        }

        if (ticketInfo.Ticket.GlobalId != globalId)
        {
            return Refuse($"global id {globalId} does not match the ticket's {ticketInfo.Ticket.GlobalId}");
        }

        if (_options.ExpiredTicketGrace is TimeSpan grace
            && ticketInfo.Ticket.Expires.ToDateTimeOffset() + grace < _time.GetUtcNow())
        {
            return Refuse($"the ticket expired at {ticketInfo.Ticket.Expires}");
        }

        CephXAuthorize authorize;
        try
        {
            authorize = CephxCrypto.ReadEncrypted<CephXAuthorize>(ref reader, ticketInfo.SessionKey);
        }
        catch (DecodeException e)
        {
            return Refuse($"could not decrypt the authorize request: {e.Message}");
        }

        if (_options.RequireChallenge)
        {
            if (!authorize.HaveChallenge || state.ServerChallenge is not ulong challenge)
            {
                ulong fresh = RandomU64();
                state.ServerChallenge = fresh;
                return new CephxVerifyResult.Challenge(CephxCrypto.EncryptEnvelope(new CephXAuthorizeChallenge(fresh), ticketInfo.SessionKey));
            }

            if (unchecked(challenge + 1) != authorize.ServerChallengePlusOne)
            {
                return Refuse("wrong answer to the server challenge");
            }
        }

        byte[] connectionSecret = new byte[ConnectionSecretLength(mode)];
        RandomNumberGenerator.Fill(connectionSecret);
        using var reply = new DencWriter(128);
        CephxCrypto.WriteEncrypted(reply, new CephXAuthorizeReply(unchecked(authorize.Nonce + 1), connectionSecret), ticketInfo.SessionKey);
        AuthTicket t = ticketInfo.Ticket;
        return new CephxVerifyResult.Accepted(t.Name, t.GlobalId, t.Caps, ticketInfo.SessionKey, connectionSecret, reply.ToArray());
    }

    private static CephxVerifyResult.Refused Refuse(string reason) => new(Errno.EACCES, reason);

    private static ulong RandomU64()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }
}

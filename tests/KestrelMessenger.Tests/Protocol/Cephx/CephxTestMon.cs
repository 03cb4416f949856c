using System.Security.Cryptography;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth.Cephx;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Tests.Protocol.Cephx;

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}

/// <summary>
/// The monitor's side of cephx, in memory, as Ceph's CephxServiceHandler and KeyServer behave: a
/// challenge, the proof check, the AUTH ticket plus other_keys tickets, GET_PRINCIPAL_SESSION_KEY
/// authorized by the AUTH ticket, and GET_ROTATING_KEY. Tickets are minted under each service's
/// "current" (second oldest) rotating secret, id 2.
/// </summary>
internal sealed class CephxTestMon
{
    public static readonly TimeSpan MonTicketTtl = TimeSpan.FromHours(12);
    public static readonly TimeSpan ServiceTicketTtl = TimeSpan.FromHours(1);
    public const ulong CurrentSecretId = 2;

    private readonly ManualTime _time;
    private readonly Dictionary<AuthEntityName, (CryptoKey Key, Dictionary<EntityType, string> Caps)> _entities = [];
    private ulong _nextGlobalId = 4100;

    public CephxTestMon(ManualTime time)
    {
        _time = time;
        foreach (EntityType service in new[] { EntityType.Auth, EntityType.Mon, EntityType.Osd, EntityType.Mgr })
        {
            TimeSpan ttl = service == EntityType.Auth ? MonTicketTtl : ServiceTicketTtl;
            var secrets = new List<KeyValuePair<ulong, ExpiringCryptoKey>>();
            for (ulong id = 1; id <= 3; id++)
            {
                secrets.Add(new(id, new ExpiringCryptoKey(CryptoKey.Generate(Now), UTime.FromDateTimeOffset(time.Now + ttl * (int)id))));
            }

            Rotating[service] = new RotatingSecrets(secrets, 3);
        }
    }

    public Dictionary<EntityType, RotatingSecrets> Rotating { get; } = [];

    public UTime Now => UTime.FromDateTimeOffset(_time.Now);

    public CryptoKey AddEntity(AuthEntityName name, params (EntityType Service, string Caps)[] caps)
    {
        CryptoKey key = CryptoKey.Generate(Now);
        _entities[name] = (key, caps.ToDictionary(c => c.Service, c => c.Caps));
        return key;
    }

    public sealed class Session
    {
        public AuthEntityName Name { get; set; }

        public ulong GlobalId { get; set; }

        public ulong ServerChallenge { get; set; }

        public byte[] ConnectionSecret { get; set; } = [];
    }

    /// <summary>AUTH_REQUEST (mode 10, name, global id): answers with the server challenge.</summary>
    public byte[] Start(Session session, ReadOnlySpan<byte> authRequest)
    {
        var r = new DencReader(authRequest);
        Assert.Equal(10, r.ReadU8());
        session.Name = AuthEntityName.Decode(ref r);
        ulong globalId = r.ReadU64();
        Assert.True(r.End, "cephx adds nothing to the initial payload");
        session.GlobalId = globalId != 0 ? globalId : _nextGlobalId++;
        session.ServerChallenge = RandomU64() | 1;
        using var w = new DencWriter();
        new CephXServerChallenge(session.ServerChallenge).Encode(w);
        return w.ToArray();
    }

    /// <summary>A cephx request: the AUTH_REQUEST_MORE of a login, or an MAuth payload later.</summary>
    public (int Status, byte[] Payload) Handle(Session session, ReadOnlySpan<byte> payload, ConnectionMode mode)
    {
        var r = new DencReader(payload);
        CephXRequestHeader header = CephXRequestHeader.Decode(ref r);
        return header.RequestType switch
        {
            CephxRequestType.GetAuthSessionKey => Authenticate(session, ref r, mode),
            CephxRequestType.GetPrincipalSessionKey => Principal(session, payload, r.Position),
            CephxRequestType.GetRotatingKey => RotatingKeys(session),
            _ => (Errno.EINVAL, []),
        };
    }

    private (int, byte[]) Authenticate(Session session, ref DencReader r, ConnectionMode mode)
    {
        CephXAuthenticate req = CephXAuthenticate.Decode(ref r);
        (CryptoKey secret, Dictionary<EntityType, string> caps) = _entities[session.Name];
        if (req.Key != CephxCrypto.ChallengeKey(secret, session.ServerChallenge, req.ClientChallenge))
        {
            return (Errno.EPERM, []);
        }

        CryptoKey? oldSessionKey = null;
        if (!req.OldTicket.Blob.IsEmpty)
        {
            CryptoKey authSecret = SecretOf(EntityType.Auth, req.OldTicket.SecretId);
            CephXServiceTicketInfo old = CephxCrypto.DecryptEnvelope<CephXServiceTicketInfo>(req.OldTicket.Blob.Span, authSecret);
            Assert.Equal(session.GlobalId, old.Ticket.GlobalId);
            oldSessionKey = old.SessionKey;
        }

        CephxSessionAuthInfo auth = Mint(EntityType.Auth, session, string.Empty, MonTicketTtl);
        var others = CephxServiceMask.Types(req.OtherKeys)
            .Select(s => Mint(s, session, caps.GetValueOrDefault(s, string.Empty), ServiceTicketTtl))
            .ToList();
        session.ConnectionSecret = new byte[mode == ConnectionMode.Secure ? 64 : 0];
        RandomNumberGenerator.Fill(session.ConnectionSecret);
        using var w = new DencWriter();
        CephxTicketMint.WriteAuthSessionKeyReply(w, secret, auth, oldSessionKey, session.ConnectionSecret, others);
        return (0, w.ToArray());
    }

    private (int, byte[]) Principal(Session session, ReadOnlySpan<byte> payload, int authorizerStart)
    {
        // Find where the authorizer ends; the CephXServiceTicketRequest follows it.
        var r = new DencReader(payload[authorizerStart..]);
        CephXAuthorizer.Decode(ref r);
        int authorizerEnd = authorizerStart + r.Position;
        CephXServiceTicketRequest request = CephXServiceTicketRequest.Decode(ref r);

        var verifier = new CephxAuthorizerVerifier(new RotatingKeyring(EntityType.Auth, Rotating[EntityType.Auth]), new CephxVerifierOptions { RequireChallenge = false }, _time);
        CephxVerifyResult result = verifier.Verify(new CephxVerifierState(), payload[authorizerStart..authorizerEnd], isMore: false, ConnectionMode.Crc);
        if (result is not CephxVerifyResult.Accepted accepted)
        {
            return (Errno.EPERM, []);
        }

        Dictionary<EntityType, string> caps = _entities[accepted.Name].Caps;
        var tickets = CephxServiceMask.Types(request.Keys)
            .Select(s => Mint(s, session, caps.GetValueOrDefault(s, string.Empty), ServiceTicketTtl))
            .ToList();
        using var w = new DencWriter();
        new CephXResponseHeader(CephxRequestType.GetPrincipalSessionKey, 0).Encode(w);
        CephXServiceTicketReply.Write(w, accepted.SessionKey, tickets);
        return (0, w.ToArray());
    }

    private (int, byte[]) RotatingKeys(Session session)
    {
        using var w = new DencWriter();
        new CephXResponseHeader(CephxRequestType.GetRotatingKey, 0).Encode(w);
        CephxCrypto.WriteEncrypted(w, Rotating[session.Name.Type], _entities[session.Name].Key);
        return (0, w.ToArray());
    }

    public CephxSessionAuthInfo Mint(EntityType service, Session session, string caps, TimeSpan ttl) =>
        CephxTicketMint.Mint(service, session.Name, session.GlobalId, caps, CurrentSecretId, SecretOf(service, CurrentSecretId), ttl, Now);

    public CryptoKey SecretOf(EntityType service, ulong secretId) =>
        Rotating[service].Secrets.Single(s => s.Key == secretId).Value.Key;

    private static ulong RandomU64() => BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
}

using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Auth;
using KestrelMessenger.Protocol.Auth.Cephx;
using KestrelMessenger.Wire;

namespace KestrelMessenger.LoadTool;

/// <summary>
/// Stands in for the monitor so that cephx between the tool's two messengers needs no Ceph daemon. It
/// holds what a monitor's KeyServer holds (the client's key, three rotating secrets per service) and
/// runs the monitor's half of a login against the client's real <see cref="CephxClient"/>, in memory:
/// server challenge, proof check, then AUTH_DONE with the AUTH ticket and a ticket for every service in
/// <c>other_keys</c>, minted with <see cref="CephxTicketMint"/> under each service's current secret. The
/// OSD secrets go to the server's <see cref="RotatingKeyring"/>, as GET_ROTATING_KEY would bring them.
/// From then on every byte between the messengers is the real cephx exchange: the client's authorizer
/// with the OSD ticket, the server's challenge, and (in secure mode) AES-GCM frames under the session's
/// connection secret.
/// </summary>
internal sealed class InProcessCephx
{
    /// <summary>Ceph's <c>auth_mon_ticket_ttl</c> (12 h) and <c>auth_service_ticket_ttl</c> (1 h).</summary>
    private static readonly TimeSpan AuthTicketTtl = TimeSpan.FromHours(12);
    private static readonly TimeSpan ServiceTicketTtl = TimeSpan.FromHours(1);

    /// <summary>The secret tickets are minted under: the second oldest of previous, current, next.</summary>
    private const ulong CurrentSecretId = 2;

    /// <summary>The global id the "monitor" assigns (a real one starts near 4100 too).</summary>
    private const ulong GlobalId = 4100;

    private readonly Dictionary<EntityType, RotatingSecrets> _rotating = [];

    /// <summary>
    /// Fresh keys for everyone, or, with <paramref name="osdSecrets"/>, the OSD secrets an OSD in another
    /// process already holds (the limits tool's server reads them from a file, as from GET_ROTATING_KEY).
    /// </summary>
    public InProcessCephx(AuthEntityName clientName, RotatingSecrets? osdSecrets = null)
    {
        ClientName = clientName;
        UTime now = UTime.FromDateTimeOffset(DateTimeOffset.UtcNow);
        ClientKey = CryptoKey.Generate(now);
        foreach (EntityType service in new[] { EntityType.Auth, EntityType.Mon, EntityType.Osd, EntityType.Mgr })
        {
            if (service == EntityType.Osd && osdSecrets is not null)
            {
                _rotating[service] = osdSecrets;
                continue;
            }

            TimeSpan ttl = service == EntityType.Auth ? AuthTicketTtl : ServiceTicketTtl;
            var secrets = new List<KeyValuePair<ulong, ExpiringCryptoKey>>(RotatingSecrets.RotateCount);
            for (ulong id = 1; id <= RotatingSecrets.RotateCount; id++)
            {
                // Previous, current, next: each valid one ttl longer than the one before.
                var expires = UTime.FromDateTimeOffset(DateTimeOffset.UtcNow + ttl * (int)id);
                secrets.Add(new(id, new ExpiringCryptoKey(CryptoKey.Generate(now), expires)));
            }

            _rotating[service] = new RotatingSecrets(secrets, RotatingSecrets.RotateCount);
        }
    }

    /// <summary>Who the client authenticates as.</summary>
    public AuthEntityName ClientName { get; }

    /// <summary>The client's keyring key (a fresh one each run).</summary>
    public CryptoKey ClientKey { get; }

    /// <summary>The rotating OSD service secrets, for the server's keyring.</summary>
    public RotatingSecrets OsdSecrets => _rotating[EntityType.Osd];

    /// <summary>
    /// Logs <paramref name="client"/> in as a monitor would (crc-mode session: no connection secret is
    /// needed, the session is not a connection). Throws if the client refuses what was minted.
    /// </summary>
    public void LogIn(CephxClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        var state = new CephxMonState();

        // AUTH_REQUEST: u8 mode, EntityName, u64 global id; cephx adds nothing.
        using var request = new DencWriter(64);
        client.WriteMonAuthRequest(request);
        var r = new DencReader(request.WrittenSpan);
        r.ReadU8();
        AuthEntityName name = AuthEntityName.Decode(ref r);
        if (!name.Equals(ClientName))
        {
            throw new InvalidOperationException($"the cephx client is {name}, the tool minted a key for {ClientName}");
        }

        ulong serverChallenge = BitConverter.ToUInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)) | 1;
        using var challenge = new DencWriter(16);
        new CephXServerChallenge(serverChallenge).Encode(challenge);
        var proof = Expect<CephxClientStep.Send>(client.HandleMonReplyMore(state, challenge.WrittenSpan), "the server challenge");

        // GET_AUTH_SESSION_KEY: check the proof of the key, then mint what it asks for.
        r = new DencReader(proof.Payload.Span);
        if (CephXRequestHeader.Decode(ref r).RequestType != CephxRequestType.GetAuthSessionKey)
        {
            throw new InvalidOperationException("the cephx client did not answer the challenge with GET_AUTH_SESSION_KEY");
        }

        CephXAuthenticate authenticate = CephXAuthenticate.Decode(ref r);
        if (authenticate.Key != CephxCrypto.ChallengeKey(ClientKey, serverChallenge, authenticate.ClientChallenge))
        {
            throw new InvalidOperationException("the cephx client's proof does not match its key");
        }

        UTime now = UTime.FromDateTimeOffset(DateTimeOffset.UtcNow);
        CephxSessionAuthInfo auth = Mint(EntityType.Auth, string.Empty, AuthTicketTtl, now);
        var others = CephxServiceMask.Types(authenticate.OtherKeys)
            .Where(_rotating.ContainsKey)
            .Select(service => Mint(service, "allow *", ServiceTicketTtl, now))
            .ToList();
        using var done = new DencWriter(1024);
        CephxTicketMint.WriteAuthSessionKeyReply(done, ClientKey, auth, oldTicketSessionKey: null, connectionSecret: [], others);
        Expect<CephxClientStep.Done>(client.HandleMonAuthDone(state, GlobalId, ConnectionMode.Crc, done.WrittenSpan), "AUTH_DONE");
        if (client.GetTicketStatus(EntityType.Osd) is not { HaveKey: true })
        {
            throw new InvalidOperationException("the cephx client holds no OSD ticket after the login");
        }
    }

    private CephxSessionAuthInfo Mint(EntityType service, string caps, TimeSpan ttl, UTime now)
    {
        CryptoKey secret = _rotating[service].Secrets.Single(s => s.Key == CurrentSecretId).Value.Key;
        return CephxTicketMint.Mint(service, ClientName, GlobalId, caps, CurrentSecretId, secret, ttl, now);
    }

    private static T Expect<T>(CephxClientStep step, string what) where T : CephxClientStep => step switch
    {
        T expected => expected,
        CephxClientStep.Failed failed => throw new InvalidOperationException($"the cephx client refused {what}: {failed.Reason} (errno {failed.Errno})"),
        _ => throw new InvalidOperationException($"the cephx client answered {what} with {step.GetType().Name}"),
    };
}

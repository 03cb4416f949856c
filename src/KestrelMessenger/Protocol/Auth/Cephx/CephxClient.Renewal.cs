using System.Security.Cryptography;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Protocol.Auth.Cephx;

/// <summary>Keeping tickets and rotating secrets current over MAuth.</summary>
public sealed partial class CephxClient
{
    /// <summary>
    /// <c>validate_tickets</c>: the wanted services whose ticket is missing, invalidated or due for
    /// renewal (now ≥ expires − validity/4).
    /// </summary>
    public uint NeedKeys()
    {
        lock (_lock)
        {
            return NeedLocked(_time.GetUtcNow());
        }
    }

    /// <summary>Ceph's <c>need_tickets</c>: something is needed, and not only the MGR ticket (which Ceph leaves for later to avoid a loop during upgrades).</summary>
    public bool NeedsTickets
    {
        get
        {
            uint need = NeedKeys();
            return need != 0 && need != (uint)EntityType.Mgr;
        }
    }

    /// <summary>The state of the ticket for <paramref name="service"/>, or null when none was ever received.</summary>
    public CephxTicketStatus? GetTicketStatus(EntityType service)
    {
        lock (_lock)
        {
            if (!_tickets.TryGetValue((uint)service, out TicketHandler? h))
            {
                return null;
            }

            return new CephxTicketStatus(service, h.Ticket.SecretId, h.Expires, h.RenewAfter, h.HaveKey(_time.GetUtcNow()));
        }
    }

    /// <summary>
    /// Ceph's <c>build_request</c> for an MAuth on an authenticated monitor connection: when the AUTH
    /// ticket itself is due, GET_AUTH_SESSION_KEY (against the connection's server challenge); else, when
    /// <see cref="NeedsTickets"/>, GET_PRINCIPAL_SESSION_KEY for the needed services, authorized by the
    /// AUTH ticket. Null when nothing is needed.
    /// </summary>
    public byte[]? BuildTicketRequest(CephxMonState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        lock (_lock)
        {
            uint need = NeedLocked(_time.GetUtcNow());
            if ((need & (uint)EntityType.Auth) != 0)
            {
                return state.Starting ? null : BuildAuthenticateLocked(state.ServerChallenge);
            }

            if (need == 0 || need == (uint)EntityType.Mgr)
            {
                return null;
            }

            return BuildPrincipalRequestLocked(need);
        }
    }

    /// <summary>
    /// A GET_PRINCIPAL_SESSION_KEY payload asking for <paramref name="keys"/>: CephXRequestHeader, an
    /// authorizer built from the AUTH ticket, CephXServiceTicketRequest. Null without an AUTH ticket.
    /// </summary>
    public byte[]? BuildServiceTicketRequest(uint keys)
    {
        lock (_lock)
        {
            return BuildPrincipalRequestLocked(keys);
        }
    }

    /// <summary>The GET_ROTATING_KEY payload (the request header alone).</summary>
    public static byte[] BuildRotatingKeyRequest()
    {
        using var writer = new DencWriter(8);
        new CephXRequestHeader(CephxRequestType.GetRotatingKey).Encode(writer);
        return writer.ToArray();
    }

    /// <summary>
    /// <c>MonClient::_check_auth_rotating</c>'s test: a daemon (osd, mds, mgr) with a rotating keyring
    /// needs new secrets when it holds fewer than three or the current one expires before
    /// now − min(30 s, ttl/4).
    /// </summary>
    public bool NeedsRotatingKeys(TimeSpan? serviceTicketTtl = null)
    {
        if (_rotating is null || Name.Type is not (EntityType.Osd or EntityType.Mds or EntityType.Mgr))
        {
            return false;
        }

        TimeSpan ttl = serviceTicketTtl ?? DefaultServiceTicketTtl;
        TimeSpan margin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(30).Ticks, ttl.Ticks / 4));
        return _rotating.NeedNewSecrets(UTime.FromDateTimeOffset(_time.GetUtcNow() - margin));
    }

    /// <summary>
    /// Handles an MAuthReply for cephx: <paramref name="result"/> is its result field and
    /// <paramref name="resultBl"/> its result_bl. Stores renewed tickets (GET_AUTH_SESSION_KEY,
    /// GET_PRINCIPAL_SESSION_KEY) or rotating secrets (GET_ROTATING_KEY).
    /// </summary>
    public CephxReplyOutcome HandleMAuthReply(CephxMonState state, int result, ReadOnlySpan<byte> resultBl)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (result < 0)
        {
            return new CephxReplyOutcome.Failed(result, "the monitor refused the request");
        }

        return HandleResponse(state, resultBl, wantConnectionSecret: false, out _, out _);
    }
}

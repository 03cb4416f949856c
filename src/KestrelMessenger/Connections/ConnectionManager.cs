using KestrelMessenger.Diagnostics;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Protocol.Sessions;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Connections;

/// <summary>
/// A messenger's sessions (Ceph's <c>conns</c>, <c>accepting_conns</c> and <c>anon_conns</c>): one per peer
/// address, whichever side connected first, so <c>ConnectTo</c> finds a session the peer opened and an
/// accepted socket finds the session we opened. It answers the server handshake's session step with
/// Ceph's rules (<see cref="SessionRules"/>): a new session, an existing one taken over by the new socket
/// (reconnect, race, restart), or RESET / RETRY / RETRY_GLOBAL / WAIT. Lossy clients of a stateless server
/// stay anonymous, as in Ceph.
/// </summary>
internal sealed class ConnectionManager(IConnectionOwner owner)
{
    private readonly object _lock = new();
    private readonly Dictionary<EntityAddr, MessengerConnection> _byAddr = [];
    private readonly HashSet<MessengerConnection> _all = [];

    /// <summary>Every open session, registered or anonymous.</summary>
    public IReadOnlyCollection<MessengerConnection> All
    {
        get
        {
            lock (_lock)
            {
                return [.. _all];
            }
        }
    }

    /// <summary>The key a peer's sessions go by: its msgr2 address (or, for a peer with none, its first).</summary>
    public static EntityAddr? KeyOf(EntityAddrVec addrs) => addrs.Msgr2 ?? (addrs.Count > 0 ? addrs[0] : null);

    /// <summary>The open session with the peer at <paramref name="target"/>, or a new one that starts connecting.</summary>
    public MessengerConnection ConnectTo(EntityType peerType, EntityAddrVec addrs, EntityAddr target)
    {
        MessengerConnection session;
        lock (_lock)
        {
            if (_byAddr.TryGetValue(target, out MessengerConnection? existing) && !existing.IsClosed)
            {
                return existing;
            }

            session = Register(new MessengerConnection(owner, new EntityName(peerType, EntityName.New), addrs, target.EndPoint!.ToString(), owner.GetPolicy(peerType), inbound: false), target);
        }

        session.StartConnecting();
        return session;
    }

    /// <summary>Tracks a session that is not registered by address (an anonymous client, or one a test builds).</summary>
    public void Add(MessengerConnection session)
    {
        lock (_lock)
        {
            _all.Add(session);
        }
    }

    /// <summary>The session closed for good.</summary>
    public void Removed(MessengerConnection session)
    {
        lock (_lock)
        {
            _all.Remove(session);
            if (session.Key is EntityAddr key && _byAddr.TryGetValue(key, out MessengerConnection? registered) && registered == session)
            {
                _byAddr.Remove(key);
            }
        }
    }

    /// <summary>CLIENT_IDENT: Ceph's <c>handle_client_ident</c> lookup and <c>handle_existing_connection</c>.</summary>
    public async ValueTask<AcceptStep> AcceptIdentAsync(AcceptContext context, ClientIdentFrame ident, CancellationToken ct)
    {
        Policy policy = context.Policy;
        EntityAddr key = KeyOf(ident.Addrs)!;
        if (policy.Lossy && policy.Server && !policy.RegisterLossyClients)
        {
            MessengerConnection anonymous = New(context, ident, key, register: false);
            return new AcceptStep.Ident(anonymous, anonymous.AcceptIdent(ident, resetFirst: false));
        }

        await owner.Injection.InternalDelayAsync(ct);
        MessengerConnection? replaced = null;
        MessengerConnection? reuse = null;
        ExistingConnectionVerdict? verdict = null;
        MessengerConnection? created = null;
        lock (_lock)
        {
            if (_byAddr.TryGetValue(key, out MessengerConnection? existing) && !existing.IsClosed)
            {
                bool peerIsLess = EntityAddrOrder.Instance.Compare(ident.Addrs.Msgr2, context.MyAddr) < 0;
                verdict = existing.Decide(
                    e => SessionRules.HandleExistingConnection(e, ident.ClientCookie, ident.GlobalSeq, peerIsLess, policy.ResetCheck),
                    v => v is ExistingConnectionVerdict.Reuse);
                switch (verdict)
                {
                    case ExistingConnectionVerdict.Wait:
                        existing.SendKeepalive(); // as Ceph: the winning connection must not idle into standby
                        break;
                    case ExistingConnectionVerdict.ReplaceLossy:
                        replaced = existing;
                        created = New(context, ident, key, register: true);
                        break;
                    case ExistingConnectionVerdict.Reuse:
                        reuse = existing;
                        break;
                    case ExistingConnectionVerdict.NewSession:
                        created = New(context, ident, key, register: true);
                        break;
                }
            }
            else
            {
                created = New(context, ident, key, register: true);
            }
        }

        Log(context, key, verdict?.ToString() ?? "new session");
        replaced?.Close(new ConnectionFailure(FailureKind.PeerClosed, "replaced by a new connection from the same peer"));
        switch (verdict)
        {
            case ExistingConnectionVerdict.Wait:
                return new AcceptStep.Wait();
            case ExistingConnectionVerdict.Stale:
                return new AcceptStep.Stale();
            case ExistingConnectionVerdict.Reuse r:
                return await Reserved(reuse!, async () =>
                {
                    await owner.Injection.InternalDelayAsync(ct);
                    return await reuse!.TakeOverAsync()
                        ? new AcceptStep.Ident(reuse, reuse.AcceptIdent(ident, resetFirst: r.ResetSession))
                        : new AcceptStep.Stale();
                });
        }

        return new AcceptStep.Ident(created!, created!.AcceptIdent(ident, resetFirst: false));
    }

    /// <summary>SESSION_RECONNECT: Ceph's <c>handle_reconnect</c>.</summary>
    public async ValueTask<AcceptStep> AcceptReconnectAsync(AcceptContext context, SessionReconnectFrame reconnect, CancellationToken ct)
    {
        EntityAddr key = KeyOf(reconnect.Addrs)!;
        await owner.Injection.InternalDelayAsync(ct);
        MessengerConnection? existing;
        ReconnectVerdict verdict;
        var request = new ReconnectRequest(reconnect.ClientCookie, reconnect.ServerCookie, reconnect.GlobalSeq, reconnect.ConnectSeq, reconnect.MsgSeq);
        lock (_lock)
        {
            _byAddr.TryGetValue(key, out existing);
            if (existing is null)
            {
                verdict = SessionRules.HandleReconnect(null, request, peerAddrIsGreater: false, context.Policy.ResetCheck);
            }
            else
            {
                bool peerIsGreater = EntityAddrOrder.Instance.Compare(existing.PeerAddrs.Msgr2, context.MyAddr) > 0;
                verdict = existing.Decide(
                    e => SessionRules.HandleReconnect(e, request, peerIsGreater, context.Policy.ResetCheck),
                    v => v is ReconnectVerdict.Accept);
            }
        }

        Log(context, key, verdict.ToString());
        switch (verdict)
        {
            case ReconnectVerdict.Reset reset:
                return new AcceptStep.Reply(new SessionResetFrame(reset.Full));
            case ReconnectVerdict.RetryGlobal retry:
                return new AcceptStep.Reply(new SessionRetryGlobalFrame(retry.GlobalSeq));
            case ReconnectVerdict.Retry retry:
                return new AcceptStep.Reply(new SessionRetryFrame(retry.ConnectSeq));
            case ReconnectVerdict.Wait:
                return new AcceptStep.Wait();
            case ReconnectVerdict.Accept accept:
                return await Reserved(existing!, async () =>
                {
                    await owner.Injection.InternalDelayAsync(ct);
                    if (!await existing!.TakeOverAsync())
                    {
                        return new AcceptStep.Reply(new SessionResetFrame(Full: true)); // closed meanwhile: nothing to resume
                    }

                    (ulong inSeq, HandshakeResult established) = existing.AcceptReconnect(reconnect, accept.ConnectSeq);
                    return new AcceptStep.ReconnectOk(existing, inSeq, established);
                });
            default:
                throw new InvalidOperationException($"unexpected reconnect verdict {verdict}");
        }
    }

    /// <summary>
    /// Runs the take-over of a session the decision reserved for this socket; if it fails on the way (the
    /// handshake's deadline, a transport error), the reservation is given back, or the session would stay
    /// reserved for a socket that never comes.
    /// </summary>
    private static async ValueTask<AcceptStep> Reserved(MessengerConnection session, Func<Task<AcceptStep>> takeOver)
    {
        try
        {
            return await takeOver();
        }
        catch (Exception e)
        {
            session.AbandonAccept(new ConnectionFailure(FailureKind.Local, $"taking the session over failed: {e.Message}"));
            throw;
        }
    }

    private MessengerConnection New(AcceptContext context, ClientIdentFrame ident, EntityAddr key, bool register)
    {
        var session = new MessengerConnection(owner, new EntityName(context.PeerType, ident.Gid), ident.Addrs, context.Remote, context.Policy, inbound: true);
        session.ReserveForAccept();
        if (!register)
        {
            Add(session);
            return session;
        }

        lock (_lock)
        {
            return Register(session, key);
        }
    }

    private MessengerConnection Register(MessengerConnection session, EntityAddr key)
    {
        session.Key = key;
        _byAddr[key] = session;
        _all.Add(session);
        return session;
    }

    private void Log(AcceptContext context, EntityAddr key, string decision) =>
        MessengerLog.SessionDecision(owner.Logger, owner.Name, $"{EntityTypes.Name(context.PeerType)} {key}", context.Remote, decision);
}

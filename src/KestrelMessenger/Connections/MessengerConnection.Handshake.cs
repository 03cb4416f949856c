using System.Security.Cryptography;
using KestrelMessenger.Diagnostics;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Protocol.Sessions;

namespace KestrelMessenger.Connections;

/// <summary>
/// The session step of the handshake, both roles: the client's reactions (ProtocolV2's
/// <c>send_client_ident</c>, <c>send_reconnect</c>, <c>handle_session_reset</c>/<c>_retry</c>/<c>_retry_global</c>,
/// <c>handle_server_ident</c>, <c>handle_reconnect_ok</c>) and the server's taking over of an existing
/// session by a new socket (<c>reuse_connection</c>, <c>send_server_ident</c>, <c>send_reconnect_ok</c>).
/// The decisions are <see cref="ClientSessionRules"/> and <see cref="SessionRules"/>; here they are applied.
/// </summary>
internal sealed partial class MessengerConnection : IAcceptedSession
{
    // ---- client side: a ConnectAttempt of ours talks to the server ----

    internal ClientSessionStep ClientBegin(ConnectAttempt attempt)
    {
        lock (_lock)
        {
            EnsureCurrent(attempt);
            return Apply(ClientSessionRules.OnNewSocket(ClientState(), _owner.NextGlobalSeq(0)));
        }
    }

    internal ClientSessionStep ClientReset(ConnectAttempt attempt, bool full)
    {
        lock (_lock)
        {
            EnsureCurrent(attempt);
            if (full)
            {
                // The server lost the session (it restarted, or forgot us): everything queued for it goes, as in Ceph.
                ResetSessionLocked("the peer answered SESSION_RESET");
            }

            return Apply(ClientSessionRules.OnReset(ClientState(), full));
        }
    }

    internal ClientSessionStep ClientRetry(ConnectAttempt attempt, ulong serverConnectSeq)
    {
        lock (_lock)
        {
            EnsureCurrent(attempt);
            return Apply(ClientSessionRules.OnRetry(ClientState(), serverConnectSeq));
        }
    }

    internal ClientSessionStep ClientRetryGlobal(ConnectAttempt attempt, ulong serverGlobalSeq)
    {
        lock (_lock)
        {
            EnsureCurrent(attempt);
            return Apply(ClientSessionRules.OnRetryGlobal(ClientState(), serverGlobalSeq, _owner.NextGlobalSeq));
        }
    }

    internal void ClientEstablished(ConnectAttempt attempt, ServerIdentFrame ident)
    {
        lock (_lock)
        {
            EnsureCurrent(attempt);
            _session.ServerCookie = ident.ServerCookie;
            _session.PeerGlobalSeq = ident.GlobalSeq;
            Lossy = (ident.Flags & IdentFlags.Lossy) != 0; // the server decides, as Ceph overwrites policy.lossy
        }
    }

    internal HandshakeResult ClientResumed(ConnectAttempt attempt, ulong serverInSeq)
    {
        int replay;
        lock (_lock)
        {
            EnsureCurrent(attempt);
            DiscardReplayLocked(serverInSeq);
            replay = _out.ReplayCount;
        }

        MessengerLog.SessionResumed(_owner.Logger, _owner.Name, PeerName.ToString(), _session.ConnectSeq, serverInSeq, replay);
        return _handshake ?? throw new ProtocolException("the peer resumed a session that was never established here");
    }

    private ClientSession ClientState() =>
        new(_session.ClientCookie, _session.ServerCookie, _session.GlobalSeq, _session.ConnectSeq, _session.InSeq);

    /// <summary>Stores what the step will send; a new lossless session gets its cookie here.</summary>
    private ClientSessionStep Apply(ClientSessionStep step)
    {
        ClientSession next = step switch
        {
            ClientSessionStep.SendIdent ident => ident.Session.ClientCookie == 0 && !Lossy ? ident.Session with { ClientCookie = NonZeroRandom() } : ident.Session,
            ClientSessionStep.SendReconnect reconnect => reconnect.Session,
            _ => throw new InvalidOperationException($"{step} sends nothing"),
        };
        _session.ClientCookie = next.ClientCookie;
        _session.ServerCookie = next.ServerCookie;
        _session.GlobalSeq = next.GlobalSeq;
        _session.ConnectSeq = next.ConnectSeq;
        if (next.InSeq == 0)
        {
            _session.InSeq = 0; // a reset; otherwise in_seq is the reader's alone to move
        }
        return step switch
        {
            ClientSessionStep.SendIdent ident => ident with { Session = next },
            _ => new ClientSessionStep.SendReconnect(next),
        };
    }

    private void EnsureCurrent(ConnectAttempt attempt)
    {
        if (_attempt != attempt || _replacing || State == SessionState.Closed)
        {
            throw new ProtocolException("the session no longer wants this connection (the peer's own connection took it over, or it closed)", FailureKind.Local);
        }
    }

    // ---- server side: an accepted socket takes this session over ----

    /// <summary>A new session made for an accepted socket: reserved for it, as a take-over reserves an existing one.</summary>
    internal void ReserveForAccept()
    {
        lock (_lock)
        {
            _replacing = true;
        }
    }

    /// <summary>What <see cref="SessionRules"/> need to know of this session, and (atomically with the decision) mark it being replaced.</summary>
    internal T Decide<T>(Func<ExistingSession, T> decide, Func<T, bool> replaces)
    {
        lock (_lock)
        {
            var existing = new ExistingSession(
                Closed: State == SessionState.Closed,
                Replacing: _replacing,
                ReadyOrStandby: State is SessionState.Ready or SessionState.Standby,
                ClientCookie: _session.ClientCookie,
                ServerCookie: _session.ServerCookie,
                PeerGlobalSeq: _session.PeerGlobalSeq,
                ConnectSeq: _session.ConnectSeq,
                PolicyServer: Policy.Server,
                PolicyLossy: Lossy);
            T verdict = decide(existing);
            if (replaces(verdict) && !existing.Closed)
            {
                _replacing = true;
            }

            return verdict;
        }
    }

    /// <summary>
    /// Ceph's <c>reuse_connection</c> up to the swap: the session's own socket or connect attempt is
    /// stopped (and waited for, so nothing is being written), and what it sent unacknowledged goes back
    /// for replay. False when the session closed meanwhile.
    /// </summary>
    internal async Task<bool> TakeOverAsync()
    {
        ProtocolLoop? socket;
        ConnectAttempt? attempt;
        lock (_lock)
        {
            socket = _socket;
            attempt = _attempt;
            _socket = null;
            _attempt = null;
            _generation++;
        }

        const string Reason = "replaced by a new connection from the peer";
        attempt?.Abort(Reason);
        if (socket is not null)
        {
            socket.Abort(Reason);
            await socket.Ended.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        lock (_lock)
        {
            if (State == SessionState.Closed)
            {
                _replacing = false;
                return false;
            }

            List<OutgoingMessage> unacked = _session.TakeUnacked();
            if (!_out.Requeue(unacked))
            {
                unacked.ForEach(m => m.Dispose());
            }
        }

        _delayed?.Flush();
        return true;
    }

    /// <summary>
    /// Ceph's <c>send_server_ident</c> for this session (new, or taken over by a fresh CLIENT_IDENT):
    /// the client's cookie and global_seq, in_seq from zero, a new server cookie (none when lossy).
    /// <paramref name="resetFirst"/> drops the old session first: the peer restarted and the policy checks.
    /// </summary>
    internal ulong AcceptIdent(ClientIdentFrame ident, bool resetFirst)
    {
        lock (_lock)
        {
            if (resetFirst)
            {
                ResetSessionLocked("the peer restarted (new client cookie)");
            }

            _session.ClientCookie = ident.ClientCookie;
            _session.PeerGlobalSeq = ident.GlobalSeq;
            if (_out.ReplayCount == 0)
            {
                _session.OutSeq = 0; // nothing to resend: the new session numbers from 1 (Ceph's discard_requeued_up_to(out_seq, 0))
            }

            _session.InSeq = 0;
            _session.ServerCookie = Lossy ? 0 : NonZeroRandom();
            return _session.ServerCookie;
        }
    }

    /// <summary>
    /// Ceph's <c>handle_reconnect</c> accept and <c>send_reconnect_ok</c>: the client's connect_seq and
    /// global_seq are taken over, replayed messages it already has are dropped; returns our in_seq for
    /// SESSION_RECONNECT_OK and what the session was established with.
    /// </summary>
    internal (ulong InSeq, HandshakeResult Established) AcceptReconnect(SessionReconnectFrame reconnect, ulong connectSeq)
    {
        int replay;
        ulong inSeq;
        HandshakeResult established;
        lock (_lock)
        {
            established = _handshake ?? throw new ProtocolException("SESSION_RECONNECT for a session that never reached READY here");
            _session.ConnectSeq = connectSeq;
            _session.PeerGlobalSeq = reconnect.GlobalSeq;
            DiscardReplayLocked(reconnect.MsgSeq);
            replay = _out.ReplayCount;
            inSeq = _session.InSeq;
        }

        MessengerLog.SessionResumed(_owner.Logger, _owner.Name, PeerName.ToString(), connectSeq, reconnect.MsgSeq, replay);
        return (inSeq, established);
    }

    /// <summary>The socket bound to this session failed before READY: it faults like any other (Ceph: SESSION_ACCEPTING).</summary>
    internal void AbandonAccept(ConnectionFailure failure) => HandleFault(FaultPhase.Connecting, failure, _remote, AcceptReservation.Instance);

    /// <summary>
    /// The peer has every message up to <paramref name="seq"/>: replayed ones it has are dropped (Ceph's
    /// <c>discard_requeued_up_to</c>). out_seq moves up to the peer's in_seq if it is behind (as Ceph's does, so
    /// our next message is not taken for an old one), and never back: a reconnect that names an older in_seq
    /// than the peer has by now (one that crossed a newer socket) only makes us resend what it will drop.
    /// </summary>
    private void DiscardReplayLocked(ulong seq)
    {
        List<OutgoingMessage> dropped = _out.DiscardReplayUpTo(seq);
        dropped.ForEach(m => m.Dispose());
        _session.OutSeq = Math.Max(_session.OutSeq, seq);
    }

    /// <summary>
    /// Ceph's <c>reset_session</c>: what was queued, kept for replay or delayed for delivery is dropped,
    /// received messages not yet dispatched are discarded, seqs and cookies start over, and dispatchers
    /// hear of a remote reset.
    /// </summary>
    private void ResetSessionLocked(string why)
    {
        (List<Message> fresh, List<OutgoingMessage> replay) = _out.Clear();
        int dropped = fresh.Count + replay.Count + _session.Unacked;
        fresh.ForEach(m => m.Dispose());
        replay.ForEach(m => m.Dispose());
        _session.Reset();
        _delayed?.Discard();
        MessengerLog.SessionReset(_owner.Logger, _owner.Name, PeerName.ToString(), why, dropped);
        _owner.OnRemoteReset(this);
    }

    internal static ulong NonZeroRandom()
    {
        ulong value;
        do
        {
            value = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
        }
        while (value == 0);
        return value;
    }
}

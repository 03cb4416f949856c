using KestrelMessenger.Diagnostics;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Sessions;
using KestrelMessenger.Wire;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace KestrelMessenger.Connections;

/// <summary>The session's sockets: running one in READY, and what happens when it fails.</summary>
internal sealed partial class MessengerConnection
{
    private ProtocolLoop? _socket;
    private ConnectAttempt? _attempt;
    private long _generation; // moves on whenever a socket or attempt stops being the session's own
    private bool _replacing; // an accepted socket's handshake has the session reserved (a take-over, or a new session)
    private TimeSpan _backoff;
    private DelayedDelivery? _delayed;

    /// <summary>The msgr2 address to connect to the peer at, if it has one (a bound peer).</summary>
    internal EntityAddr? ConnectTarget => PeerAddrs.Msgr2 is { EndPoint.Port: > 0 } target ? target : null;

    /// <summary>
    /// Runs READY on <paramref name="transport"/> (either role; the handshake already bound it to this
    /// session) until that socket fails, then applies the policy to the fault. Returns when the socket is
    /// done with.
    /// </summary>
    public async Task RunSocketAsync(ConnectionContext transport, HandshakeResult handshake, ConnectAttempt? attempt)
    {
        var socket = new ProtocolLoop(this, _owner, transport, handshake);
        lock (_lock)
        {
            // An accepted socket runs only if its handshake reserved the session for it (a take-over, or a new
            // session); our own attempt only if it is still the one, and no accepted socket is taking over. One
            // socket at a time: the one before has always been stopped (and waited for) first.
            bool current = attempt is null ? _replacing : attempt == _attempt && !_replacing;
            if (State == SessionState.Closed || !current || _socket is not null)
            {
                return;
            }

            _socket = socket;
            _replacing = false;
            _handshake = handshake;
            _everReady = true;
            PeerName = handshake.PeerName;
            PeerAddrs = handshake.PeerAddrs;
            Lossy = handshake.Lossy;
            _remote = socket.Remote;
            _backoff = TimeSpan.Zero;
            State = SessionState.Ready;
            if (attempt is not null)
            {
                attempt.MarkReady();
                _attempt = null; // the attempt is this socket now; its end is the socket's fault
            }
        }

        ThrottleLimits limits = _owner.ThrottleLimitsFor(handshake.Role, handshake.Lossy);
        _throttle.Limits = limits;
        _delayed ??= _owner.Injection.DelayFor(handshake.PeerName.Type) is { } delay ? new DelayedDelivery(this, _owner, delay) : null;
        Touch();

        // Kestrel asks handlers to finish when the host stops; the messenger's sessions end with it.
        using CancellationTokenRegistration onHostStop = transport.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested
            .Register(() => Close(new ConnectionFailure(FailureKind.Local, "host is stopping"))) ?? default;
        _owner.OnReady(this, handshake.Role);
        if (_pings.LatestPending is UTime stamp)
        {
            // A keepalive that went out on the lost socket may never be answered: ask again on this one.
            _out.EnqueueKeepalive(stamp);
        }

        WakeWriter();
        ConnectionFailure failure = await socket.RunAsync(_wakeWriter.Reader, _throttle, limits);
        HandleFault(FaultPhase.Ready, failure, socket.Remote, socket);
    }

    /// <summary>
    /// A socket of this session failed (or a connect attempt, or an accepted socket before READY): Ceph's
    /// <c>_fault</c>. Lossy: close. Lossless: put the unacknowledged messages back for replay, then stand by,
    /// or reconnect at once or after the backoff, as <see cref="FaultRules"/> says. Only the fault of what
    /// the session runs on now counts, checked in the same lock that acts on it: a socket already taken
    /// over, or an attempt already given up, must not touch the session its successor runs. Returns
    /// whether it acted.
    /// </summary>
    internal bool HandleFault(FaultPhase phase, ConnectionFailure failure, string remote, object culprit)
    {
        FaultAction action;
        long generation = 0;
        lock (_lock)
        {
            if (State == SessionState.Closed || !Release(culprit))
            {
                return false;
            }

            if (!Lossy)
            {
                List<OutgoingMessage> unacked = _session.TakeUnacked();
                if (!_out.Requeue(unacked))
                {
                    unacked.ForEach(m => m.Dispose());
                }
            }

            action = FaultRules.OnFault(
                new SessionFault(phase, Lossy, _out.HasMessages, _out.KeepalivePending, Policy.Standby, Policy.Server, ConnectTarget is not null, _backoff),
                _owner.InitialBackoff, _owner.MaxBackoff);
            if (action is not FaultAction.Close)
            {
                generation = ++_generation;
                State = action is FaultAction.Standby ? SessionState.Standby : SessionState.Connecting;
                _backoff = action is FaultAction.Reconnect reconnect ? reconnect.Delay : _backoff;
            }
        }

        switch (action)
        {
            case FaultAction.Close:
                Close(failure);
                return true;
            case FaultAction.Standby:
                _delayed?.Flush();
                MessengerLog.SessionFault(_owner.Logger, _owner.Name, PeerName.ToString(), remote, failure.Reason, "standing by");
                break;
            case FaultAction.Reconnect reconnect:
                _delayed?.Flush();
                MessengerLog.SessionFault(_owner.Logger, _owner.Name, PeerName.ToString(), remote, failure.Reason,
                    reconnect.Delay == TimeSpan.Zero ? "reconnecting" : $"reconnecting in {reconnect.Delay.TotalSeconds:0.###} s");
                _ = ConnectAsync(generation, reconnect.Delay);
                break;
        }

        _owner.Metrics.SessionFault(_owner.Name);
        return true;
    }

    /// <summary>
    /// Under the lock: true (and the session forgets it) when <paramref name="culprit"/> is what the session
    /// runs on now and no accepted socket is taking it over (the take-over then handles what it leaves).
    /// </summary>
    private bool Release(object culprit)
    {
        switch (culprit)
        {
            case ProtocolLoop socket when socket == _socket:
                _socket = null;
                return !_replacing;
            case ConnectAttempt attempt when attempt == _attempt:
                _attempt = null;
                return !_replacing;
            case AcceptReservation when _replacing && _socket is null:
                _replacing = false;
                return true;
            default:
                return false;
        }
    }

    /// <summary>The accepted socket a server handshake reserved the session for (a take-over, or a new session), as a culprit.</summary>
    internal sealed class AcceptReservation
    {
        public static AcceptReservation Instance { get; } = new();
    }

    /// <summary>A session in standby got a message to send: connect again, unless its policy never connects back.</summary>
    private void WakeFromStandby()
    {
        long generation;
        lock (_lock)
        {
            if (State != SessionState.Standby || !FaultRules.WakesFromStandby(_out.HasMessages, Policy.Server, ConnectTarget is not null))
            {
                return;
            }

            State = SessionState.Connecting;
            generation = ++_generation;
        }

        _ = ConnectAsync(generation, TimeSpan.Zero);
    }

    /// <summary>Starts the first connect of a session made by <c>ConnectTo</c>.</summary>
    internal void StartConnecting()
    {
        long generation;
        lock (_lock)
        {
            generation = _generation;
        }

        _ = ConnectAsync(generation, TimeSpan.Zero);
    }

    /// <summary>One connect attempt after <paramref name="delay"/>, unless the session moved on meanwhile.</summary>
    private async Task ConnectAsync(long generation, TimeSpan delay)
    {
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, _closing.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        ConnectAttempt attempt;
        EntityAddr? target;
        lock (_lock)
        {
            target = ConnectTarget;
            if (generation != _generation || State == SessionState.Closed || target is null)
            {
                return;
            }

            _attempt = attempt = new ConnectAttempt(this, target);
        }

        ConnectOutcome outcome = await _owner.ConnectAsync(this, attempt, _closing.Token);
        switch (outcome)
        {
            case ConnectOutcome.Ran:
                return; // the socket reached READY; its own fault was handled when it ended
            case ConnectOutcome.Waited:
                HandleFault(FaultPhase.Wait, new ConnectionFailure(FailureKind.PeerClosed, "peer answered WAIT: its own connection to us wins"), target.ToString(), attempt);
                return;
            case ConnectOutcome.Failed failed:
                bool lossless = !Lossy;
                if (HandleFault(FaultPhase.Connecting, failed.Failure, target.ToString(), attempt) && lossless && failed.Failure.Kind == FailureKind.Refused)
                {
                    _owner.OnRefused(this); // a lossless session goes on trying; dispatchers hear of each refusal (Ceph's ms_handle_refused)
                }

                return;
        }
    }

    /// <summary>
    /// The idle sweep found the session silent too long: a lossy one closes, a lossless one loses its
    /// socket like any fault (and so, with nothing queued, goes to standby), as Ceph's tick does.
    /// </summary>
    internal void IdleOut(ConnectionFailure failure)
    {
        ProtocolLoop? socket;
        lock (_lock)
        {
            socket = _socket;
        }

        if (Lossy || socket is null)
        {
            Close(failure);
            return;
        }

        socket.Fail(failure);
    }

    /// <summary>The writer copied frames into the transport: the connection is busy, and a parked reader may go on.</summary>
    internal void Written()
    {
        Touch();
        _throttle.Changed();
    }
}

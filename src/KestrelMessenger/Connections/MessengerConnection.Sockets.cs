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
    private bool _replacing;
    private TimeSpan _backoff;
    private DelayedDelivery? _delayed;

    /// <summary>True while a socket from the peer is being swapped into this session.</summary>
    internal bool Replacing
    {
        get
        {
            lock (_lock)
            {
                return _replacing;
            }
        }
    }

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
            bool current = attempt is null ? _replacing || State == SessionState.Connecting : attempt == _attempt;
            if (State == SessionState.Closed || !current)
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
            attempt?.MarkReady();
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
        lock (_lock)
        {
            if (_socket != socket)
            {
                return; // taken over by a replacement, or the session closed: not this socket's fault to handle
            }

            _socket = null;
        }

        HandleFault(FaultPhase.Ready, failure, socket.Remote);
    }

    /// <summary>
    /// A socket of this session failed (or a connect attempt did): Ceph's <c>_fault</c>. Lossy: close.
    /// Lossless: put the unacknowledged messages back for replay, then stand by, or reconnect at once or
    /// after the backoff, as <see cref="FaultRules"/> says.
    /// </summary>
    internal void HandleFault(FaultPhase phase, ConnectionFailure failure, string remote)
    {
        FaultAction action;
        long generation;
        lock (_lock)
        {
            if (State == SessionState.Closed || _replacing)
            {
                return;
            }

            if (Lossy)
            {
                action = new FaultAction.Close();
                generation = _generation;
            }
            else
            {
                List<OutgoingMessage> unacked = _session.TakeUnacked();
                if (!_out.Requeue(unacked))
                {
                    unacked.ForEach(m => m.Dispose());
                }

                action = FaultRules.OnFault(
                    new SessionFault(phase, Lossy, _out.HasMessages, _out.KeepalivePending, Policy.Standby, Policy.Server, ConnectTarget is not null, _backoff),
                    _owner.InitialBackoff, _owner.MaxBackoff);
                generation = ++_generation;
                State = action is FaultAction.Standby ? SessionState.Standby : SessionState.Connecting;
                if (action is FaultAction.Reconnect reconnect)
                {
                    _backoff = reconnect.Delay;
                }
            }
        }

        switch (action)
        {
            case FaultAction.Close:
                Close(failure);
                return;
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
        lock (_lock)
        {
            if (_attempt != attempt)
            {
                return; // superseded: a socket from the peer took the session over, or it closed
            }

            _attempt = null;
        }

        switch (outcome)
        {
            case ConnectOutcome.Ran:
                return; // the socket reached READY; its own fault was handled when it ended
            case ConnectOutcome.Waited:
                HandleFault(FaultPhase.Wait, new ConnectionFailure(FailureKind.PeerClosed, "peer answered WAIT: its own connection to us wins"), target.ToString());
                return;
            case ConnectOutcome.Failed failed:
                if (failed.Failure.Kind == FailureKind.Refused && !Lossy)
                {
                    _owner.OnRefused(this); // a lossless session goes on trying; dispatchers hear of each refusal (Ceph's ms_handle_refused)
                }

                HandleFault(FaultPhase.Connecting, failed.Failure, target.ToString());
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

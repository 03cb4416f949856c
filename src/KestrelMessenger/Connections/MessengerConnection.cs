using System.Threading.Channels;
using KestrelMessenger.Diagnostics;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Wire;
using Microsoft.AspNetCore.Connections;

namespace KestrelMessenger.Connections;

/// <summary>Where a session is (Ceph's ProtocolV2 states, folded to what the session needs).</summary>
internal enum SessionState
{
    /// <summary>No socket yet: connecting, waiting out a backoff, or accepted and not yet READY.</summary>
    Connecting,
    /// <summary>A socket is READY.</summary>
    Ready,
    /// <summary>Lossless, no socket, and nothing to send (or the policy never connects back).</summary>
    Standby,
    /// <summary>Gone for good.</summary>
    Closed,
}

/// <summary>
/// One peer's session (Ceph's <c>AsyncConnection</c> and the session half of <c>ProtocolV2</c>): the
/// <see cref="IConnection"/> handle, the out-queue, the <see cref="Session"/> (seqs, cookies, messages
/// sent and not yet acknowledged), and the state. Each socket it runs on is a <see cref="ProtocolLoop"/>
/// that ends in a fault; what happens then is the policy's (<see cref="Protocol.Sessions.FaultRules"/>):
/// a lossy session closes, a lossless one keeps everything, reconnects or waits in standby, and replays
/// what the peer did not acknowledge on the next socket. The handle exists before any socket does and
/// stays valid after the session closes.
/// </summary>
internal sealed partial class MessengerConnection : IConnection
{
    private readonly IConnectionOwner _owner;
    private readonly object _lock = new();
    private readonly OutQueue _out = new();
    private readonly Session _session = new();
    private readonly PingTracker _pings = new();
    private readonly Channel<bool> _wakeWriter = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConnectionThrottle _throttle;
    private int _state; // SessionState, read without the lock
    private long _lastActivity = Environment.TickCount64;
    private HandshakeResult? _handshake;
    private bool _everReady;
    private string _remote;

    public MessengerConnection(IConnectionOwner owner, EntityName peerName, EntityAddrVec peerAddrs, string remote, Policy policy, bool inbound)
    {
        _owner = owner;
        PeerName = peerName;
        PeerAddrs = peerAddrs;
        _remote = remote;
        Policy = policy;
        Inbound = inbound;
        Lossy = policy.Lossy;
        _throttle = new ConnectionThrottle(owner.ThrottleLimitsFor(inbound ? HandshakeRole.Server : HandshakeRole.Client, policy.Lossy), _out);
    }

    public EntityName PeerName { get; private set; }

    public EntityAddrVec PeerAddrs { get; private set; }

    public ulong Features => _handshake?.Features ?? 0;

    public HandshakeResult? Handshake => _handshake;

    public bool IsConnected => State == SessionState.Ready;

    public bool IsClosed => State == SessionState.Closed;

    public ConnectionFailure? Failure { get; private set; }

    public string? CloseReason => Failure?.Reason;

    public Task Closed => _closed.Task;

    /// <summary>When the last KEEPALIVE2 arrived (Ceph's <c>last_keepalive</c>).</summary>
    public DateTimeOffset LastKeepalive { get; private set; }

    /// <summary>The timestamp of the last KEEPALIVE2_ACK (Ceph's <c>last_keepalive_ack</c>).</summary>
    public UTime LastKeepaliveAck { get; private set; }

    /// <summary><see cref="Environment.TickCount64"/> when bytes last moved either way (Ceph's <c>last_active</c>).</summary>
    public long LastActivity => Interlocked.Read(ref _lastActivity);

    /// <summary>The policy for the peer's type.</summary>
    internal Policy Policy { get; private set; }

    /// <summary>The session is lossy: the server's IDENT flag decides, our policy until it has.</summary>
    internal bool Lossy { get; private set; }

    /// <summary>The peer connected to us first (the session was made by an accepted connection).</summary>
    internal bool Inbound { get; }

    /// <summary>Where the session is.</summary>
    internal SessionState State
    {
        get => (SessionState)Volatile.Read(ref _state);
        private set => Volatile.Write(ref _state, (int)value);
    }

    /// <summary>The send queue (for accounting and tests).</summary>
    internal OutQueue OutQueue => _out;

    /// <summary>The receive-side back-pressure.</summary>
    internal ConnectionThrottle Throttle => _throttle;

    /// <summary>Seqs, cookies and what was sent and not acknowledged.</summary>
    internal Session Session => _session;

    /// <summary>The key this session is registered under with its messenger (null: anonymous).</summary>
    internal EntityAddr? Key { get; set; }

    public bool SendMessage(Message message)
    {
        if (!_owner.FrameLimits.Fits(MessageHeader.Length, message.Front.Length, message.Middle.Length, message.Data.Length))
        {
            // A peer with our limits would close the connection on it; refuse it here, where the caller learns of it.
            MessengerLog.MessageTooLarge(_owner.Logger, _owner.Name, message.ToString(), PeerName.ToString());
            message.Dispose();
            return false;
        }

        if (!_out.Enqueue(message))
        {
            message.Dispose();
            return false;
        }

        WakeWriter();
        WakeFromStandby();
        return true;
    }

    public void SendKeepalive()
    {
        if (_out.EnqueueKeepalive(_pings.NextStamp()))
        {
            WakeWriter();
        }
    }

    public Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        UTime stamp = _pings.Add(done);
        if (!_out.EnqueueKeepalive(stamp))
        {
            _pings.Forget(done);
            return Task.FromException<TimeSpan>(new ConnectionAbortedException($"connection to {PeerName} is closed"));
        }

        WakeWriter();
        if (cancellationToken.CanBeCanceled)
        {
            CancellationTokenRegistration registration = cancellationToken.Register(() =>
            {
                _pings.Forget(done);
                done.TrySetCanceled(cancellationToken);
            });
            done.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return done.Task;
    }

    public void MarkDown() => Close(new ConnectionFailure(FailureKind.Local, "marked down"));

    /// <summary>
    /// Ends the session for good, once: stops its socket and any connect attempt, drops what was queued
    /// or kept for replay, fails waiting pings, and tells the owner (which raises Ceph's reset or refused
    /// event unless we closed it ourselves, or the session never surfaced to dispatchers).
    /// </summary>
    public void Close(ConnectionFailure failure)
    {
        ProtocolLoop? socket;
        ConnectAttempt? attempt;
        lock (_lock)
        {
            if (State == SessionState.Closed)
            {
                return;
            }

            State = SessionState.Closed;
            Failure = failure;
            socket = _socket;
            attempt = _attempt;
            _socket = null;
            _attempt = null;
            _generation++;
        }

        _closing.Cancel();
        _wakeWriter.Writer.TryComplete();
        socket?.Abort(failure.Reason);
        attempt?.Abort(failure.Reason);
        (List<Message> fresh, List<OutgoingMessage> replay) = _out.Close();
        fresh.ForEach(m => m.Dispose());
        replay.ForEach(m => m.Dispose());
        _session.Reset();
        _delayed?.Discard();
        _pings.FailAll(new ConnectionAbortedException($"connection to {PeerName} closed: {failure.Reason}"));
        CloseKind kind = failure.CloseKindFor(wasReady: _everReady);
        if (kind == CloseKind.Fault)
        {
            MessengerLog.ConnectionFaulted(_owner.Logger, _owner.Name, PeerName.ToString(), _remote, failure.Reason);
        }
        else
        {
            MessengerLog.ConnectionClosed(_owner.Logger, _owner.Name, PeerName.ToString(), _remote, failure.Reason);
        }

        // An accepted session that never reached READY was never seen by dispatchers: nothing to report.
        _owner.OnClosed(this, Inbound && !_everReady ? CloseKind.Local : kind, failure.Reason);
        _closed.TrySetResult();
    }

    /// <summary>Bytes moved: the connection is not idle.</summary>
    internal void Touch() => Interlocked.Exchange(ref _lastActivity, Environment.TickCount64);

    /// <summary>A MESSAGE frame passed the checks: count it, ack it, deliver it (through the injected delay, when one applies).</summary>
    internal void Received(Message message, long frameBytes)
    {
        message.Source = PeerName;
        message.Connection = this;
        _owner.Metrics.MessageReceived(_owner.Name, frameBytes);
        if (!Lossy)
        {
            _out.RequestAck();
            WakeWriter();
        }

        if (_delayed is not null)
        {
            _delayed.Queue(message);
            return;
        }

        _owner.Deliver(this, message);
    }

    /// <summary>The peer sent KEEPALIVE2: acknowledge its (latest) stamp.</summary>
    internal void KeepaliveReceived(UTime stamp)
    {
        LastKeepalive = DateTimeOffset.UtcNow;
        if (_out.EnqueueKeepaliveAck(stamp))
        {
            WakeWriter();
        }
    }

    /// <summary>The peer acknowledged our keepalive stamped <paramref name="stamp"/>.</summary>
    internal void KeepaliveAcked(UTime stamp)
    {
        LastKeepaliveAck = stamp;
        _pings.Acked(stamp);
    }

    /// <summary>The peer acknowledged our messages up to <paramref name="seq"/>: release them, and let a writer held back by them go on.</summary>
    internal void Acked(ulong seq)
    {
        if (!Lossy && _session.Acked(seq) > 0)
        {
            WakeWriter();
        }
    }

    private void WakeWriter() => _wakeWriter.Writer.TryWrite(true);

    /// <summary>The peer, and where the session is (for logs and diagnostics).</summary>
    public override string ToString() =>
        $"{PeerName} {PeerAddrs} [{State}{(Lossy ? ", lossy" : "")}, queued {_out.Count} (replay {_out.ReplayCount}), unacked {_session.Unacked}, out_seq {_session.OutSeq}, in_seq {_session.InSeq}, cs {_session.ConnectSeq}]";
}

using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using KestrelMessenger.Diagnostics;
using KestrelMessenger.Frames;
using KestrelMessenger.Messages;
using KestrelMessenger.Protocol;
using KestrelMessenger.Protocol.Frames;
using KestrelMessenger.Wire;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace KestrelMessenger.Connections;

/// <summary>
/// One peer connection after the handshake (Ceph's <c>AsyncConnection</c> + the READY state of
/// <c>ProtocolV2</c>): one read loop, one write loop draining the <see cref="OutQueue"/>, and one
/// idempotent <see cref="Close"/>. The handle exists before the transport does (outbound
/// connections queue messages while connecting) and stays valid after it closes.
/// </summary>
internal sealed class MessengerConnection : IConnection
{
    private readonly IConnectionOwner _owner;
    private readonly OutQueue _out = new();
    private readonly Session _session = new();
    private readonly PingTracker _pings = new();
    private readonly Channel<bool> _wakeWriter = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ConnectionThrottle? _throttle;
    private int _state; // 0 connecting, 1 ready, 2 closed
    private long _lastActivity = Environment.TickCount64;
    private ConnectionContext? _transport;
    private HandshakeResult? _handshake;
    private string _remote;

    public MessengerConnection(IConnectionOwner owner, EntityName peerName, EntityAddrVec peerAddrs, string remote)
    {
        _owner = owner;
        PeerName = peerName;
        PeerAddrs = peerAddrs;
        _remote = remote;
    }

    public EntityName PeerName { get; private set; }

    public EntityAddrVec PeerAddrs { get; private set; }

    public ulong Features => _handshake?.Features ?? 0;

    public HandshakeResult? Handshake => _handshake;

    public bool IsConnected => Volatile.Read(ref _state) == 1;

    public bool IsClosed => Volatile.Read(ref _state) == 2;

    public ConnectionFailure? Failure { get; private set; }

    public string? CloseReason => Failure?.Reason;

    public Task Closed => _closed.Task;

    /// <summary>When the last KEEPALIVE2 arrived (Ceph's <c>last_keepalive</c>).</summary>
    public DateTimeOffset LastKeepalive { get; private set; }

    /// <summary>The timestamp of the last KEEPALIVE2_ACK (Ceph's <c>last_keepalive_ack</c>).</summary>
    public UTime LastKeepaliveAck { get; private set; }

    /// <summary><see cref="Environment.TickCount64"/> when bytes last moved either way (Ceph's <c>last_active</c>).</summary>
    public long LastActivity => Interlocked.Read(ref _lastActivity);

    /// <summary>The send queue (for accounting and tests).</summary>
    internal OutQueue OutQueue => _out;

    /// <summary>The receive-side back-pressure (null until READY).</summary>
    internal ConnectionThrottle? Throttle => _throttle;

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

    /// <summary>Runs the READY phase on <paramref name="transport"/> until the connection closes.</summary>
    public async Task RunAsync(ConnectionContext transport, HandshakeResult handshake)
    {
        _transport = transport;
        _handshake = handshake;
        _session.ClientCookie = handshake.ClientCookie;
        _session.ServerCookie = handshake.ServerCookie;
        PeerName = handshake.PeerName;
        PeerAddrs = handshake.PeerAddrs;
        _remote = transport.RemoteEndPoint?.ToString() ?? _remote;
        _throttle = new ConnectionThrottle(_owner.ThrottleLimitsFor(handshake.Role), _out);
        Touch();
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            return; // marked down while connecting
        }

        // Kestrel asks handlers to finish when the host stops; a messenger connection just closes.
        using CancellationTokenRegistration onHostStop = transport.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested
            .Register(() => Close(new ConnectionFailure(FailureKind.Local, "host is stopping"))) ?? default;
        _owner.OnReady(this);
        var writer = new ConnectionWriter(_owner, _out, _session, _wakeWriter.Reader, () => Features, Close, OnWritten, handshake.Codec)
            .RunAsync(transport.Transport.Output, _stopping.Token);
        Close(await new ConnectionReader(this, _owner, _throttle, handshake.Codec).RunAsync(transport.Transport.Input, _stopping.Token));
        await writer;
    }

    /// <summary>Closes once: stops both loops, drops queued messages (lossy), tells the owner.</summary>
    public void Close(ConnectionFailure failure)
    {
        if (Interlocked.Exchange(ref _state, 2) == 2)
        {
            return;
        }

        Failure = failure;
        _stopping.Cancel();
        _wakeWriter.Writer.TryComplete();
        _transport?.Abort(new ConnectionAbortedException(failure.Reason));
        foreach (Message unsent in _out.Close())
        {
            unsent.Dispose();
        }

        _pings.FailAll(new ConnectionAbortedException($"connection to {PeerName} closed: {failure.Reason}"));
        CloseKind kind = failure.CloseKindFor(wasReady: _handshake is not null);
        if (kind == CloseKind.Fault)
        {
            MessengerLog.ConnectionFaulted(_owner.Logger, _owner.Name, PeerName.ToString(), _remote, failure.Reason);
        }
        else
        {
            MessengerLog.ConnectionClosed(_owner.Logger, _owner.Name, PeerName.ToString(), _remote, failure.Reason);
        }

        _owner.OnClosed(this, kind, failure.Reason);
        _closed.TrySetResult();
    }

    /// <summary>Bytes moved: the connection is not idle.</summary>
    internal void Touch() => Interlocked.Exchange(ref _lastActivity, Environment.TickCount64);

    /// <summary>A MESSAGE frame passed the checks: count it, ack it, deliver it.</summary>
    internal void Received(Message message, long frameBytes)
    {
        message.Source = PeerName;
        message.Connection = this;
        _owner.Metrics.MessageReceived(_owner.Name, frameBytes);
        if (_handshake is { Lossy: false })
        {
            _out.RequestAck();
            WakeWriter();
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

    /// <summary>The peer acknowledged our messages up to <paramref name="seq"/>.</summary>
    internal void Acked(ulong seq)
    {
        // Lossy sessions keep nothing to release; lossless replay will free its unacked list here.
        if (seq > _session.AckedSeq)
        {
            _session.AckedSeq = seq;
        }
    }

    internal Session Session => _session;

    private void OnWritten()
    {
        Touch();
        _throttle?.Changed();
    }

    private void WakeWriter() => _wakeWriter.Writer.TryWrite(true);

    public override string ToString() => $"{PeerName} {PeerAddrs}";
}

using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
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
    private readonly Channel<bool> _wakeWriter = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<UTime, (long Start, TaskCompletionSource<TimeSpan> Done)> _pings = new();
    private int _state; // 0 connecting, 1 ready, 2 closed
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

    public string? CloseReason { get; private set; }

    public Task Closed => _closed.Task;

    /// <summary>When the last KEEPALIVE2 arrived (Ceph's <c>last_keepalive</c>).</summary>
    public DateTimeOffset LastKeepalive { get; private set; }

    /// <summary>The timestamp of the last KEEPALIVE2_ACK (Ceph's <c>last_keepalive_ack</c>).</summary>
    public UTime LastKeepaliveAck { get; private set; }

    public bool SendMessage(Message message)
    {
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
        if (_out.EnqueueKeepalive(UTime.Now))
        {
            WakeWriter();
        }
    }

    public Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        UTime stamp = UTime.Now;
        while (!_pings.TryAdd(stamp, (Stopwatch.GetTimestamp(), done)))
        {
            stamp = stamp with { Nanoseconds = (stamp.Nanoseconds + 1) % 1_000_000_000 };
        }

        if (!_out.EnqueueKeepalive(stamp))
        {
            _pings.TryRemove(stamp, out _);
            return Task.FromException<TimeSpan>(new ConnectionAbortedException($"connection to {PeerName} is closed"));
        }

        WakeWriter();
        cancellationToken.Register(() =>
        {
            if (_pings.TryRemove(stamp, out var pending))
            {
                pending.Done.TrySetCanceled(cancellationToken);
            }
        });
        return done.Task;
    }

    public void MarkDown() => Close(CloseKind.Local, "marked down");

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
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            return; // marked down while connecting
        }

        // Kestrel asks handlers to finish when the host stops; a messenger connection just closes.
        using CancellationTokenRegistration onHostStop = transport.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested
            .Register(() => Close(CloseKind.Local, "host is stopping")) ?? default;
        _owner.OnReady(this);
        var writer = new ConnectionWriter(_owner, _out, _session, _wakeWriter.Reader, () => Features, Close)
            .RunAsync(transport.Transport.Output, _stopping.Token);
        (CloseKind kind, string reason) = await ReadLoopAsync(transport.Transport.Input);
        Close(kind, reason);
        await writer;
    }

    /// <summary>Closes once: stops both loops, drops queued messages (lossy), tells the owner.</summary>
    public void Close(CloseKind kind, string reason)
    {
        if (Interlocked.Exchange(ref _state, 2) == 2)
        {
            return;
        }

        CloseReason = reason;
        _stopping.Cancel();
        _wakeWriter.Writer.TryComplete();
        _transport?.Abort(new ConnectionAbortedException(reason));
        foreach (Message unsent in _out.Close())
        {
            unsent.Dispose();
        }

        foreach (var pending in _pings.Values)
        {
            pending.Done.TrySetException(new ConnectionAbortedException($"connection to {PeerName} closed: {reason}"));
        }

        _pings.Clear();
        if (kind == CloseKind.Fault)
        {
            MessengerLog.ConnectionFaulted(_owner.Logger, _owner.Name, PeerName.ToString(), _remote, reason);
        }
        else
        {
            MessengerLog.ConnectionClosed(_owner.Logger, _owner.Name, PeerName.ToString(), _remote, reason);
        }

        _owner.OnClosed(this, kind, reason);
        _closed.TrySetResult();
    }

    private void WakeWriter() => _wakeWriter.Writer.TryWrite(true);

    private async Task<(CloseKind, string)> ReadLoopAsync(PipeReader input)
    {
        CancellationToken ct = _stopping.Token;
        try
        {
            while (true)
            {
                ReadResult result = await input.ReadAsync(ct);
                ReadOnlySequence<byte> buffer = result.Buffer;
                SequencePosition examined = buffer.End;
                try
                {
                    while (FrameDecoder.TryDecode(buffer, _owner.FrameLimits, out Frame frame, out long length))
                    {
                        if (!frame.Aborted)
                        {
                            HandleFrame(frame, length);
                        }

                        buffer = buffer.Slice(length);
                    }

                    if (result.IsCompleted || result.IsCanceled)
                    {
                        return buffer.IsEmpty
                            ? (CloseKind.Reset, "peer closed the connection")
                            : (CloseKind.Reset, $"peer closed the connection mid-frame ({buffer.Length} bytes of a frame)");
                    }
                }
                finally
                {
                    input.AdvanceTo(buffer.Start, examined);
                }

                await _owner.WaitForDispatchRoomAsync(ct);
            }
        }
        catch (FrameException e)
        {
            return (CloseKind.Fault, e.Message);
        }
        catch (ProtocolException e)
        {
            return (CloseKind.Fault, e.Message);
        }
        catch (DecodeException e)
        {
            return (CloseKind.Fault, e.Message);
        }
        catch (OperationCanceledException)
        {
            return (CloseKind.Local, "closed locally");
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException or ObjectDisposedException)
        {
            return (CloseKind.Reset, e.Message);
        }
    }

    private void HandleFrame(in Frame frame, long length)
    {
        switch (frame.Tag)
        {
            case Tag.Message:
                HandleMessage(frame, length);
                break;
            case Tag.Keepalive2:
                ReadOnlySpan<byte> ka = Contiguous(frame.Segment0, stackalloc byte[UTime.EncodedSize]);
                LastKeepalive = DateTimeOffset.UtcNow;
                if (_out.EnqueueKeepaliveAck(ControlFrame.Decode<Keepalive2Frame>(ka).Timestamp))
                {
                    WakeWriter();
                }

                break;
            case Tag.Keepalive2Ack:
                UTime stamp = ControlFrame.Decode<Keepalive2AckFrame>(Contiguous(frame.Segment0, stackalloc byte[UTime.EncodedSize])).Timestamp;
                LastKeepaliveAck = stamp;
                if (_pings.TryRemove(stamp, out var pending))
                {
                    pending.Done.TrySetResult(Stopwatch.GetElapsedTime(pending.Start));
                }

                break;
            case Tag.Ack:
                HandleAck(ControlFrame.Decode<AckFrame>(Contiguous(frame.Segment0, stackalloc byte[8])).Seq);
                break;
            default:
                throw new ProtocolException(Enum.IsDefined(frame.Tag)
                    ? $"unexpected {frame.Tag} frame in READY"
                    : $"unknown frame tag {(byte)frame.Tag}");
        }
    }

    private void HandleMessage(in Frame frame, long length)
    {
        if (frame.Segment0.Length != MessageHeader.Length)
        {
            throw new ProtocolException($"message header is {frame.Segment0.Length} bytes, not {MessageHeader.Length}");
        }

        MessageHeader header = MessageHeader.Read(Contiguous(frame.Segment0, stackalloc byte[MessageHeader.Length]));
        ulong inSeq = _session.InSeq;
        if (header.Seq <= inSeq)
        {
            MessengerLog.DiscardedOldMessage(_owner.Logger, _owner.Name, header.Seq, PeerName.ToString(), inSeq);
            return;
        }

        if (header.Seq > inSeq + 1)
        {
            MessengerLog.MessageSeqGap(_owner.Logger, _owner.Name, header.Seq, PeerName.ToString(), inSeq);
        }

        HandleAck(header.AckSeq);
        Message message;
        try
        {
            message = _owner.Registry.Decode(header, frame.Segment1, frame.Segment2, frame.Segment3);
        }
        catch (DecodeException e)
        {
            throw new ProtocolException($"failed to decode {MessageTypes.Name(header.Type)} (type {header.Type}) seq {header.Seq}: {e.Message}");
        }

        message.Source = PeerName;
        message.Connection = this;
        _session.InSeq = header.Seq;
        _owner.Metrics.MessageReceived(_owner.Name, length);
        if (_handshake is { Lossy: false })
        {
            _out.RequestAck();
            WakeWriter();
        }

        _owner.Deliver(this, message);
    }

    private void HandleAck(ulong seq)
    {
        // Lossy sessions keep nothing to release; lossless replay will free its unacked list here.
        if (seq > _session.AckedSeq)
        {
            _session.AckedSeq = seq;
        }
    }

    private static ReadOnlySpan<byte> Contiguous(in ReadOnlySequence<byte> segment, Span<byte> scratch)
    {
        if (segment.IsSingleSegment)
        {
            return segment.FirstSpan;
        }

        if (segment.Length > scratch.Length)
        {
            throw new ProtocolException($"control payload of {segment.Length} bytes where {scratch.Length} were expected");
        }

        Span<byte> target = scratch[..(int)segment.Length];
        segment.CopyTo(target);
        return target;
    }

    public override string ToString() => $"{PeerName} {PeerAddrs}";
}

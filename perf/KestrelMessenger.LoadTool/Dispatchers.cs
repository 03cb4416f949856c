using System.Diagnostics;
using KestrelMessenger.Dispatch;
using KestrelMessenger.Messages;

namespace KestrelMessenger.LoadTool;

/// <summary>Message types of the load test (private range, unknown to Ceph: they travel as raw messages).</summary>
internal static class LoadMessageTypes
{
    public const ushort Request = 0x7000;
    public const ushort Reply = 0x7001;
}

/// <summary>Server side: answers every request with a reply carrying the same tid (and the payload with --echo-payload).</summary>
internal sealed class EchoDispatcher(LoadOptions options) : IDispatcher
{
    private int _accepted;

    public int Accepted => Volatile.Read(ref _accepted);

    public bool CanFastDispatch(Message message) => options.FastDispatch && message.Type == LoadMessageTypes.Request;

    public void FastDispatch(Message message) => Reply(message);

    public ValueTask<bool> DispatchAsync(Message message)
    {
        if (message.Type != LoadMessageTypes.Request)
        {
            return ValueTask.FromResult(false);
        }

        Reply(message);
        return ValueTask.FromResult(true);
    }

    public void HandleAccept(IConnection connection) => Interlocked.Increment(ref _accepted);

    private void Reply(Message request)
    {
        var reply = new Message(LoadMessageTypes.Reply) { Tid = request.Tid, Priority = request.Priority };
        if (options.EchoPayload)
        {
            // The request's buffers go back to the pool when dispatch returns: copy.
            reply.Data = MessageBuffer.CopyOf(request.Data.Sequence);
        }

        request.Connection!.SendMessage(reply);
    }
}

/// <summary>
/// Client side: a closed loop keeping <see cref="LoadOptions.Inflight"/> requests outstanding. Each reply
/// records its round trip (Stopwatch timestamps keyed by tid) and, while the run lasts, sends the next
/// request. Tid t lives in slot t % inflight: the reply to t frees exactly the slot t + inflight takes.
/// </summary>
internal sealed class ReplyCollector(LoadOptions options) : IDispatcher
{
    private const int Warmup = 0;
    private const int Measuring = 1;
    private const int Draining = 2;

    private readonly object _lock = new();
    private readonly long[] _sentAt = new long[options.Inflight];
    private readonly ulong[] _slotTid = new ulong[options.Inflight];
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _countReached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private List<long> _latencies = new(options.Count is long n ? (int)Math.Min(n, 1 << 24) : 1 << 16);
    private byte[] _payload = [];
    private IConnection? _connection;
    private long _nextTid;
    private long _outstanding;
    private long _sent;
    private long _received;
    private long _unmatched;
    private int _phase;
    private long _measureStart;
    private long _measureEnd;

    public Task Connected => _connected.Task;

    public long ConnectedAt { get; private set; }

    /// <summary>Completes with a reason when the connection is refused or reset.</summary>
    public Task<string> Failed => _failed.Task;

    public Task CountReached => _countReached.Task;

    public Task Drained => _drained.Task;

    public long Sent => Interlocked.Read(ref _sent);

    public long Received => Interlocked.Read(ref _received);

    public long Unmatched => Interlocked.Read(ref _unmatched);

    public long Outstanding => Interlocked.Read(ref _outstanding);

    /// <summary>Stopwatch timestamps of the measured window.</summary>
    public (long Start, long End) Window => (_measureStart, _measureEnd);

    /// <summary>Sends the first <see cref="LoadOptions.Inflight"/> requests (queued until the handshake completes).</summary>
    public void Start(IConnection connection, byte[] payload)
    {
        _connection = connection;
        _payload = payload;
        for (int i = 0; i < options.Inflight; i++)
        {
            SendNext();
        }
    }

    public void BeginMeasuring()
    {
        lock (_lock)
        {
            _measureStart = Stopwatch.GetTimestamp();
            Volatile.Write(ref _phase, Measuring);
        }
    }

    /// <summary>Stops sending and closes the window (seconds mode); the replies still due are drained, not counted.</summary>
    public void EndMeasuring()
    {
        lock (_lock)
        {
            if (_phase == Measuring)
            {
                _measureEnd = Stopwatch.GetTimestamp();
            }

            Volatile.Write(ref _phase, Draining);
        }

        if (Interlocked.Read(ref _outstanding) == 0)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>The measured round trips in Stopwatch ticks (call after the window closed).</summary>
    public long[] TakeLatencies()
    {
        lock (_lock)
        {
            long[] result = [.. _latencies];
            _latencies = [];
            return result;
        }
    }

    public bool CanFastDispatch(Message message) => options.FastDispatch && message.Type == LoadMessageTypes.Reply;

    public void FastDispatch(Message message) => OnReply(message);

    public ValueTask<bool> DispatchAsync(Message message)
    {
        if (message.Type != LoadMessageTypes.Reply)
        {
            return ValueTask.FromResult(false);
        }

        OnReply(message);
        return ValueTask.FromResult(true);
    }

    public void HandleConnect(IConnection connection)
    {
        ConnectedAt = Stopwatch.GetTimestamp();
        _connected.TrySetResult();
    }

    public bool HandleReset(IConnection connection)
    {
        _failed.TrySetResult($"connection to {connection.PeerName} was reset");
        return true;
    }

    public bool HandleRefused(IConnection connection)
    {
        _failed.TrySetResult($"connection to {connection.PeerAddrs} was refused");
        return true;
    }

    private void SendNext()
    {
        ulong tid = (ulong)Interlocked.Increment(ref _nextTid) - 1;
        int slot = (int)(tid % (ulong)_sentAt.Length);
        _slotTid[slot] = tid;
        var request = new Message(LoadMessageTypes.Request)
        {
            Tid = tid,
            Data = MessageBuffer.CopyOf(_payload),
        };
        Interlocked.Increment(ref _outstanding);
        Interlocked.Increment(ref _sent);
        _sentAt[slot] = Stopwatch.GetTimestamp();
        if (!_connection!.SendMessage(request))
        {
            Interlocked.Decrement(ref _outstanding);
            _failed.TrySetResult("the connection closed while sending");
        }
    }

    private void OnReply(Message reply)
    {
        long now = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _received);
        int slot = (int)(reply.Tid % (ulong)_sentAt.Length);
        bool matched = _slotTid[slot] == reply.Tid;
        long rtt = now - _sentAt[slot];
        if (!matched)
        {
            Interlocked.Increment(ref _unmatched);
        }

        int phase = Volatile.Read(ref _phase);
        if (phase == Measuring && matched)
        {
            lock (_lock)
            {
                if (_phase == Measuring)
                {
                    _latencies.Add(rtt);
                    if (options.Count is long n && _latencies.Count >= n)
                    {
                        _measureEnd = now;
                        Volatile.Write(ref _phase, Draining);
                        _countReached.TrySetResult();
                    }
                }
            }
        }

        // Send the next one before this one stops counting, so outstanding only reaches 0 when draining.
        if (Volatile.Read(ref _phase) != Draining)
        {
            SendNext();
        }

        if (Interlocked.Decrement(ref _outstanding) == 0 && Volatile.Read(ref _phase) == Draining)
        {
            _drained.TrySetResult();
        }
    }
}

using KestrelMessenger.Messages;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Connections;

/// <summary>One message for the writer: a new one to encode, or one already sent that a lossless session replays.</summary>
internal readonly record struct OutItem(Message? Fresh, OutgoingMessage? Replay)
{
    /// <summary>What it counts for in the queue's bytes.</summary>
    public long Size => Fresh is not null ? OutQueue.SizeOf(Fresh) : Replay!.Length + OutQueue.FrameOverhead;
}

/// <summary>
/// What a session's write loop has to send: messages put back for replay first (a lossless session's
/// unacknowledged messages after a fault, in seq order, ahead of everything as Ceph requeues them at
/// the highest priority), then new messages by priority (highest first, FIFO within a priority, as Ceph's
/// <c>out_q</c>), plus at most one KEEPALIVE2, one KEEPALIVE2_ACK and one ACK.
/// Control frames coalesce: only the latest keepalive stamp is sent and only the latest stamp
/// received is acknowledged (as Ceph keeps one <c>keepalive_ack</c>), so a flood of keepalives costs
/// nothing. Messages are counted, in number and bytes, from <see cref="Enqueue"/> until the writer has
/// copied them into the transport (<see cref="Written"/>): that is what the connection's throttle bounds.
/// Producers are any thread; the single consumer is the write loop.
/// </summary>
internal sealed class OutQueue
{
    /// <summary>What a queued message is counted as beyond its segments: header2, preamble, CRCs, epilogue.</summary>
    internal const int FrameOverhead = 128;

    private readonly object _lock = new();
    // One queue per priority in use, highest first: a handful at most, so a list scanned in order (which,
    // unlike a sorted collection's enumerator, allocates nothing per message).
    private readonly List<(ushort Priority, Queue<Message> Queue)> _messages = [];
    private readonly LinkedList<OutgoingMessage> _replay = new();
    private UTime? _keepalive;
    private UTime? _keepaliveAck;
    private bool _ack;
    private bool _closed;
    private int _waiting;
    private int _count;
    private long _bytes;

    /// <summary>Messages queued (new or for replay) or taken by the writer and not yet written.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Their bytes (segments as set, plus <see cref="FrameOverhead"/> each).</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>The most bytes ever counted at once.</summary>
    public long PeakBytes { get; private set; }

    /// <summary>The most messages ever counted at once.</summary>
    public int PeakCount { get; private set; }

    /// <summary>What <paramref name="message"/> counts for (typed fronts are encoded later and count as the overhead).</summary>
    public static long SizeOf(Message message) => message.Front.Length + message.Middle.Length + message.Data.Length + FrameOverhead;

    /// <summary>Adds a message; false once closed.</summary>
    public bool Enqueue(Message message)
    {
        long size = SizeOf(message);
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            Queue<Message> queue = QueueFor(message.Priority);

            queue.Enqueue(message);
            _waiting++;
            CountIn(size);
            return true;
        }
    }

    /// <summary>The writer copied a message taken by <see cref="Drain"/> into the transport (or dropped it): <paramref name="size"/> is <see cref="OutItem.Size"/>.</summary>
    public void Written(long size)
    {
        // No lock: the counters are atomic, and the writer must not contend with producers per message.
        Interlocked.Decrement(ref _count);
        Interlocked.Add(ref _bytes, -size);
    }

    /// <summary>Asks for a KEEPALIVE2 stamped <paramref name="stamp"/>, replacing an earlier one not yet sent.</summary>
    public bool EnqueueKeepalive(UTime stamp) => Set(ref _keepalive, stamp);

    /// <summary>Asks for a KEEPALIVE2_ACK echoing <paramref name="stamp"/>, replacing an earlier one not yet sent.</summary>
    public bool EnqueueKeepaliveAck(UTime stamp) => Set(ref _keepaliveAck, stamp);

    /// <summary>Asks for a stand-alone ACK (dropped if a message goes out first and carries it).</summary>
    public void RequestAck()
    {
        lock (_lock)
        {
            _ack = true;
        }
    }

    /// <summary>True when messages wait that the writer has not taken (new or for replay).</summary>
    public bool HasMessages
    {
        get
        {
            lock (_lock)
            {
                return _waiting > 0 || _replay.Count > 0;
            }
        }
    }

    /// <summary>True when a KEEPALIVE2 waits to be sent.</summary>
    public bool KeepalivePending
    {
        get
        {
            lock (_lock)
            {
                return _keepalive is not null;
            }
        }
    }

    /// <summary>Takes everything waiting, control first, up to <paramref name="maxMessages"/> messages (replays before new ones).</summary>
    public Control Drain(List<OutItem> items, int maxMessages)
    {
        lock (_lock)
        {
            var control = new Control(_keepaliveAck, _keepalive, false);
            _keepaliveAck = _keepalive = null;
            while (items.Count < maxMessages && _replay.Count > 0)
            {
                items.Add(new OutItem(null, _replay.First!.Value));
                _replay.RemoveFirst();
            }

            while (items.Count < maxMessages && _waiting > 0)
            {
                for (int i = 0; i < _messages.Count; i++)
                {
                    Queue<Message> queue = _messages[i].Queue;
                    if (queue.Count > 0)
                    {
                        items.Add(new OutItem(queue.Dequeue(), null));
                        _waiting--;
                        break;
                    }
                }
            }

            control = control with { Ack = _ack && items.Count == 0 };
            _ack = false;
            return control;
        }
    }

    /// <summary>
    /// Puts a lossless session's unacknowledged messages back, in seq order, ahead of everything else
    /// (Ceph's <c>requeue_sent</c>); the writer sends them again before any new message. False once closed.
    /// </summary>
    public bool Requeue(IReadOnlyList<OutgoingMessage> sent)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            for (int i = sent.Count - 1; i >= 0; i--)
            {
                _replay.AddFirst(sent[i]);
                CountIn(sent[i].Length + FrameOverhead);
            }

            return true;
        }
    }

    /// <summary>
    /// The writer stopped (its socket failed) holding <paramref name="items"/> it had taken and not written:
    /// they go back where they were, ahead of what came after them, still counted. False once closed
    /// (the caller then disposes them).
    /// </summary>
    public bool ReturnUnwritten(IReadOnlyList<OutItem> items)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            for (int i = items.Count - 1; i >= 0; i--)
            {
                if (items[i].Replay is OutgoingMessage replay)
                {
                    _replay.AddFirst(replay);
                    continue;
                }

                Message fresh = items[i].Fresh!;
                Queue<Message> queue = QueueFor(fresh.Priority);

                // Queue has no push-front: rebuild this priority's queue with the message first.
                var rest = queue.ToArray();
                queue.Clear();
                queue.Enqueue(fresh);
                foreach (Message m in rest)
                {
                    queue.Enqueue(m);
                }

                _waiting++;
            }

            return true;
        }
    }

    /// <summary>
    /// Drops the replayed messages at the front whose seq the peer already has (≤ <paramref name="seq"/>),
    /// as Ceph's <c>discard_requeued_up_to</c>; returns them for disposal.
    /// </summary>
    public List<OutgoingMessage> DiscardReplayUpTo(ulong seq)
    {
        var dropped = new List<OutgoingMessage>();
        lock (_lock)
        {
            while (_replay.First is { Value: OutgoingMessage m } && m.Seq != 0 && m.Seq <= seq)
            {
                _replay.RemoveFirst();
                dropped.Add(m);
                Written(m.Length + FrameOverhead);
            }
        }

        return dropped;
    }

    /// <summary>Messages waiting for replay.</summary>
    public int ReplayCount
    {
        get
        {
            lock (_lock)
            {
                return _replay.Count;
            }
        }
    }

    /// <summary>Drops everything queued (a session reset) and returns it for disposal; the queue stays open.</summary>
    public (List<Message> Fresh, List<OutgoingMessage> Replay) Clear()
    {
        lock (_lock)
        {
            (List<Message> fresh, List<OutgoingMessage> replay) = TakeAll();
            foreach (Message m in fresh)
            {
                Written(SizeOf(m));
            }

            foreach (OutgoingMessage m in replay)
            {
                Written(m.Length + FrameOverhead);
            }

            _keepalive = _keepaliveAck = null;
            _ack = false;
            return (fresh, replay);
        }
    }

    /// <summary>Refuses further work and returns the messages never taken by the writer.</summary>
    public (List<Message> Fresh, List<OutgoingMessage> Replay) Close()
    {
        lock (_lock)
        {
            _closed = true;
            return TakeAll();
        }
    }

    /// <summary>The queue of <paramref name="priority"/>, made (in its place, highest first) on first use.</summary>
    private Queue<Message> QueueFor(ushort priority)
    {
        int at = 0;
        while (at < _messages.Count && _messages[at].Priority > priority)
        {
            at++;
        }

        if (at < _messages.Count && _messages[at].Priority == priority)
        {
            return _messages[at].Queue;
        }

        var queue = new Queue<Message>();
        _messages.Insert(at, (priority, queue));
        return queue;
    }

    private (List<Message> Fresh, List<OutgoingMessage> Replay) TakeAll()
    {
        var fresh = new List<Message>(_waiting);
        foreach ((_, Queue<Message> queue) in _messages)
        {
            fresh.AddRange(queue);
            queue.Clear();
        }

        _waiting = 0;
        var replay = new List<OutgoingMessage>(_replay);
        _replay.Clear();
        return (fresh, replay);
    }

    private void CountIn(long size)
    {
        int count = Interlocked.Increment(ref _count);
        long bytes = Interlocked.Add(ref _bytes, size);
        PeakCount = Math.Max(PeakCount, count);
        PeakBytes = Math.Max(PeakBytes, bytes);
    }

    private bool Set(ref UTime? slot, UTime stamp)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            slot = stamp;
            return true;
        }
    }

    /// <summary>The control frames one drain found: the latest stamps to send, and whether an ACK is due.</summary>
    public readonly record struct Control(UTime? KeepaliveAck, UTime? Keepalive, bool Ack);
}

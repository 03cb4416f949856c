using KestrelMessenger.Messages;
using KestrelMessenger.Wire;

namespace KestrelMessenger.Connections;

/// <summary>
/// What a connection's write loop has to send: messages by priority (highest first, FIFO within a
/// priority, as Ceph's <c>out_q</c>), plus at most one KEEPALIVE2, one KEEPALIVE2_ACK and one ACK.
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
    private readonly SortedDictionary<ushort, Queue<Message>> _messages = new(Comparer<ushort>.Create((a, b) => b.CompareTo(a)));
    private UTime? _keepalive;
    private UTime? _keepaliveAck;
    private bool _ack;
    private bool _closed;
    private int _waiting;
    private int _count;
    private long _bytes;

    /// <summary>Messages queued or taken by the writer and not yet written.</summary>
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

            if (!_messages.TryGetValue(message.Priority, out Queue<Message>? queue))
            {
                _messages[message.Priority] = queue = new Queue<Message>();
            }

            queue.Enqueue(message);
            _waiting++;
            int count = Interlocked.Increment(ref _count);
            long bytes = Interlocked.Add(ref _bytes, size);
            PeakCount = Math.Max(PeakCount, count);
            PeakBytes = Math.Max(PeakBytes, bytes);
            return true;
        }
    }

    /// <summary>The writer copied a message taken by <see cref="Drain"/> into the transport (or dropped it).</summary>
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

    /// <summary>Takes everything waiting, control first, up to <paramref name="maxMessages"/> messages.</summary>
    public Control Drain(List<Message> messages, int maxMessages)
    {
        lock (_lock)
        {
            var control = new Control(_keepaliveAck, _keepalive, false);
            _keepaliveAck = _keepalive = null;
            while (messages.Count < maxMessages && _waiting > 0)
            {
                foreach (Queue<Message> queue in _messages.Values)
                {
                    if (queue.Count > 0)
                    {
                        messages.Add(queue.Dequeue());
                        _waiting--;
                        break;
                    }
                }
            }

            control = control with { Ack = _ack && messages.Count == 0 };
            _ack = false;
            return control;
        }
    }

    /// <summary>Refuses further work and returns the messages never taken by the writer.</summary>
    public List<Message> Close()
    {
        lock (_lock)
        {
            _closed = true;
            var unsent = new List<Message>(_waiting);
            foreach (Queue<Message> queue in _messages.Values)
            {
                unsent.AddRange(queue);
                queue.Clear();
            }

            _waiting = 0;
            return unsent;
        }
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
